"""The Hotspots display: each classified location in its category's colour, a hover text
that says in plain words what the category means with its numbers, and the legend."""

from __future__ import annotations

from typing import Any

import numpy as np

from borderwatch.analysis.hotspots import CATEGORIES, Result
from borderwatch.present.maps.rows import esc

# Hot in reds and oranges, cold in blues and purple; the emerging kinds (new, consecutive,
# intensifying) also carry a thick dark outline, so that colour is not the only sign.
COLOURS: dict[str, str] = {
    "intensifying-hot": "#99000d", "persistent-hot": "#cb181d", "consecutive-hot": "#ef3b2c",
    "new-hot": "#fc9272", "diminishing-hot": "#fb6a4a", "sporadic-hot": "#fdae6b",
    "oscillating-hot": "#e6550d", "historical-hot": "#d9c7b8",
    "intensifying-cold": "#08306b", "persistent-cold": "#2171b5", "consecutive-cold": "#4292c6",
    "new-cold": "#9ecae1", "diminishing-cold": "#6baed6", "sporadic-cold": "#c6dbef",
    "oscillating-cold": "#756bb1", "historical-cold": "#cfd8e3",
}
EMERGING = ("new-hot", "consecutive-hot", "intensifying-hot", "new-cold", "consecutive-cold",
            "intensifying-cold")
MEANING = {
    "new": "significant in the last {unit} only",
    "consecutive": "significant in each of the last {run} {units}, never before",
    "intensifying": "significant in {recent} of the last {window} {units}, {trend}",
    "persistent": "significant in {recent} of the last {window} {units}, {trend}",
    "diminishing": "significant in {recent} of the last {window} {units}, {trend}",
    "sporadic": "significant on and off ({recent} of the last {window} {units}), "
                "including the last",
    "oscillating": "significant in the last {unit}, and of the opposite kind before "
                   "({recent} of the last {window} {units})",
    "historical": "significant in most {units} ({total} of {periods}), but not the last",
}


def describe(result: Result, i: int) -> str:
    """The hover text of location ``i``: its category and what it means, in numbers."""
    category = str(result.category[i])
    kind, _, side = category.partition("-")
    on = result.hot[i] if side == "hot" else result.cold[i]
    unit = result.settings.period
    window = min(12, len(result.periods))
    p = float(result.trend_p[i])
    direction = "rising" if result.trend_s[i] > 0 else "falling"
    trend = (f"{direction} (Mann–Kendall p = {p:.3f})" if p < result.settings.alpha
             else f"no significant trend (p = {p:.2f})")
    run = int(np.argmax(~on[::-1])) if not on.all() else len(on)
    meaning = MEANING.get(kind, "").format(
        unit=unit, units=f"{unit}s", run=run, recent=int(on[-window:].sum()), window=window,
        trend=trend, total=int(on.sum()), periods=len(on))
    metric = "incidents" if result.settings.metric == "incidents" else "known fatalities"
    name = esc(str(result.locations["name"].iloc[i]))
    total = int(result.counts[i].sum())
    span = f"{result.periods[0]} to {result.periods[-1]}"
    return (f"<b>{CATEGORIES[category]}</b>: {meaning}<br>{name}<br>"
            f"{total:,} {metric} ({span}); latest Gi* z = {result.z[i, -1]:.2f}")


def cell_rows(result: Result) -> list[list[Any]]:
    """Classified grid cells: [south, west, size, colour, emerging (1/0), hover text]."""
    rows = []
    for i in np.flatnonzero(result.category != "none"):
        c = str(result.category[i])
        loc = result.locations.iloc[i]
        rows.append([float(loc["lat"]), float(loc["lon"]), float(loc["size"]), COLOURS[c],
                     int(c in EMERGING), describe(result, int(i))])
    return rows


def province_styles(result: Result) -> dict[tuple[str, str], tuple[str, str]]:
    """Each classified province's (fill, hover text), by (country, province)."""
    out = {}
    for i in np.flatnonzero(result.category != "none"):
        loc = result.locations.iloc[i]
        out[(str(loc["country"]), str(loc["province"]))] = (COLOURS[str(result.category[i])],
                                                           describe(result, int(i)))
    return out


def legend(result: Result) -> str:
    """The legend: the categories present (with how many locations), the method, or why
    nothing is classified. Fixed words and numbers only."""
    s = result.settings
    where = f"{s.cell_deg:g}° cells" if s.unit == "cells" else "provinces"
    method = (f"<small>Getis-Ord Gi* per {s.period} on {s.metric}, {where}; false discovery "
              f"rate {s.alpha:.0%}; Mann–Kendall trend. Only classified locations are "
              "coloured. Method: docs/hotspots.md</small>")
    if result.reason:
        return f"<b>Emerging hot spots</b><small>{esc(result.reason)}</small>"
    present = {c: int((result.category == c).sum()) for c in COLOURS}
    rows = []
    for c, n in present.items():
        if n:
            border = "3px solid #111" if c in EMERGING else "1px solid #777"
            rows.append(f'<span class="bw-box" style="background:{COLOURS[c]};'
                        f'border:{border}"></span>{CATEGORIES[c]} ({n:,})')
    if not rows:
        rows = ["No location is a significant hot or cold spot."]
    return "<b>Emerging hot spots</b>" + "<br>".join(rows) + "<br>" + method
