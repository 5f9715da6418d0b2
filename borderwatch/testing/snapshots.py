"""Snapshots of the store, for tests that compare it before and after an operation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from borderwatch.data.db import STORED, incidents_table


def store_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored incident row, sorted by event_id."""
    t = incidents_table
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*(t.c[n] for n in STORED))
                                               .order_by(t.c.event_id))]
