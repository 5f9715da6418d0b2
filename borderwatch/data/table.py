"""Reading the whole store into one typed, read-only pandas frame.

The dashboard reads the store once per data version and filters in memory. Low-cardinality
text is held as categoricals, which keeps the frame small and makes filters and group-bys
work on integer codes. Measured figures are in the README (Scale).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from borderwatch.data.db import DERIVED, incidents_table
from borderwatch.data.schema import COLUMN_NAMES, COLUMNS

# Text columns with few distinct values, held as categoricals.
CATEGORICAL = ("event_type", "sub_event_type", "actor1", "actor2", "country", "admin1",
               "admin2", "location", "source", "geo_country", "geo_admin1")
# Columns compared with each other share their categories (actor1 == actor2 is then a
# comparison of integer codes).
SHARED_CATEGORIES = (("actor1", "actor2"), ("country", "geo_country"),
                     ("admin1", "geo_admin1"))
READ = (*COLUMN_NAMES, *DERIVED, "batch_id")

_KINDS = {c.name: c.kind for c in COLUMNS} | {"geo_country": "str", "geo_admin1": "str",
                                               "border_km": "float", "batch_id": "int"}
# How each kind arrives from the database (dates as ISO text from SQLite).
_ARROW = {"str": pa.string(), "date": pa.string(), "int": pa.int64(), "float": pa.float64()}
_FETCH = 100_000  # rows per fetch from SQLite: the peak stays near the final size
_PANDAS_TYPES = {pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype()}


def _read_postgresql(engine: Engine, sql: str) -> pa.Table:
    """Through PostgreSQL's ADBC driver: binary COPY, no Python object per value."""
    import adbc_driver_postgresql.dbapi as adbc_pg

    uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with adbc_pg.connect(uri) as pg, pg.cursor() as cur:
            cur.execute(sql)
            return cur.fetch_arrow_table()
    except adbc_pg.Error as exc:  # as SQLAlchemy's own, so callers handle one kind
        raise sa.exc.OperationalError(sql, None, exc) from exc


def _read_sqlite(engine: Engine, sql: str) -> pa.Table:
    """Through the standard library driver, a slice of rows at a time into Arrow columns.

    SQLite's own ADBC driver is not used: a second copy of the SQLite library in one
    process does not see the other's WAL and can break its locks.
    """
    schema = pa.schema([(n, _ARROW[_KINDS[n]]) for n in READ])
    chunks = []
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).exec_driver_sql(sql)
        while rows := result.fetchmany(_FETCH):
            columns = list(zip(*rows, strict=True))
            chunks.append(pa.record_batch(
                [pa.array([None if v is None else str(v) for v in col], pa.string())
                 if _KINDS[n] == "date" else pa.array(col, schema.field(n).type)
                 for n, col in zip(READ, columns, strict=True)], schema=schema))
    return pa.Table.from_batches(chunks, schema=schema)


def read_arrow(engine: Engine) -> pa.Table:
    """Every stored incident as an Arrow table of the ``READ`` columns, as stored."""
    query = sa.select(*(incidents_table.c[n] for n in READ))
    sql = str(query.compile(dialect=engine.dialect))
    if engine.url.get_backend_name() == "postgresql":
        return _read_postgresql(engine, sql)
    return _read_sqlite(engine, sql)


def _column(name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
    """One column in the type the rest of the code expects."""
    kind = _KINDS[name]
    if kind == "date":
        if not pa.types.is_date(col.type):
            col = pc.cast(pc.cast(col, pa.string()), pa.date32())
        return pc.cast(col, pa.timestamp("s"))
    if kind == "str":
        col = pc.cast(col, pa.string())
        return pc.dictionary_encode(col) if name in CATEGORICAL else col
    return pc.cast(col, pa.int64() if kind == "int" else pa.float64())


def read_incidents(engine: Engine) -> pd.DataFrame:
    """Every stored incident, typed as ``records.typed`` types them.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        The store.

    Returns
    -------
    pandas.DataFrame
        The schema columns (low-cardinality text as categoricals), the derived geography
        and the batch of each row.
    """
    table = read_arrow(engine)
    df = pa.table({n: _column(n, table[n]) for n in READ}).to_pandas(
        types_mapper=_PANDAS_TYPES.get)
    for pair in SHARED_CATEGORIES:
        union = pd.api.types.union_categoricals([df[c] for c in pair]).categories
        for c in pair:
            df[c] = df[c].cat.set_categories(union)
    return df
