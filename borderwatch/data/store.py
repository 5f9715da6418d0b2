"""The incident store's operations: import a batch, undo it, list batches.

SQLAlchemy Core, one code path for SQLite and PostgreSQL (tables and engine: db.py).
Every import is one transaction, and imports are serialised (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL ``pg_advisory_xact_lock``), so concurrent imports neither lose nor duplicate
rows. Each batch records what it inserted and the previous values of what it updated,
so an undo restores the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from borderwatch.data import db
from borderwatch.data.db import STORED, batches_table, changes_table, incidents_table
from borderwatch.data.records import is_synthetic, python_values
from borderwatch.data.schema import COLUMN_NAMES, DATE_COLUMNS

CHUNK = 5_000  # ids per IN (...) query
COPY_ROWS = 50_000  # rows per piece of a PostgreSQL COPY (bounds the text held at once)


class StoreError(RuntimeError):
    """A store operation refused, with a message fit for the user."""


@dataclass(frozen=True)
class ImportResult:
    """What one import did."""

    batch_id: int | None
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    deleted: int = 0

    def summary(self) -> str:
        """The counts in words, e.g. "batch 3: 10 inserted, 2 updated, ..."."""
        batch = f"batch {self.batch_id}" if self.batch_id else "no batch (nothing changed)"
        gone = f", {self.deleted} deleted" if self.deleted else ""
        return (f"{batch}: {self.inserted} inserted, {self.updated} updated{gone}, "
                f"{self.unchanged} unchanged, {self.rejected} rejected")


# ----------------------------------------------------------------- rows

# Schema columns added after stores were in use: a row that leaves them blank hashes as
# it did before they existed, so re-importing an old file after an upgrade changes nothing.
LATER_COLUMNS = ("geocode",)


def row_hashes(df: pd.DataFrame) -> pd.Series:
    """A stable 64-bit content hash of each row's schema columns (finds unchanged rows)."""
    if "row_hash" in df:
        return df["row_hash"]
    h = pd.util.hash_pandas_object(df[[c for c in COLUMN_NAMES if c not in LATER_COLUMNS]],
                                   index=False).to_numpy()
    for col in LATER_COLUMNS:  # mixed in only where set: stored hashes stay valid
        values = df[col] if col in df else pd.Series(pd.NA, index=df.index)
        given = (values.notna() & (values.astype("string") != "")).to_numpy(bool)
        if given.any():
            extra = pd.util.hash_pandas_object(values[given].astype(str), index=False).to_numpy()
            h = h.copy()
            h[given] ^= extra * np.uint64(0x9E3779B97F4A7C15)
    return pd.Series(h.view(np.int64), index=df.index)


def _tuples(df: pd.DataFrame, cols: Sequence[str]) -> list[tuple[Any, ...]]:
    return list(zip(*(python_values(df[c]) for c in cols), strict=True))


def _placeholders(conn: Connection, n: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * n)


def _bulk_insert(conn: Connection, table: str, cols: Sequence[str],
                 rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many rows fast, inside the caller's transaction: COPY on PostgreSQL, a plain
    DBAPI executemany elsewhere (SQLAlchemy's per-row parameter processing would cost more
    than the insert itself)."""
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


def _insert_frame(conn: Connection, table: str, cols: Sequence[str],
                  frame: pd.DataFrame) -> None:
    """Insert the rows of ``frame`` (the columns ``cols``, typed) inside the caller's
    transaction. On PostgreSQL, one COPY fed text that Arrow writes a column at a time, in
    pieces, so the server parses one piece while the next is made (``write_row`` made a
    Python object per value, and cost more than the server's own work); elsewhere as
    ``_bulk_insert``."""
    if frame.empty:
        return
    if conn.dialect.name != "postgresql":
        _bulk_insert(conn, table, cols, _tuples(frame, cols))
        return
    arrow = _copy_table(frame, cols)
    driver: Any = conn.connection.driver_connection
    with driver.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for start in range(0, arrow.num_rows, COPY_ROWS):
            copy.write(memoryview(_copy_text(arrow.slice(start, COPY_ROWS))))


# COPY's text format: a tab between fields, a newline after each row, \N for NULL, and a
# backslash before every backslash, tab, newline and carriage return in a value.
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_text(arrow: pa.Table) -> pa.Buffer:
    """Rows of ``arrow`` in COPY's text format, as one buffer (Arrow's casts write floats
    in their shortest exact form, dates as YYYY-MM-DD)."""
    fields = []
    for column in arrow.columns:
        text = pc.cast(column, pa.large_string())
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            for plain, escaped in _ESCAPES:
                text = pc.replace_substring(text, plain, escaped)
        fields.append(pc.fill_null(text, "\\N"))
    tab, newline, empty = (pa.scalar(t, pa.large_string()) for t in ("\t", "\n", ""))
    rows = pc.binary_join_element_wise(*fields, tab)
    lines = pc.binary_join_element_wise(rows, empty, newline).combine_chunks()
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return data.slice(int(bounds[0]), int(bounds[-1] - bounds[0]))


def _copy_table(frame: pd.DataFrame, cols: Sequence[str]) -> pa.Table:
    """``frame``'s columns as Arrow, in the types COPY reads back as the values
    ``python_values`` would give: dates as dates, missing numbers (NaN too) as NULL."""
    columns = {}
    for name in cols:
        values = frame[name]
        if values.dtype == object:  # e.g. file_row left None: Arrow infers the type
            values = values.infer_objects()
        column = pa.Array.from_pandas(values)
        if name in DATE_COLUMNS or pa.types.is_timestamp(column.type):
            column = column.cast(pa.date32(), safe=False)  # as python_values: the day
        elif pa.types.is_dictionary(column.type) or pa.types.is_large_string(column.type):
            column = pc.cast(column, pa.string())
        columns[name] = column
    return pa.table(columns)


def _chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def existing(conn: Connection, ids: list[str]) -> dict[str, int]:
    """The stored row hash of each of ``ids`` that is in the store."""
    found: dict[str, int] = {}
    if conn.dialect.name == "postgresql":
        # One array the server builds from JSON text (json.dumps is C; psycopg's array
        # adapter handles each id in Python), then the index does the rest.
        sql = ("SELECT event_id, row_hash FROM incidents WHERE event_id = ANY(ARRAY("
               "SELECT jsonb_array_elements_text(%s::jsonb)))")
        found.update((e, h) for e, h in conn.exec_driver_sql(sql, (json.dumps(list(ids)),)))
        return found
    for part in _chunks(ids):
        # Only placeholders are formatted in; the values go as parameters.
        sql = ("SELECT event_id, row_hash FROM incidents WHERE event_id IN "  # noqa: S608
               f"({_placeholders(conn, len(part))})")
        found.update((e, h) for e, h in conn.exec_driver_sql(sql, tuple(part)))
    return found


def known_hashes(conn: Connection, event_ids: pd.Series) -> pd.Series:
    """The stored row hash of each id.

    Parameters
    ----------
    conn : sqlalchemy.engine.Connection
        An open connection to the store.
    event_ids : pandas.Series
        The ids to look up.

    Returns
    -------
    pandas.Series
        Aligned with ``event_ids`` (Int64): the stored hash, or <NA> where not stored.
    """
    found = existing(conn, event_ids.tolist())
    return pd.Series([found.get(e) for e in event_ids.tolist()], index=event_ids.index,
                     dtype="Int64")


NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


def classify(known: pd.Series, hashes: pd.Series) -> pd.Series:
    """Whether each row is new to the store, a changed version of a stored row, or unchanged.

    Parameters
    ----------
    known : pandas.Series
        The stored hash of each row's id, <NA> where not stored (``known_hashes``).
    hashes : pandas.Series
        Each row's own hash (``row_hashes``), aligned with ``known``.

    Returns
    -------
    pandas.Series
        ``NEW``, ``CHANGED`` or ``UNCHANGED`` per row.
    """
    same = (known == hashes.astype("Int64")).fillna(False).to_numpy(bool)
    out = pd.Series(CHANGED, index=known.index, dtype=object)
    out[known.isna().to_numpy()] = NEW
    out[same] = UNCHANGED
    return out


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
    for name in DATE_COLUMNS:
        if row.get(name):
            row[name] = dt.date.fromisoformat(row[name])
    return row


def current_user() -> str:
    """The login name of the process, for batches imported from the command line."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry
        return "unknown"


def import_rows(engine: Engine, rows: pd.DataFrame, *, file_name: str, sha256: str,
                fmt: str, total_rows: int, rejected: int, user: str | None = None,
                dataset: str = "upload", deleted_ids: Sequence[str] = ()) -> ImportResult:
    """Insert new rows, update changed ones (matched by event_id) and delete the rows named
    in ``deleted_ids`` (a source withdrew them), in one transaction.

    ``rows`` holds valid rows: the schema columns, the derived ones, and ``file_row``
    (the row number in the file, if any). ``dataset`` is the kind of batch (``db.DATASETS``);
    rows labelled SYNTHETIC are "synthetic" whatever it is. Everything the batch changes is
    logged, so ``undo`` restores the store exactly. Nothing is written when nothing changed.
    """
    rows = rows.copy()
    rows["row_hash"] = row_hashes(rows)
    rows["dataset"] = np.where(is_synthetic(rows).to_numpy(), "synthetic", dataset)
    if "file_row" not in rows:
        rows["file_row"] = None
    with db.writing(engine) as conn:
        db.lock(conn)
        kind = classify(known_hashes(conn, rows["event_id"]), rows["row_hash"])
        new, changed = rows[kind == NEW], rows[kind == CHANGED]
        unchanged = int((kind == UNCHANGED).sum())
        given = set(rows["event_id"])
        gone = sorted(existing(conn, [e for e in deleted_ids if e not in given]))
        if new.empty and changed.empty and not gone:
            return ImportResult(None, 0, 0, unchanged, rejected)
        batch_id = conn.execute(sa.insert(batches_table).values(
            file_name=file_name, sha256=sha256, format=fmt, rows=total_rows,
            inserted=len(new), updated=len(changed), unchanged=unchanged, rejected=rejected,
            deleted=len(gone), created_at=dt.datetime.now(dt.UTC),
            created_by=user or current_user(), dataset=dataset,
        ).returning(batches_table.c.id)).scalar_one()
        _write_batch(conn, batch_id, new.assign(batch_id=batch_id),
                     changed.assign(batch_id=batch_id), gone)
    if engine.dialect.name == "postgresql" and len(new) > 10_000:
        # Fresh statistics (and row count) for the column every lookup filters on, so
        # they use its index: a fifth of the time of every column's (the whole table's
        # statistics follow from autovacuum).
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE incidents (event_id)"))
            conn.commit()
    return ImportResult(int(batch_id), len(new), len(changed), unchanged, rejected, len(gone))


def _write_batch(conn: Connection, batch_id: int, new: pd.DataFrame, changed: pd.DataFrame,
                 gone: list[str]) -> None:
    """Write a batch's rows and log each change with what it replaced."""
    replaced = changed["event_id"].tolist() + gone
    before = {r["event_id"]: r for r in _full_rows(conn, replaced)}
    _insert_frame(conn, "incidents", STORED, new)
    _update_rows(conn, [dict(zip(STORED, r, strict=True)) for r in _tuples(changed, STORED)])
    for part in _chunks(gone):
        conn.execute(sa.delete(incidents_table).where(incidents_table.c.event_id.in_(part)))
    ids = [*new["event_id"].tolist(), *changed["event_id"].tolist(), *gone]
    actions = ["insert"] * len(new) + ["update"] * len(changed) + ["delete"] * len(gone)
    befores = [None] * len(new) + [_json_row(before[e])
                                   for e in changed["event_id"].tolist() + gone]
    cols = ("batch_id", "event_id", "action", "before")
    if conn.dialect.name == "postgresql":
        text = pd.StringDtype()
        _insert_frame(conn, "batch_changes", cols, pd.DataFrame({
            "batch_id": np.full(len(ids), batch_id, dtype=np.int64),
            "event_id": pd.Series(ids, dtype=text), "action": pd.Series(actions, dtype=text),
            "before": pd.Series(befores, dtype=text)}))
    else:
        _bulk_insert(conn, "batch_changes", cols,
                     [(batch_id, *row) for row in zip(ids, actions, befores, strict=True)])
    db.bump_version(conn)


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _update_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    t = incidents_table
    upd = (sa.update(t).where(t.c.event_id == sa.bindparam("_key"))
           .values({c: sa.bindparam(c) for c in STORED if c != "event_id"}))
    for part in _chunks(rows):
        # A row saved by an older version may lack newer columns: they restore as NULL.
        conn.execute(upd, [{**{c: r.get(c) for c in STORED}, "_key": r["event_id"],
                            **{d: _date(r.get(d)) for d in DATE_COLUMNS}} for r in part])


def undo(engine: Engine, batch_id: int) -> dict[str, int]:
    """Undo a batch: delete what it inserted, restore what it updated or deleted."""
    b, c, t = batches_table.c, changes_table.c, incidents_table.c
    with db.writing(engine) as conn:
        db.lock(conn)
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
        revived = [_from_json_row(before) for _, action, before in changes
                   if action == "delete"]
        for part in _chunks(inserted):
            conn.execute(sa.delete(incidents_table).where(t.event_id.in_(part)))
        _update_rows(conn, restored)
        _bulk_insert(conn, "incidents", STORED, [tuple(
            v.isoformat() if isinstance(v, dt.date) else v for v in (r.get(k) for k in STORED))
            for r in revived])
        conn.execute(sa.update(batches_table).where(b.id == batch_id)
                     .values(undone_at=dt.datetime.now(dt.UTC)))
        db.bump_version(conn)
    return {"deleted": len(inserted), "restored": len(restored) + len(revived)}


def batches(engine: Engine) -> pd.DataFrame:
    """Every import batch, newest first: file, hash, format, counts, who, when, undone."""
    with engine.connect() as conn:
        return pd.read_sql(sa.select(batches_table).order_by(batches_table.c.id.desc()), conn)


def counts(engine: Engine) -> int:
    """The number of stored incidents."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(incidents_table))
                   .scalar_one())
