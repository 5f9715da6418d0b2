"""Reading the whole store into one typed, read-only pandas frame.

The dashboard reads the store once per data version and filters in memory. Low-cardinality
text is held as categoricals, which keeps the frame small and makes filters and group-bys
work on integer codes. Measured figures are in the README (Scale).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from borderwatch.data.db import DERIVED, batches_table, incidents_table
from borderwatch.data.schema import COLUMN_NAMES, COLUMNS

# Text columns with few distinct values, held as categoricals.
CATEGORICAL = ("event_type", "sub_event_type", "actor1", "actor2", "country", "admin1",
               "admin2", "location", "source", "source_url", "geo_country", "geo_admin1",
               "dataset")
# Columns compared with each other share their categories (actor1 == actor2 is then a
# comparison of integer codes).
SHARED_CATEGORIES = (("actor1", "actor2"), ("country", "geo_country"),
                     ("admin1", "geo_admin1"))
READ = (*COLUMN_NAMES, *DERIVED, "dataset", "batch_id")
# Batches whose rows are told apart one batch at a time (the others by their kind alone).
PER_BATCH = ("upload", "acled", "ucdp")
KIND_LABELS = {"curated": "Curated (incidents.csv)", "synthetic": "SYNTHETIC (test data)"}

_KINDS = {c.name: c.kind for c in COLUMNS} | {"geo_country": "str", "geo_admin1": "str",
                                               "border_km": "float", "dataset": "str",
                                               "batch_id": "int"}
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
        # A column with no value at all has categories of another dtype: compare as text.
        union = pd.Index([], dtype="str").append(
            [df[c].cat.categories.astype("str") for c in pair]).unique()
        for c in pair:
            df[c] = df[c].cat.set_categories(union)
    return _with_datasets(df, engine)


def batch_label(batch: Any) -> str:
    """How a batch is named to users: its kind, file, who and when."""
    when = f"{batch.created_at:%Y-%m-%d}"
    if batch.dataset == "seed":
        return f"Seed file {batch.file_name}"
    if batch.dataset in ("acled", "ucdp"):
        return f"{batch.dataset.upper()} pull, batch {batch.id} ({when})"
    return f"Upload, batch {batch.id}: {batch.file_name} ({batch.created_by}, {when})"


def _with_datasets(df: pd.DataFrame, engine: Engine) -> pd.DataFrame:
    """Add ``dataset_key`` ("curated", "synthetic" or "batch-N") and ``dataset_label``
    (its name for users) to every row, as categoricals. Rows are grouped by (kind, batch)
    first, so the work per row is integer arithmetic."""
    with engine.connect() as conn:
        batches = {b.id: b for b in conn.execute(sa.select(batches_table))}
    kind = df["dataset"].astype("category")
    batch = df["batch_id"].fillna(0).to_numpy(dtype=np.int64)
    pair = kind.cat.codes.to_numpy(np.int64) * (int(batch.max(initial=0)) + 1) + batch
    codes, uniques = pd.factorize(pair)
    keys, labels, sources = [], [], []
    for value in uniques:
        code, batch_id = divmod(int(value), int(batch.max(initial=0)) + 1)
        k = kind.cat.categories[code] if code >= 0 else "upload"
        b = batches.get(batch_id)
        if k in (*PER_BATCH, "seed") and b is not None:
            keys.append(f"batch-{batch_id}")
            labels.append(batch_label(b))
        else:
            keys.append(k)
            labels.append(KIND_LABELS.get(k, k))
        # Which source a row comes from, for linking: an uploaded ACLED or UCDP file is
        # that source, as a pull of it is.
        fmt = getattr(b, "format", "") if b is not None else ""
        sources.append(fmt if k in ("upload", "synthetic") and fmt in ("acled", "ucdp") else k)
    df["dataset_key"] = pd.Categorical.from_codes(*_dedupe(codes, keys))
    df["dataset_label"] = pd.Categorical.from_codes(*_dedupe(codes, labels))
    df["source_key"] = pd.Categorical.from_codes(*_dedupe(codes, sources))
    return df


def _dedupe(codes: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Codes into a list of distinct names (several groups may share a name)."""
    distinct = sorted(set(names))
    where = np.array([distinct.index(n) for n in names], dtype=np.int64)
    return (where[codes] if len(codes) else codes), distinct
