"""The database: its tables, the engine for SQLite (default) or PostgreSQL, and the
transactions and data version that imports and undos share.

``BORDERWATCH_DB_URL`` (a SQLAlchemy URL) selects the database; unset, an embedded SQLite
file ``data/borderwatch.sqlite`` is used and seeded from incidents.csv on first start.
Imports and undos are serialised (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
``pg_advisory_xact_lock``); readers take no lock.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from borderwatch import ROOT
from borderwatch.data.schema import COLUMN_NAMES, COLUMNS

DEFAULT_SQLITE = ROOT / "data" / "borderwatch.sqlite"
ENV_URL = "BORDERWATCH_DB_URL"
LOCK_KEY = 7_201_994  # advisory lock id for imports and undos on PostgreSQL


DERIVED = ("geo_country", "geo_admin1", "border_km")
# Where a row came from: "curated" (incidents.csv), "seed" (another seed file), "upload",
# "acled", "ucdp", or "synthetic" for any row labelled SYNTHETIC whatever its batch.
DATASETS = ("curated", "seed", "upload", "acled", "ucdp", "synthetic")
STORED = (*COLUMN_NAMES, *DERIVED, "dataset", "row_hash", "batch_id", "file_row")

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
    sa.Column("dataset", sa.String(16)),
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
    sa.Column("deleted", sa.Integer),  # rows a source withdrew (pulls)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("undone_at", sa.DateTime(timezone=True)),
    sa.Column("dataset", sa.String(16)),  # the kind of batch: curated, seed, upload, acled...
)
changes_table = sa.Table(
    "batch_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False,
              index=True),
    sa.Column("event_id", sa.String(200), nullable=False, index=True),
    sa.Column("action", sa.String(8), nullable=False),  # insert | update | delete
    sa.Column("before", sa.Text),  # JSON of the replaced row, for updates
)
# One row per pull from a live source (ACLED, UCDP), successful or not: what the Sources
# panel shows, and where the next incremental pull starts.
pulls_table = sa.Table(
    "pulls", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),  # ok | failed | dry-run
    sa.Column("message", sa.Text),
    sa.Column("since", sa.Text),  # what was asked for: a timestamp, a date, or versions
    sa.Column("checkpoint", sa.BigInteger),  # the newest source timestamp seen
    sa.Column("fetched", sa.Integer),
    sa.Column("inserted", sa.Integer),
    sa.Column("updated", sa.Integer),
    sa.Column("deleted", sa.Integer),
    sa.Column("unchanged", sa.Integer),
    sa.Column("rejected", sa.Integer),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id")),
)
# Analysts' decisions about linked records (data/links.py): a pair they unlinked.
link_decisions = sa.Table(
    "link_decisions", metadata,
    sa.Column("event_a", sa.String(200), primary_key=True),
    sa.Column("event_b", sa.String(200), primary_key=True),
    sa.Column("decision", sa.String(8), nullable=False),  # "unlink"
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
# An analyst's choice of place for an ambiguous name, by (country, province, folded name).
geocode_choices = sa.Table(
    "geocode_choices", metadata,
    sa.Column("country", sa.String(100), primary_key=True),
    sa.Column("province", sa.String(100), primary_key=True),
    sa.Column("name_key", sa.String(200), primary_key=True),
    sa.Column("place_id", sa.Integer, nullable=False),  # GeoNames id (or ours, 90000001+)
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
meta_table = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)


def database_url() -> str:
    """The store's SQLAlchemy URL: ``BORDERWATCH_DB_URL``, else the embedded SQLite file."""
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
    _add_missing_columns(engine)
    _add_missing_stamp(engine)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """Bring a store made by an earlier version up to date: add the columns it lacks
    (nullable, so existing rows keep their values) and label the datasets of old rows."""
    inspector = sa.inspect(engine)
    added = []
    with engine.begin() as conn:
        for table in (incidents_table, batches_table):
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for col in table.columns:
                if col.name not in have:
                    kind = col.type.compile(dialect=engine.dialect)
                    conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{col.name}" {kind}')
                    added.append(col.name)
        if "dataset" in added:
            b = batches_table.c
            conn.execute(sa.update(batches_table).where(b.dataset.is_(None)).values(
                dataset=sa.case((b.created_by == "seed", "curated"), else_="upload")))
            conn.execute(sa.update(incidents_table).where(incidents_table.c.dataset.is_(None))
                         .values(dataset=sa.select(b.dataset).where(
                             b.id == incidents_table.c.batch_id).scalar_subquery()))

WRITE = "borderwatch_write"


def writing(engine: Engine) -> Any:
    """A write transaction: SQLite's write lock taken at BEGIN (see make_engine)."""
    return engine.execution_options(**{WRITE: True}).begin()


def lock(conn: Connection) -> None:
    """Serialise writers on PostgreSQL (SQLite's write lock is taken by ``writing``)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})


def bump_version(conn: Connection) -> None:
    """Increase the data version and draw a new stamp, inside the writer's transaction."""
    updated = conn.execute(sa.update(meta_table).where(meta_table.c.key == "version")
                           .values(value=meta_table.c.value + 1)).rowcount
    if not updated:
        conn.execute(sa.insert(meta_table).values(key="version", value=1))
    stamped = conn.execute(sa.update(meta_table).where(meta_table.c.key == "stamp")
                           .values(value=_new_stamp())).rowcount
    if not stamped:
        conn.execute(sa.insert(meta_table).values(key="stamp", value=_new_stamp()))


def _new_stamp() -> int:
    return secrets.randbits(63)  # positive, fits BIGINT


def _add_missing_stamp(engine: Engine) -> None:
    """Give a store that has no stamp (new, or made by an earlier version) one: a copy of
    the file restored from a backup then differs from the store it was copied from as soon
    as either is written, even at the same version number. A store this process may not
    write keeps stamp 0 (its version alone keys the caches, as before)."""
    with engine.connect() as conn:
        have = conn.execute(sa.select(meta_table.c.value)
                            .where(meta_table.c.key == "stamp")).scalar()
    if have is not None:
        return
    values = {"key": "stamp", "value": _new_stamp()}
    stmt: Any
    if engine.dialect.name == "postgresql":
        stmt = pg_insert(meta_table).values(values).on_conflict_do_nothing()
    elif engine.dialect.name == "sqlite":
        stmt = sqlite_insert(meta_table).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - SQLite and PostgreSQL are the stores supported
        stmt = sa.insert(meta_table).values(values)
    try:
        with writing(engine) as conn:
            conn.execute(stmt)  # another process may have stamped it first: nothing done
    except sa.exc.DBAPIError:  # a read-only store, or a role that may not write
        return


@dataclass(frozen=True)
class DataState:
    """Which data a store holds: ``version`` increases with every import, undo or unlink;
    ``stamp`` is drawn at random with each of them, so two stores (or a store and a restored
    copy of it) at the same version still differ. The key of every cache of the data."""

    version: int
    stamp: int


def data_state(engine: Engine) -> DataState:
    """The store's data version and stamp, in one query (0, 0 for a store never written)."""
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(meta_table.c.key, meta_table.c.value)
                                 .where(meta_table.c.key.in_(("version", "stamp")))).all())
    return DataState(int(rows.get("version") or 0), int(rows.get("stamp") or 0))


def data_version(engine: Engine) -> int:
    """A number that every import and undo increases (0 for a store never written): the
    key of every data cache."""
    return data_state(engine).version
