"""Which point of the map's canvas layer is selected: the dashboard learns of a click from
streamlit-folium's returned value, and shows the records there in the next view."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Selection:
    """A clicked point (latitude, longitude) or None, with the view it was made in and the
    map's click count when it was made (a new count is a new click)."""

    view: str
    count: int
    at: tuple[float, float] | None = None


def _point(clicked: Any) -> tuple[float, float] | None:
    """A clicked point from the browser, or None unless it is two finite numbers."""
    if not isinstance(clicked, Mapping):
        return None
    try:
        lat, lon = float(clicked["lat"]), float(clicked["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    ok = math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180
    return (lat, lon) if ok else None


def update(previous: Selection | None, value: Any, view: str) -> Selection:
    """The selection after a page run: a new click selects its point; a new view (other
    filters or display) drops the selection; otherwise it stays."""
    value = value if isinstance(value, Mapping) else {}
    try:
        count = int(value.get("last_object_clicked_count") or 0)
    except (TypeError, ValueError):
        count = 0
    if previous is None:  # the page's first run: no click has been made in this view
        return Selection(view, count)
    if count != previous.count:
        return Selection(view, count, _point(value.get("last_object_clicked")))
    if view != previous.view:
        return Selection(view, count)
    return previous
