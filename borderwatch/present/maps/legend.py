"""The map's legend, and the classes of the province choropleth. The legend's HTML is
built from fixed words, numbers and escaped names only."""

from __future__ import annotations

import pandas as pd

from borderwatch.data.schema import EVENT_COLOURS, OTHER_COLOUR, SHAPES, shape_for
from borderwatch.present.maps.modes import PLAYBACK_LIMIT
from borderwatch.present.maps.rows import clip, esc
from borderwatch.present.maps.style import CELL_COLOUR, CHOROPLETH_COLOURS


def choropleth_bins(values: pd.Series, k: int = len(CHOROPLETH_COLOURS) - 1) -> list[int]:
    """Upper edges of ``k`` classes (0 has its own colour), rounded, strictly rising."""
    positive = values[values > 0]
    if positive.empty:
        return [1]
    qs = positive.quantile([i / k for i in range(1, k + 1)]).round().astype(int).tolist()
    edges: list[int] = []
    for q in qs:
        q = max(q, 1)
        if not edges or q > edges[-1]:
            edges.append(q)
    return edges


def choropleth_colour(value: int, edges: list[int]) -> str:
    """The fill of a province with ``value`` under the class ``edges``."""
    if value <= 0:
        return CHOROPLETH_COLOURS[0]
    for i, edge in enumerate(edges):
        if value <= edge:
            return CHOROPLETH_COLOURS[i + 1]
    return CHOROPLETH_COLOURS[-1]


def _choropleth(mode: str, edges: list[int] | None) -> str:
    metric = "Incidents" if mode.endswith("incidents") else "Fatalities"
    rows = [f'<span class="bw-box" style="background:{CHOROPLETH_COLOURS[0]}"></span>0']
    lower = 1
    for colour, edge in zip(CHOROPLETH_COLOURS[1:], edges or [], strict=False):
        label = f"{lower}" if lower == edge else f"{lower}–{edge}"
        rows.append(f'<span class="bw-box" style="background:{colour}"></span>{label}')
        lower = edge + 1
    return f"<b>{metric} per province</b>" + "<br>".join(rows)


def _cells(mode: str, cell_size: float | None) -> str:
    cell = f"{cell_size:g}° cells" if cell_size else "grid cells"
    head = ("<b>Incidents per cell</b>" if mode == "grid" else
            "<b>Incidents per cell</b><small>one period at a time: press Play</small><br>")
    return (f'{head}<span class="bw-swatch" style="background:{CELL_COLOUR}"></span>'
            f"{cell}<br><small>Size: number of incidents</small>")


def mark(colour: str, shape: str) -> str:
    """An event type's mark as the map draws it (shape and colour), for a legend."""
    return (f'<svg viewBox="0 0 24 24" aria-hidden="true"><path d="{SHAPES[shape]}" '
            f'fill="{colour}" stroke="#1a1a1a" stroke-width="1.4" '
            'vector-effect="non-scaling-stroke"/></svg>')


def _event_types(df: pd.DataFrame, mode: str) -> str:
    head = {"clusters": "<b>Event type</b><small>numbered circles group nearby incidents"
                        "</small><br>",
            "playback": "<b>Event type</b><small>one period at a time: press Play</small><br>",
            }.get(mode, "<b>Event type</b>")
    types = set(df["event_type"].dropna().unique().tolist())
    present = [t for t in EVENT_COLOURS if t in types]
    others = sorted(types - set(EVENT_COLOURS))
    rows = [mark(EVENT_COLOURS[t], shape_for(t)) + esc(t) for t in present]
    if others:  # one mark for every type outside ACLED's six, so one line for them
        label = esc(clip(others[0], "type")) if len(others) == 1 else f"{len(others)} other types"
        rows.append(mark(OTHER_COLOUR, shape_for(others[0])) + label)
    size = "Size: fatalities; dashed outline: toll unknown"
    return head + "<br>".join(rows) + f"<br><small>{size}</small>"


def data_line(df: pd.DataFrame) -> str:
    """Where the incidents shown come from, for the legend: the dataset (or how many), and
    a warning when any are synthetic."""
    if "dataset_label" not in df or df.empty:
        return ""
    counts = df["dataset_label"].value_counts()
    counts = counts[counts > 0]
    named = esc(clip(str(counts.index[0]), "place")) if len(counts) == 1 else (
        f"{len(counts)} datasets")
    line = f"<br><small>Data: {named}</small>"
    synthetic = int((df["dataset"] == "synthetic").sum()) if "dataset" in df else 0
    if synthetic:
        line += (f'<br><b class="bw-synthetic">{synthetic:,} SYNTHETIC (test data, not '
                 "real events)</b>")
    return line


def legend_html(df: pd.DataFrame, mode: str, edges: list[int] | None,
                cell_size: float | None = None) -> str:
    """The legend of a map of ``df`` drawn in ``mode``, with where its data come from."""
    if mode.startswith("choropleth"):
        body = _choropleth(mode, edges)
    elif mode == "heat":
        body = "<b>Incident density</b>low → high"
    elif mode == "grid" or (mode == "playback" and len(df) > PLAYBACK_LIMIT):
        body = _cells(mode, cell_size)
    else:
        body = _event_types(df, mode)
    return body + data_line(df)
