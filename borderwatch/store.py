"""The incident store: SQLAlchemy Core, one code path for SQLite (default) and PostgreSQL.

``BORDERWATCH_DB_URL`` (a SQLAlchemy URL) selects the database; unset, an embedded SQLite
file ``data/borderwatch.sqlite`` is used and seeded from incidents.csv on first start.

Every import is one transaction, and imports are serialised (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL ``pg_advisory_xact_lock``), so concurrent imports neither lose nor duplicate
rows. Each batch records what it inserted and the previous values of what it updated,
so an undo restores the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from borderwatch.schema import COLUMN_NAMES, COLUMNS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "data" / "borderwatch.sqlite"
ENV_URL = "BORDERWATCH_DB_URL"
LOCK_KEY = 7_201_994  # advisory lock id for imports and undos on PostgreSQL
CHUNK = 5_000

DERIVED = ("geo_country", "geo_admin1", "border_km")
STORED = (*COLUMN_NAMES, *DERIVED, "row_hash", "batch_id", "file_row")

_TYPES: dict[str, Any] = {"str": sa.Text, "date": sa.Date, "int": sa.Integer,
                          "float": sa.Float}

metadata = sa.MetaData()
incidents_table = sa.Table(
    "incidents", metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    *(sa.Column(c.name, _TYPES[c.kind], nullable=not c.required)
      for c in COLUMNS if c.name != "event_id"),
    sa.Column("event_id", sa.String(200), nullable=False, unique=True),
    sa.Column("geo_country", sa.Text),
    sa.Column("geo_admin1", sa.Text),
    sa.Column("border_km", sa.Float),
    sa.Column("row_hash", sa.BigInteger, nullable=False),
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("file_row", sa.Integer),
)
sa.Index("ix_incidents_event_date", incidents_table.c.event_date)
batches_table = sa.Table(
    "batches", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("inserted", sa.Integer, nullable=False),
    sa.Column("updated", sa.Integer, nullable=False),
    sa.Column("unchanged", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("undone_at", sa.DateTime(timezone=True)),
)
changes_table = sa.Table(
    "batch_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False,
              index=True),
    sa.Column("event_id", sa.String(200), nullable=False, index=True),
    sa.Column("action", sa.String(8), nullable=False),  # insert | update
    sa.Column("before", sa.Text),  # JSON of the replaced row, for updates
)
meta_table = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


class StoreError(RuntimeError):
    """A store operation refused, with a message fit for the user."""


@dataclass(frozen=True)
class ImportResult:
    batch_id: int | None
    inserted: int
    updated: int
    unchanged: int
    rejected: int

    def summary(self) -> str:
        batch = f"batch {self.batch_id}" if self.batch_id else "no batch (nothing changed)"
        return (f"{batch}: {self.inserted} inserted, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.rejected} rejected")


# ----------------------------------------------------------------- engine

def database_url() -> str:
    return os.environ.get(ENV_URL) or f"sqlite:///{DEFAULT_SQLITE}"


def unreachable_message(url: str, exc: Exception) -> str:
    """What to tell a user when the database at ``url`` cannot be used (no password)."""
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (f"The incident database cannot be reached ({shown}): "
            f"{reason[0] if reason else type(exc).__name__}. Check that it is running and "
            f"that {ENV_URL} points at it, then reload this page. Nothing has been changed.")


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: ``database_url()``), schema created."""
    url = url or database_url()
    if url == f"sqlite:///{DEFAULT_SQLITE}":
        DEFAULT_SQLITE.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below rule
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # Writers take the write lock up front (imports are serialised, never
            # deadlocked); readers take none, so page views never queue behind each other.
            write = conn.get_execution_options().get(WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine


WRITE = "borderwatch_write"


def _writing(engine: Engine) -> Any:
    """A write transaction: SQLite's write lock taken at BEGIN (see make_engine)."""
    return engine.execution_options(**{WRITE: True}).begin()


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})


def _bump_version(conn: Connection) -> None:
    updated = conn.execute(sa.update(meta_table).where(meta_table.c.key == "version")
                           .values(value=meta_table.c.value + 1)).rowcount
    if not updated:
        conn.execute(sa.insert(meta_table).values(key="version", value=1))


def data_version(engine: Engine) -> int:
    with engine.connect() as conn:
        value = conn.execute(sa.select(meta_table.c.value)
                             .where(meta_table.c.key == "version")).scalar()
    return int(value or 0)


# ----------------------------------------------------------------- rows

def row_hashes(df: pd.DataFrame) -> pd.Series:
    """A stable 64-bit content hash of each row's schema columns (finds unchanged rows)."""
    if "row_hash" in df:
        return df["row_hash"]
    h = pd.util.hash_pandas_object(df[list(COLUMN_NAMES)], index=False).to_numpy()
    return pd.Series(h.view(np.int64), index=df.index)


def python_values(values: pd.Series) -> list[Any]:
    """A column as plain Python values for the driver, None for every missing value."""
    if values.dtype.kind == "M":  # ISO text: every driver casts it to DATE
        values = values.dt.strftime("%Y-%m-%d")
    elif values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]
    return values.to_numpy(dtype=object, na_value=None).tolist()


def _tuples(df: pd.DataFrame, cols: Sequence[str]) -> list[tuple[Any, ...]]:
    return list(zip(*(python_values(df[c]) for c in cols), strict=True))


def _placeholders(conn: Connection, n: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * n)


def _bulk_insert(conn: Connection, table: str, cols: Sequence[str],
                 rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many rows fast, inside the caller's transaction: COPY on PostgreSQL, a plain
    DBAPI executemany elsewhere (SQLAlchemy's per-row parameter processing costs ~40 µs
    a row, four times the insert itself)."""
    if not rows:
        return
    names = ", ".join(cols)
    if conn.dialect.name == "postgresql":
        driver: Any = conn.connection.driver_connection
        cursor = driver.cursor()
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({names}) VALUES ({_placeholders(conn, len(cols))})"  # noqa: S608
    for part in _chunks(rows, 20_000):
        conn.exec_driver_sql(sql, list(part))


def _chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def existing(conn: Connection, ids: list[str]) -> dict[str, int]:
    """The stored row hash of each of ``ids`` that is in the store."""
    found: dict[str, int] = {}
    if conn.dialect.name == "postgresql":  # one array parameter, the index does the rest
        sql = "SELECT event_id, row_hash FROM incidents WHERE event_id = ANY(%s)"
        found.update((e, h) for e, h in conn.exec_driver_sql(sql, (list(ids),)))
        return found
    for part in _chunks(ids):
        # Only placeholders are formatted in; the values go as parameters.
        sql = ("SELECT event_id, row_hash FROM incidents WHERE event_id IN "  # noqa: S608
               f"({_placeholders(conn, len(part))})")
        found.update((e, h) for e, h in conn.exec_driver_sql(sql, tuple(part)))
    return found


def known_hashes(conn: Connection, event_ids: pd.Series) -> pd.Series:
    """Aligned with ``event_ids``: the stored row hash, or <NA> where not stored."""
    found = existing(conn, event_ids.tolist())
    return pd.Series([found.get(e) for e in event_ids.tolist()], index=event_ids.index,
                     dtype="Int64")


def _full_rows(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    t = incidents_table
    cols = [t.c[name] for name in STORED]
    for part in _chunks(ids):
        rows.extend(dict(r._mapping) for r in conn.execute(sa.select(*cols)
                                                           .where(t.c.event_id.in_(part))))
    return rows


def _json_row(row: dict[str, Any]) -> str:
    return json.dumps({k: (v.isoformat() if isinstance(v, dt.date) else v)
                       for k, v in row.items()})


def _from_json_row(text: str) -> dict[str, Any]:
    row = json.loads(text)
    if row.get("event_date"):
        row["event_date"] = dt.date.fromisoformat(row["event_date"])
    return row


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry
        return "unknown"


def import_rows(engine: Engine, rows: pd.DataFrame, *, file_name: str, sha256: str,
                fmt: str, total_rows: int, rejected: int, user: str | None = None,
                ) -> ImportResult:
    """Insert new rows and update changed ones (matched by event_id), in one transaction.

    ``rows`` holds valid rows: the schema columns, the derived ones, and ``_row``.
    Nothing is written when nothing changed.
    """
    rows = rows.copy()
    rows["row_hash"] = row_hashes(rows)
    rows["file_row"] = rows.pop("_row") if "_row" in rows else None
    with _writing(engine) as conn:
        _lock(conn)
        known = known_hashes(conn, rows["event_id"])
        new = rows[known.isna()]
        changed = rows[known.notna() & (known != rows["row_hash"].astype("Int64"))]
        unchanged = len(rows) - len(new) - len(changed)
        if new.empty and changed.empty:
            return ImportResult(None, 0, 0, unchanged, rejected)
        batch_id = conn.execute(sa.insert(batches_table).values(
            file_name=file_name, sha256=sha256, format=fmt, rows=total_rows,
            inserted=len(new), updated=len(changed), unchanged=unchanged, rejected=rejected,
            created_at=dt.datetime.now(dt.UTC), created_by=user or current_user(),
        ).returning(batches_table.c.id)).scalar_one()
        new = new.assign(batch_id=batch_id)
        changed = changed.assign(batch_id=batch_id)
        before = {r["event_id"]: r for r in _full_rows(conn, changed["event_id"].tolist())}
        _bulk_insert(conn, "incidents", STORED, _tuples(new, STORED))
        _update_rows(conn, [dict(zip(STORED, r, strict=True))
                            for r in _tuples(changed, STORED)])
        log = ([(batch_id, e, "insert", None) for e in new["event_id"]]
               + [(batch_id, e, "update", _json_row(before[e])) for e in changed["event_id"]])
        _bulk_insert(conn, "batch_changes", ("batch_id", "event_id", "action", "before"), log)
        _bump_version(conn)
    if engine.dialect.name == "postgresql" and len(new) > 10_000:
        with engine.connect() as conn:  # fresh statistics, so lookups use the index
            conn.execute(sa.text("ANALYZE incidents"))
            conn.commit()
    return ImportResult(int(batch_id), len(new), len(changed), unchanged, rejected)


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _update_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    t = incidents_table
    upd = (sa.update(t).where(t.c.event_id == sa.bindparam("_key"))
           .values({c: sa.bindparam(c) for c in STORED if c != "event_id"}))
    for part in _chunks(rows):
        conn.execute(upd, [{**r, "_key": r["event_id"], "event_date": _date(r["event_date"])}
                           for r in part])


def undo(engine: Engine, batch_id: int) -> dict[str, int]:
    """Undo a batch: delete what it inserted, restore what it updated."""
    b, c, t = batches_table.c, changes_table.c, incidents_table.c
    with _writing(engine) as conn:
        _lock(conn)
        batch = conn.execute(sa.select(batches_table).where(b.id == batch_id)).mappings().first()
        if batch is None:
            raise StoreError(f"There is no batch {batch_id}.")
        if batch["undone_at"] is not None:
            raise StoreError(f"Batch {batch_id} was already undone on "
                             f"{batch['undone_at']:%Y-%m-%d %H:%M}.")
        later = conn.execute(
            sa.select(sa.func.min(c.batch_id))
            .select_from(changes_table.join(batches_table, b.id == c.batch_id))
            .where(c.batch_id > batch_id, b.undone_at.is_(None),
                   c.event_id.in_(sa.select(c.event_id).where(c.batch_id == batch_id)))
        ).scalar()
        if later is not None:
            raise StoreError(f"Batch {later} later changed rows of batch {batch_id}; "
                             f"undo batch {later} first.")
        changes = conn.execute(sa.select(c.event_id, c.action, c.before)
                               .where(c.batch_id == batch_id)).all()
        inserted = [e for e, action, _ in changes if action == "insert"]
        restored = [_from_json_row(before) for _, action, before in changes
                    if action == "update"]
        for part in _chunks(inserted):
            conn.execute(sa.delete(incidents_table).where(t.event_id.in_(part)))
        _update_rows(conn, restored)
        conn.execute(sa.update(batches_table).where(b.id == batch_id)
                     .values(undone_at=dt.datetime.now(dt.UTC)))
        _bump_version(conn)
    return {"deleted": len(inserted), "restored": len(restored)}


def batches(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.select(batches_table).order_by(batches_table.c.id.desc()), conn)


# Text columns with few distinct values: held as pandas categoricals, which makes them
# small in memory and fast to filter and group at a million rows.
CATEGORICAL = ("event_type", "sub_event_type", "actor1", "actor2", "country", "admin1",
               "admin2", "location", "source", "geo_country", "geo_admin1")
SHARED_CATEGORIES = (("actor1", "actor2"), ("country", "geo_country"),
                     ("admin1", "geo_admin1"))
READ = (*COLUMN_NAMES, *DERIVED, "batch_id")


_KINDS = {c.name: c.kind for c in COLUMNS} | {"geo_country": "str", "geo_admin1": "str",
                                               "border_km": "float", "batch_id": "int"}
# How each kind arrives from the database (dates as ISO text from SQLite).
_ARROW = {"str": pa.string(), "date": pa.string(), "int": pa.int64(), "float": pa.float64()}
_BATCH = 100_000


def _read_arrow(engine: Engine) -> pa.Table:
    """Every incident as an Arrow table.

    PostgreSQL: its ADBC driver (binary COPY, no Python object per value): 1M rows in
    about 2 s. SQLite: the standard library driver, 100,000 rows at a time turned into
    Arrow columns, so the peak stays near the final size (1M rows: ~7 s, ~0.85 GB peak,
    against 13 s and 2.6 GB through ``pd.read_sql``). SQLite's own ADBC driver is not
    used: a second copy of the SQLite library in one process does not see the other's
    WAL and can break its locks.
    """
    query = sa.select(*(incidents_table.c[n] for n in READ))
    url = engine.url
    if url.get_backend_name() == "postgresql":
        import adbc_driver_postgresql.dbapi as adbc_pg

        uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
        sql = str(query.compile(dialect=engine.dialect))
        try:
            with adbc_pg.connect(uri) as pg, pg.cursor() as cur:
                cur.execute(sql)
                return cur.fetch_arrow_table()
        except adbc_pg.Error as exc:  # as SQLAlchemy's own, so callers handle one kind
            raise sa.exc.OperationalError(sql, None, exc) from exc
    schema = pa.schema([(n, _ARROW[_KINDS[n]]) for n in READ])
    batches = []
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).exec_driver_sql(
            str(query.compile(dialect=engine.dialect)))
        while rows := result.fetchmany(_BATCH):
            columns = list(zip(*rows, strict=True))
            batches.append(pa.record_batch(
                [pa.array([None if v is None else str(v) for v in col], pa.string())
                 if _KINDS[n] == "date" else pa.array(col, schema.field(n).type)
                 for n, col in zip(READ, columns, strict=True)], schema=schema))
    return pa.Table.from_batches(batches, schema=schema)


_PANDAS_TYPES = {pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype()}


def read_incidents(engine: Engine) -> pd.DataFrame:
    """Every incident, typed as ``incidents.typed`` types them (low-cardinality text as
    categoricals), plus the derived columns and the batch of each row."""
    table = _read_arrow(engine)
    columns: dict[str, pa.ChunkedArray] = {}
    for name in READ:
        col = table[name]
        kind = _KINDS[name]
        if kind == "date":
            if not pa.types.is_date(col.type):
                col = pc.cast(pc.cast(col, pa.string()), pa.date32())
            col = pc.cast(col, pa.timestamp("s"))
        elif kind == "str":
            col = pc.cast(col, pa.string())
            if name in CATEGORICAL:
                col = pc.dictionary_encode(col)
        elif kind == "int":
            col = pc.cast(col, pa.int64())
        else:
            col = pc.cast(col, pa.float64())
        columns[name] = col
    df = pa.table(columns).to_pandas(types_mapper=_PANDAS_TYPES.get)
    # Columns compared with each other share their categories (actor1 == actor2 is then
    # a comparison of integer codes).
    for pair in SHARED_CATEGORIES:
        union = pd.api.types.union_categoricals([df[c] for c in pair]).categories
        for c in pair:
            df[c] = df[c].cat.set_categories(union)
    return df


def counts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(incidents_table))
                   .scalar_one())


def snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored incident row, sorted: for tests that compare the store before/after."""
    t = incidents_table
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*(t.c[n] for n in STORED))
                                               .order_by(t.c.event_id))]
