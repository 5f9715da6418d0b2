"""What the command modules share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def engine() -> Engine:
    """The store, seeded from the incidents file if empty."""
    from borderwatch.data import db, ingest

    engine = db.make_engine()
    ingest.seed(engine)
    return engine
