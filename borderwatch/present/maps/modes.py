"""Display-mode policy: which modes exist, how many incidents each draws one by one, what
is drawn instead beyond that, and one explanation of the mode shown.

The page sent to the browser stays under ``MAX_PAYLOAD`` bytes at any number of
incidents: incidents are drawn one by one only up to the limits below (each one costs
bytes), and as grid cells beyond them. In "auto" the next, lighter mode takes over.
"""

from __future__ import annotations

from dataclasses import dataclass

MODES: dict[str, str] = {
    "auto": "Automatic",
    "points": "Points",
    "clusters": "Clusters",
    "heat": "Heat map",
    "grid": "Grid: incidents per cell",
    "choropleth-incidents": "Provinces: incidents",
    "choropleth-fatalities": "Provinces: fatalities",
    "playback": "Playback over time",
    "hotspots": "Hotspots (emerging)",
}
MAX_PAYLOAD = 1_500_000
POINTS_LIMIT = 1_000  # points as markers with full popups, about 1 KB each at most
# Points on one canvas from packed arrays, 8 bytes each in base64 (rows.dots); their
# records are fetched on click.
DOTS_LIMIT = 100_000
CLUSTERS_LIMIT = 5_000  # clustered points with a short tooltip, about 120 bytes each
PLAYBACK_LIMIT = 5_000  # playback of single incidents; beyond it, of grid cells
GRID_CELLS = 3_000  # circles in the grid mode
HEAT_CELLS = 20_000  # weighted points in the heat map
PLAYBACK_CELLS = 8_000  # (cell, period) circles in a playback of cells
# Most bytes of incident data in one map (boundaries and code take the rest of
# MAX_PAYLOAD). Incidents whose texts would exceed it are drawn in the next, lighter mode
# (points → clusters → grid).
LAYER_BYTES = 900_000
_ONE_BY_ONE = {"points": DOTS_LIMIT, "clusters": CLUSTERS_LIMIT, "playback": PLAYBACK_LIMIT}
# What the Points display says beyond POINTS_LIMIT, where incidents are drawn on a canvas.
DOTS_NOTE = ("hover one for its type and toll, click it for its record. They are not "
             "keyboard stops: *Map as a list* below and the Incidents page list them.")


def _dots_note(n: int) -> str:
    why = (f"Beyond {POINTS_LIMIT:,} incidents, points" if n > POINTS_LIMIT else
           "Their texts are too long to draw each as a marker, so the points")
    return f"{why} are drawn on one canvas: {DOTS_NOTE}"


def resolve_mode(mode: str, n: int) -> str:
    """The display mode to draw for ``n`` incidents.

    ``auto`` picks the richest mode that stays light; points beyond POINTS_LIMIT are
    drawn on a canvas ("dots"); points and clusters beyond their limits become the grid.
    """
    if mode == "auto":
        return "choropleth-incidents" if n > DOTS_LIMIT else resolve_mode("points", n)
    if mode == "points" and n > POINTS_LIMIT:
        return "dots" if n <= DOTS_LIMIT else "grid"
    if mode == "clusters" and n > CLUSTERS_LIMIT:
        return "grid"
    return mode


@dataclass(frozen=True)
class ModeNote:
    """What the map shows and why, when that is not simply the mode asked for."""

    text: str  # markdown-safe: numbers and fixed words only
    fallback: bool  # True: not the display asked for (show it prominently)


def explain(requested: str, drawn: str, n: int) -> ModeNote | None:
    """Why the map is drawn as it is: the automatic choice, or the fallback from the mode
    asked for. None when the map is simply what was asked for."""
    noun = "incident" if n == 1 else "incidents"
    dots = " " + _dots_note(n) if drawn == "dots" else ""
    if requested == "auto":
        name = MODES["points" if drawn == "dots" else drawn]
        return ModeNote(f"Automatic display: **{name}** for {n:,} {noun} (points up to "
                        f"{DOTS_LIMIT:,}, then provinces).{dots}", fallback=False)
    if drawn == "dots":
        return ModeNote(_dots_note(n), fallback=n <= POINTS_LIMIT)
    limit = _ONE_BY_ONE.get(requested)
    if limit is None or (drawn == requested and (requested != "playback" or n <= limit)):
        return None
    shown = {"playback": "grid cells, period by period",
             "clusters": "clusters"}.get(drawn, "a grid of cells")
    why = (f"more than the {limit:,} this display draws one by one" if n > limit
           else "their texts are too long to draw each one")
    return ModeNote(f"{n:,} incidents match: {why}, so they are shown as {shown}. Narrow "
                    "the filters to see each incident.", fallback=True)
