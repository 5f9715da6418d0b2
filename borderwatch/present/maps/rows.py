"""What the map's layers carry to the browser: compact arrays of escaped fields.

Every string that came from a file is HTML-escaped here, before it reaches the page; the
browser only places it (templates/map.js).
"""

from __future__ import annotations

import base64
import html
import math
import re
from typing import Any

import numpy as np
import pandas as pd
from jinja2.utils import htmlsafe_json_dumps

from borderwatch.analysis.aggregate import FREQ, period_index
from borderwatch.data.records import SAFE_URL
from borderwatch.data.schema import EVENT_COLOURS, GEO_PRECISION, OTHER_COLOUR, TIME_PRECISION
from borderwatch.geo import grid
from borderwatch.present.maps.modes import GRID_CELLS, LAYER_BYTES, PLAYBACK_CELLS, PLAYBACK_LIMIT
from borderwatch.present.maps.style import CELL_COLOUR

# Longest text of each field shown in a popup; the Incidents table has the full text.
CLIP = {"notes": 300, "source": 150, "actor": 100, "place": 120, "type": 60}


def esc(value: Any) -> str:
    """Text for HTML: escaped, and empty for a missing value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def clip(value: Any, field: str) -> Any:
    """Text cut to the popup's length for ``field`` (the map's size must stay bounded)."""
    if not isinstance(value, str) or len(value) <= CLIP[field]:
        return value
    return value[: CLIP[field] - 1].rstrip() + "…"


def radius(fatalities: float | None) -> float:
    """Marker radius in pixels: 4 px with no deaths, growing with the square root."""
    f = 0.0 if fatalities is None or pd.isna(fatalities) else float(fatalities)
    return round(min(4 + 2 * math.sqrt(max(f, 0)), 22), 1)


def _place(row: Any) -> str:
    parts = [row.location, row.admin2, row.admin1, row.country]
    seen: list[str] = []
    for p in parts:
        if p is not None and not pd.isna(p) and p not in seen:
            seen.append(p)
    return str(clip(", ".join(seen), "place"))


def fatalities_text(value: Any) -> str:
    """A toll for people: the number, or "unknown" (never 0 for unknown)."""
    return "unknown" if value is None or pd.isna(value) else str(int(value))


def safe_url(value: Any) -> str:
    """A link from data, escaped for an HTML attribute, or "" unless it is http(s)."""
    if not isinstance(value, str) or not re.fullmatch(SAFE_URL, value):
        return ""
    return esc(value)


def _precision(codes: dict[int, str], value: Any) -> str:
    return "" if pd.isna(value) else codes.get(int(value), "")


def _date(value: Any) -> str:
    return "" if value is None or pd.isna(value) else esc(value.strftime("%d %b %Y"))


# What each kind of layer carries per incident (all escaped): "tip" for a tooltip, "brief"
# adds the source link for a short popup, "full" the whole record. templates/map.js reads
# them by position, after [lat, lon, colour, radius, known toll (1/0)].
LEVELS = ("tip", "brief", "full")


def also_reported(others: Any) -> str:
    """The other records linked to an incident, as escaped HTML: each one's dataset, toll
    and source with its link (http(s) only)."""
    if not isinstance(others, tuple) or not others:
        return ""
    items = []
    for dataset, toll, source, url, event_id in others:
        link = safe_url(url)
        cited = esc(clip(source, "source"))
        cited = (f'<a href="{link}" target="_blank" rel="noopener noreferrer">{cited}</a>'
                 if link else cited)
        items.append(f"{esc(dataset)} ({esc(event_id)}): toll {esc(fatalities_text(toll))}; "
                     f"{cited}")
    return "<br>".join(items)


def incident_fields(row: Any, level: str = "full") -> list[str]:
    """The escaped fields of an incident: date, type, place, fatalities, source ("tip");
    then source link, source date, dataset, other linked records ("brief"); then time
    precision, sub-event type, actors, geo precision, notes, id ("full")."""
    tip = [esc(row.event_date.strftime("%d %B %Y")), esc(clip(row.event_type, "type")),
           esc(_place(row)), esc(fatalities_text(row.fatalities)),
           esc(clip(row.source, "source"))]
    if level == "tip":
        return tip
    dataset = getattr(row, "dataset_label", None)
    brief = [*tip, safe_url(getattr(row, "source_url", None)),
             _date(getattr(row, "source_date", None)), esc(dataset),
             also_reported(getattr(row, "others", None))]
    if level == "brief":
        return brief
    actors = esc(clip(row.actor1, "actor")) + (
        f" vs {esc(clip(row.actor2, 'actor'))}" if not pd.isna(row.actor2) else "")
    sub = esc(clip(row.sub_event_type, "type")) if not pd.isna(row.sub_event_type) else ""
    return [*brief, esc(_precision(TIME_PRECISION, row.time_precision)), sub, actors,
            esc(_precision(GEO_PRECISION, row.geo_precision)), esc(clip(row.notes, "notes")),
            esc(row.event_id)]


def incident_rows(df: pd.DataFrame, level: str = "full") -> list[list[Any]]:
    """[lat, lon, colour, radius, known toll (1/0), *fields] per incident."""
    return [[round(float(row.latitude), 5), round(float(row.longitude), 5),
             EVENT_COLOURS.get(row.event_type, OTHER_COLOUR), radius(row.fatalities),
             0 if pd.isna(row.fatalities) else 1, *incident_fields(row, level)]
            for row in df.itertuples(index=False)]


def fits(rows: list[list[Any]]) -> bool:
    """Whether incident rows fit the map's byte budget for its incident layer, measured as
    the page carries them (script-safe JSON, where & < > ' take six bytes each)."""
    return len(htmlsafe_json_dumps(rows)) <= LAYER_BYTES


def toll_text(fatalities: int, unknown: int, incidents: int) -> str:
    """Fatalities of a group of incidents: "46", "at least 46 (unknown for 3)", "unknown"."""
    if incidents and unknown >= incidents:
        return "unknown"
    if unknown:
        return f"at least {fatalities:,} (unknown for {unknown:,})"
    return f"{fatalities:,}"


def cell_tip(incidents: int, fatalities: int, unknown: int = 0) -> str:
    """Tooltip of a grid cell: numbers only, nothing from a file."""
    noun = "incident" if incidents == 1 else "incidents"
    return (f"<b>{incidents:,}</b> {noun}<br>Fatalities: "
            f"{toll_text(fatalities, unknown, incidents)}")


def cell_radius(incidents: np.ndarray, most: int) -> np.ndarray:
    """Circle radius in pixels of grid cells: area grows with the count, 3 to 16 px."""
    return np.round(3 + 13 * np.sqrt(incidents / max(most, 1)), 1)


def grid_rows(df: pd.DataFrame, max_cells: int = GRID_CELLS) -> tuple[float, list[list[Any]]]:
    """The cell size and, per non-empty cell, [lat, lon, radius, tooltip, south, west]."""
    size, cells = grid.cells(df, max_cells)
    if cells.empty:
        return size, []
    radii = cell_radius(cells["incidents"].to_numpy(), int(cells["incidents"].max()))
    rows = [[round(float(c.lat), 4), round(float(c.lon), 4), float(r),
             cell_tip(int(c.incidents), int(c.fatalities), int(c.unknown)),
             round(float(c.south), 4),
             round(float(c.west), 4)]
            for c, r in zip(cells.itertuples(index=False), radii, strict=True)]
    return size, rows


def heat_points(df: pd.DataFrame, max_cells: int) -> list[list[float]]:
    """[lat, lon, weight] per grid cell: incidents counted per cell, weight 0-1."""
    _size, cells = grid.cells(df, max_cells)
    most = int(cells["incidents"].max()) if len(cells) else 1
    weight = np.sqrt(cells["incidents"].to_numpy() / most).round(3)
    return np.column_stack([cells["lat"].round(4), cells["lon"].round(4), weight]).tolist()


def playback_frames(df: pd.DataFrame, period: str) -> tuple[list[list[Any]], list[str]]:
    """Rows [lat, lon, colour, radius, known, period index, fields] and one label per period
    (every period from the first incident's to the last's, empty ones included).

    Up to PLAYBACK_LIMIT incidents, one row per incident; beyond it, one row per grid
    cell and period (at most PLAYBACK_CELLS), sized by its count."""
    if df.empty:
        return [], []
    starts = period_index(df["event_date"], period)
    periods = pd.date_range(starts.min(), starts.max(), freq=FREQ[period])
    fmt = "Week of %d %b %Y" if period == "week" else "%B %Y"
    labels = [p.strftime(fmt) for p in periods]
    index = pd.Index(periods).get_indexer(starts)
    if len(df) <= PLAYBACK_LIMIT:
        rows = [[*r[:5], int(i), *r[5:]]
                for r, i in zip(incident_rows(df, "brief"), index, strict=True)]
        return rows, labels
    _size, cells = grid.cells(df, PLAYBACK_CELLS, groups=index, n_groups=len(periods))
    radii = cell_radius(cells["incidents"].to_numpy(), int(cells["incidents"].max()))
    rows = [[round(float(c.lat), 4), round(float(c.lon), 4), CELL_COLOUR, float(r), 1,
             int(c.group), cell_tip(int(c.incidents), int(c.fatalities), int(c.unknown))]
            for c, r in zip(cells.itertuples(index=False), radii, strict=True)]
    return rows, labels


# Points on one canvas (templates/map.js, bwDots): the event types in the order of their
# codes, the last one for every type outside ACLED's six.
DOT_TYPES = (*EVENT_COLOURS, None)
_QUANT = 65_535  # positions are quantised to 16 bits across the incidents' extent


def dot_box(df: pd.DataFrame) -> list[float]:
    """[south, west, north, east] of the incidents, the frame of their quantised positions."""
    return [round(float(df["latitude"].min()), 5), round(float(df["longitude"].min()), 5),
            round(float(df["latitude"].max()), 5), round(float(df["longitude"].max()), 5)]


def _quantise(values: np.ndarray, low: float, high: float) -> np.ndarray:
    span = high - low
    if span <= 0:
        return np.zeros(len(values), dtype="<u2")
    q = np.rint((values - low) / span * _QUANT)
    return np.clip(q, 0, _QUANT).astype("<u2")


def _dot_positions(df: pd.DataFrame, box: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return (_quantise(df["latitude"].to_numpy(float), box[0], box[2]),
            _quantise(df["longitude"].to_numpy(float), box[1], box[3]))


def dots(df: pd.DataFrame) -> dict[str, Any]:
    """The incidents packed for the canvas layer: per incident its position quantised to
    16 bits within ``bbox`` (about 70 m across the whole region), a type code and its toll
    (0 unknown, else toll + 1 up to 255), as one base64 array laid out
    [y u16 × n][x u16 × n][type u8 × n][toll u8 × n]: 8 bytes an incident, where a row of
    JSON fields takes hundreds. Higher tolls come last, drawn on top. The records stay on
    the server until one is clicked (``dots_at``)."""
    box = dot_box(df) if len(df) else [0.0, 0.0, 0.0, 0.0]
    ys, xs = _dot_positions(df, box)
    codes = pd.Index(DOT_TYPES[:-1]).get_indexer(df["event_type"]).astype(np.int16)
    codes[codes < 0] = len(DOT_TYPES) - 1
    tolls = df["fatalities"].to_numpy(float, na_value=np.nan)
    # 0 is an unknown toll (never a toll of 0, which is 1).
    toll_code = np.where(np.isnan(tolls), 0, np.clip(np.nan_to_num(tolls), 0, 254) + 1)
    order = np.argsort(toll_code, kind="stable")
    packed = b"".join([ys[order].tobytes(), xs[order].tobytes(),
                       codes[order].astype(np.uint8).tobytes(),
                       toll_code[order].astype(np.uint8).tobytes()])
    types = [[EVENT_COLOURS.get(t, OTHER_COLOUR) if t else OTHER_COLOUR,
              esc(t) if t else "Other event type"] for t in DOT_TYPES]
    return {"n": len(df), "bbox": box, "types": types,
            "data": base64.b64encode(packed).decode("ascii")}


def dots_at(df: pd.DataFrame, lat: float, lon: float) -> pd.DataFrame:
    """The incidents drawn at a clicked point of the canvas layer of ``df`` (the same
    incidents the layer was made from): those whose quantised position is the point's."""
    if df.empty:
        return df
    box = dot_box(df)
    y, x = _dot_positions(pd.DataFrame({"latitude": [lat], "longitude": [lon]}), box)
    # Only a point the layer drew (a click elsewhere, say on a province, is no incident's).
    drawn = (box[0] + int(y[0]) * (box[2] - box[0]) / _QUANT,
             box[1] + int(x[0]) * (box[3] - box[1]) / _QUANT)
    if abs(drawn[0] - lat) > 1e-7 or abs(drawn[1] - lon) > 1e-7:
        return df.iloc[:0]
    ys, xs = _dot_positions(df, box)
    return df[(ys == y[0]) & (xs == x[0])]
