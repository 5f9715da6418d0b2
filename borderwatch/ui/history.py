"""The import history as people read it: batch labels, the history table, the undo
confirmation. Plain functions of ``store.batches`` rows, without Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from borderwatch.ui.text import md_escape

# The kinds of batch that seeded the store on first start (see ingest.seed): undoing one
# empties the store of its founding record, so it needs a second, explicit confirmation.
SEED_DATASETS = frozenset({"curated", "seed"})
SEED_USER = "seed"

# The history table: what a reader needs, in reading order.
TABLE_COLUMNS = ["Batch", "File", "Format", "Rows", "Who", "When", "Undone"]
# The details view: every column of a batch, the technical ones included, readably named.
DETAIL_LABELS = {
    "id": "Batch", "file_name": "File", "format": "Format", "dataset": "Dataset",
    "rows": "Rows", "inserted": "Inserted", "updated": "Updated", "unchanged": "Unchanged",
    "rejected": "Rejected", "deleted": "Withdrawn", "created_by": "Who",
    "created_at": "When", "undone_at": "Undone", "sha256": "SHA-256",
}


def when(value: Any) -> str:
    """A stored time as ``YYYY-MM-DD HH:MM UTC``; empty for none. Naive times are UTC
    (SQLite returns them without a zone)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%d %H:%M UTC")


def _count(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def rows_text(n: int) -> str:
    """``1 row``, ``2,345 rows``."""
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def is_seed(batch: Mapping[str, Any]) -> bool:
    """Whether a batch is the seed the store was created from (the curated incidents.csv,
    or another seed file): by its dataset, or, for stores older than datasets, its user."""
    return batch.get("dataset") in SEED_DATASETS or batch.get("created_by") == SEED_USER


def batch_label(batch: Mapping[str, Any]) -> str:
    """One batch in the undo picker: ``#id · file · rows · who · when``. Plain text (a
    selectbox shows its options literally, so nothing is escaped)."""
    parts = [f"#{int(batch['id'])}", str(batch["file_name"]),
             rows_text(_count(batch["rows"])), str(batch["created_by"]),
             when(batch["created_at"])]
    if is_seed(batch):
        parts[1] += " (seed)"
    return " · ".join(parts)


def batch_labels(batches: pd.DataFrame) -> dict[int, str]:
    """The picker label of every batch, by id."""
    return {int(b["id"]): batch_label(b) for b in batches.to_dict("records")}


def history_table(batches: pd.DataFrame) -> pd.DataFrame:
    """The import history to read: batch, file, format, rows, who, when and when undone
    (empty while in force), times in words, newest first as given. No hash."""
    records = batches.to_dict("records")
    return pd.DataFrame({
        "Batch": [f"#{int(b['id'])}" for b in records],
        "File": [str(b["file_name"]) + (" (seed)" if is_seed(b) else "") for b in records],
        "Format": [str(b["format"]) for b in records],
        "Rows": [_count(b["rows"]) for b in records],
        "Who": [str(b["created_by"]) for b in records],
        "When": [when(b["created_at"]) for b in records],
        "Undone": [when(b["undone_at"]) for b in records],
    }, columns=TABLE_COLUMNS)


def details_table(batches: pd.DataFrame) -> pd.DataFrame:
    """Every column of every batch, the hash and the counts included, with readable
    names and times; for the details view."""
    out = batches[[c for c in DETAIL_LABELS if c in batches.columns]].copy()
    for col in ("created_at", "undone_at"):
        if col in out.columns:
            out[col] = [when(v) for v in out[col]]
    return out.rename(columns=DETAIL_LABELS)


def confirmation(batch: Mapping[str, Any]) -> str:
    """The markdown that names the batch about to be undone and says what undoing does."""
    inserted, updated = _count(batch.get("inserted")), _count(batch.get("updated"))
    withdrawn = _count(batch.get("deleted"))
    effects = [f"removes the {rows_text(inserted)} it added"]
    if updated:
        effects.append(f"restores the earlier values of the {rows_text(updated)} it changed")
    if withdrawn:
        effects.append(f"brings back the {rows_text(withdrawn)} it withdrew")
    return (f"Undo batch **#{int(batch['id'])}**: **{md_escape(str(batch['file_name']))}**, "
            f"{rows_text(_count(batch['rows']))}, imported by "
            f"**{md_escape(str(batch['created_by']))}** on {when(batch['created_at'])}? "
            f"This {' and '.join(effects)}.")


def seed_consent(batch: Mapping[str, Any]) -> str:
    """The label of the extra confirmation a seed batch needs."""
    record = "curated record" if batch.get("dataset") == "curated" else "seed data"
    n = _count(batch.get("inserted"))
    noun = "incident" if n == 1 else "incidents"
    return f"I understand this removes the {record} of {n:,} {noun}"
