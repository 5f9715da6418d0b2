r"""Emerging hot spots: where incidents cluster, and whether that is new, growing or fading.

The method of ArcGIS's Emerging Hot Spot Analysis (and R's sfdep), in four steps; the
reasons, parameters and limits are in docs/hotspots.md.

1. **Cube.** Incidents (or known fatalities) are counted per location and period: grid
   cells of ``cell_deg`` degrees, or provinces; weeks or months, from the first period of
   the view to its last. Locations are the cells with at least one incident in the view
   (every province, for provinces).
2. **Gi\\*.** For each period, the Getis-Ord Gi\\* z-score of every location: its count and
   its neighbours' (queen contiguity: the 8 surrounding cells, or provinces sharing a border
   or corner; binary weights, the location itself included) against the period's mean, with
   the analytical variance of PySAL's ``esda.G_Local(star=True, transform="B")`` (computed
   for all periods at once; a test checks it equals esda's). A location is a significant hot
   (cold) spot in a period when its two-sided p-value passes the Benjamini-Hochberg false
   discovery rate at ``alpha`` among that period's locations; a hot spot also needs at
   least ``min_local`` incidents in it and its neighbours that period (a single incident in
   an empty month is not a cluster).
3. **Trend.** The Mann-Kendall test of each location's Gi\\* z-scores over the periods (as
   ``pymannkendall.original_test``, with the tie correction; a test checks it).
4. **Categories** (ArcGIS's definitions): ``classify``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch.geo.boundaries import load_provinces

if TYPE_CHECKING:  # scipy is imported where it is used: the map page seldom needs it
    from scipy import sparse

PERIOD_FREQ = {"month": "M", "week": "W-MON"}
NINETY = 0.9  # "ninety percent of the time-step intervals"
CATEGORIES: dict[str, str] = {
    "new-hot": "New hot spot", "consecutive-hot": "Consecutive hot spot",
    "intensifying-hot": "Intensifying hot spot", "persistent-hot": "Persistent hot spot",
    "diminishing-hot": "Diminishing hot spot", "sporadic-hot": "Sporadic hot spot",
    "oscillating-hot": "Oscillating hot spot", "historical-hot": "Historical hot spot",
    "new-cold": "New cold spot", "consecutive-cold": "Consecutive cold spot",
    "intensifying-cold": "Intensifying cold spot", "persistent-cold": "Persistent cold spot",
    "diminishing-cold": "Diminishing cold spot", "sporadic-cold": "Sporadic cold spot",
    "oscillating-cold": "Oscillating cold spot", "historical-cold": "Historical cold spot",
    "none": "No pattern detected",
}


@dataclass(frozen=True)
class Settings:
    """The analysis' parameters (defaults in docs/hotspots.md, with the reason for each)."""

    unit: str = "cells"  # or "provinces"
    cell_deg: float = 0.5
    period: str = "month"  # or "week"
    metric: str = "incidents"  # or "fatalities" (known tolls only)
    alpha: float = 0.05
    min_periods: int = 10  # the Mann-Kendall test needs a series: ArcGIS asks for 10
    min_locations: int = 30  # Gi* compares a location with the rest: too few, no contrast
    min_incidents: int = 30  # fewer incidents than this cannot make a pattern
    min_local: int = 3  # a location-period with fewer incidents around it is never a spot


@dataclass
class Result:
    """The cube, the statistics and the category of every location."""

    settings: Settings
    periods: list[str]  # period labels, oldest first
    locations: pd.DataFrame  # name, lat, lon (cells: south-west corner) per location
    counts: np.ndarray  # locations x periods
    z: np.ndarray  # Gi* z-scores, locations x periods
    hot: np.ndarray  # significant hot spot (after FDR), locations x periods
    cold: np.ndarray
    trend_s: np.ndarray  # Mann-Kendall S of the z-scores, per location
    trend_p: np.ndarray  # its two-sided p-value
    category: np.ndarray  # CATEGORIES keys, per location
    reason: str | None = None  # why nothing is classified (too little data), if so
    incidents: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per location: what it is and the numbers behind it."""
        recent = min(12, len(self.periods))
        return self.locations.assign(
            category=self.category,
            label=[CATEGORIES[c] for c in self.category],
            latest_z=np.round(self.z[:, -1], 3) if self.z.size else np.nan,
            trend_p=np.round(self.trend_p, 4),
            trend=np.sign(self.trend_s).astype(int),
            hot_periods=self.hot.sum(axis=1), cold_periods=self.cold.sum(axis=1),
            recent_hot=self.hot[:, -recent:].sum(axis=1) if recent else 0,
            recent_cold=self.cold[:, -recent:].sum(axis=1) if recent else 0,
            total=self.counts.sum(axis=1).astype(int))


# --------------------------------------------------------------------------- cube

def _periods(dates: pd.Series, period: str) -> tuple[np.ndarray, list[str]]:
    """Each date's period number (0 for the first period) and the periods' labels."""
    days = pd.to_datetime(dates).to_numpy("datetime64[D]")
    if period == "month":
        months = days.astype("datetime64[M]").astype(np.int64)
        index = months - months.min()
        first = np.datetime64(int(months.min()), "M")
        labels = [str(first + k) for k in range(int(index.max()) + 1)]
    else:  # weeks starting on Monday (1970-01-01 was a Thursday)
        weeks = (days.astype(np.int64) + 3) // 7
        index = weeks - weeks.min()
        first_monday = np.datetime64(int(weeks.min() * 7 - 3), "D")
        labels = [str(first_monday + 7 * k) for k in range(int(index.max()) + 1)]
    return index.astype(np.int64), labels


def _cells(df: pd.DataFrame, cell_deg: float) -> tuple[np.ndarray, pd.DataFrame, sparse.csr_array]:
    """Each incident's cell, the occupied cells, and their queen neighbours (binary)."""
    from scipy import sparse
    ix = np.floor(df["longitude"].to_numpy(float) / cell_deg).astype(np.int64)
    iy = np.floor(df["latitude"].to_numpy(float) / cell_deg).astype(np.int64)
    key = ix * 1_000_003 + iy
    cells, where = np.unique(key, return_inverse=True)
    cx, cy = np.divmod(cells, 1_000_003)  # iy >= 0 in the region (latitudes > 0)
    rows, cols = [], []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx == dy == 0:
                continue
            other = (cx + dx) * 1_000_003 + (cy + dy)
            pos = np.searchsorted(cells, other)
            found = (pos < len(cells)) & (cells[np.minimum(pos, len(cells) - 1)] == other)
            rows.append(np.flatnonzero(found))
            cols.append(pos[found])
    r, c = np.concatenate(rows), np.concatenate(cols)
    w = sparse.csr_array((np.ones(len(r)), (r, c)), shape=(len(cells), len(cells)))
    names = [f"{abs(y * cell_deg):g}°{'N' if y >= 0 else 'S'} {abs(x * cell_deg):g}°"
             f"{'E' if x >= 0 else 'W'}" for x, y in zip(cx, cy, strict=True)]
    locations = pd.DataFrame({"name": names, "lat": cy * cell_deg, "lon": cx * cell_deg,
                              "size": cell_deg})
    return where, locations, w


@functools.cache
def province_weights() -> tuple[pd.DataFrame, sparse.csr_array]:
    """Provinces and their queen contiguity (libpysal), once per process."""
    from libpysal.weights import Queen
    from scipy import sparse

    provinces = load_provinces().reset_index(drop=True)
    w = Queen.from_dataframe(provinces, use_index=False, silence_warnings=True)
    w.transform = "B"
    points = provinces.geometry.representative_point()
    locations = pd.DataFrame({"name": provinces["name"] + ", " + provinces["country"],
                              "country": provinces["country"], "province": provinces["name"],
                              "lat": points.y.to_numpy(), "lon": points.x.to_numpy(),
                              "size": np.nan})
    return locations, sparse.csr_array(w.sparse)


def _provinces(df: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, sparse.csr_array]:
    locations, w = province_weights()
    lookup = {(c, p): i for i, (c, p) in enumerate(zip(locations["country"],
                                                       locations["province"], strict=True))}
    country, admin1 = df["country"].astype("category"), df["admin1"].astype("category")
    k = len(admin1.cat.categories) + 1
    pair = country.cat.codes.to_numpy(np.int64) * k + admin1.cat.codes.to_numpy(np.int64)
    codes, uniques = pd.factorize(pair)  # each distinct pair looked up once
    found = np.array([lookup.get((str(country.cat.categories[u // k]),
                                  str(admin1.cat.categories[u % k])), -1)
                      if u >= 0 and u % k < k - 1 else -1 for u in uniques], dtype=np.int64)
    return (found[codes] if len(found) else np.full(len(df), -1)), locations, w


def cube(df: pd.DataFrame, s: Settings) -> tuple[np.ndarray, pd.DataFrame, sparse.csr_array,
                                                 list[str]]:
    """Counts per location and period, the locations, their neighbours, period labels."""
    where, locations, w = (_cells(df, s.cell_deg) if s.unit == "cells" else _provinces(df))
    when, labels = _periods(df["event_date"], s.period)
    # Fatalities: the sum of the known tolls; an unknown toll is left out of it (it adds
    # nothing, and is never shown as 0). docs/hotspots.md says what that means.
    weight = (df["fatalities"].astype("Float64").to_numpy(float, na_value=0.0)
              if s.metric == "fatalities" else np.ones(len(df)))
    keep = where >= 0  # incidents outside every province have no province location
    flat = where[keep] * len(labels) + when[keep]
    counts = np.bincount(flat, weights=weight[keep], minlength=len(locations) * len(labels))
    return counts.reshape(len(locations), len(labels)), locations, w, labels


# --------------------------------------------------------------------------- statistics

def gi_star(counts: np.ndarray, w: sparse.csr_array) -> np.ndarray:
    """Gi* z-scores of every location in every period (columns), as
    ``esda.G_Local(y, w, star=True, transform="B").Zs`` for each column."""
    n = counts.shape[0]
    w_star = with_self(w)
    total = counts.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (w_star @ counts) / total
        mean = total / n
        variance = (counts ** 2).sum(axis=0) / n - mean ** 2
        card = np.asarray(w_star.sum(axis=1)).ravel()[:, None]
        expected = card / n
        var_g = card * (n - card) / (n - 1) / n ** 2 * variance / mean ** 2
        z = (statistic - expected) / np.sqrt(var_g)
    return np.where(np.isfinite(z), z, 0.0)  # a period without incidents: no clustering


def with_self(w: sparse.csr_array) -> sparse.csr_array:
    """Binary weights with each location its own neighbour (Gi*'s)."""
    from scipy import sparse
    w_star = (w + sparse.identity(w.shape[0], format="csr")).tocsr()
    w_star.data[:] = 1.0
    return w_star


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-values of standard normal scores: 2 Φ(-|z|) (scipy's norm.sf is
    ndtr(-x); scipy.special is imported here, not scipy.stats, which costs ~60 MB)."""
    from scipy.special import ndtr

    return np.asarray(2 * ndtr(-np.abs(z)))


def fdr_significant(p: np.ndarray, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg: which p-values of each column pass at false discovery rate
    ``alpha`` among that column's."""
    m = p.shape[0]
    order = np.argsort(p, axis=0)
    ranked = np.take_along_axis(p, order, axis=0)
    passes = ranked <= alpha * np.arange(1, m + 1)[:, None] / m
    last = np.where(passes.any(axis=0), m - 1 - np.argmax(passes[::-1], axis=0), -1)
    cutoff = np.where(last >= 0, ranked[np.maximum(last, 0), np.arange(p.shape[1])], -1.0)
    return p <= cutoff


def mann_kendall(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mann-Kendall S and two-sided p-value of each row (tie-corrected variance; as
    ``pymannkendall.original_test``)."""
    n = x.shape[1]
    s = np.zeros(x.shape[0])
    for lag in range(1, n):
        s += np.sign(x[:, lag:] - x[:, :-lag]).sum(axis=1)
    xs = np.sort(x, axis=1)
    ties = np.zeros(x.shape[0])
    run = np.ones(x.shape[0])
    for k in range(1, n + 1):  # lengths of runs of equal values
        same = (xs[:, k] == xs[:, k - 1]) if k < n else np.zeros(x.shape[0], dtype=bool)
        ended = ~same
        ties += np.where(ended & (run > 1), run * (run - 1) * (2 * run + 5), 0.0)
        run = np.where(same, run + 1, 1.0)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0))
    z = np.where(np.isfinite(z), z, 0.0)
    return s, two_sided_p(z)


def classify(hot: np.ndarray, cold: np.ndarray, trend_s: np.ndarray, trend_p: np.ndarray,
             alpha: float) -> np.ndarray:
    """ArcGIS's categories, from each location's significant periods and trend.

    Hot (cold mirrors it): **new**, hot in the last period only; **consecutive**, one
    uninterrupted run of two or more hot periods at the end, never hot before, under 90 %
    of periods hot; **intensifying** / **diminishing**, hot in at least 90 % of periods
    including the last, with a significant rising / falling trend; **persistent**, the
    same without a significant trend; **sporadic**, hot in the last period, on and off
    before, never cold; **oscillating**, hot in the last period, cold at some time
    before; **historical**, hot in at least 90 % of periods but not the last. A trend is
    significant when its Mann-Kendall p-value passes the false discovery rate ``alpha``
    among the locations it decides between.
    """
    out = np.full(hot.shape[0], "none", dtype=object)
    for kind, on, other, sign in (("hot", hot, cold, 1), ("cold", cold, hot, -1)):
        frac = on.mean(axis=1)
        last = on[:, -1]
        run = _final_run(on)
        before = on.sum(axis=1) - run
        # The trend decides among the locations that are spots nine periods in ten: a
        # test for each, so the false discovery rate applies to them too.
        eligible = last & (frac >= NINETY)
        trending = np.zeros(len(on), dtype=bool)
        if eligible.any():
            trending[eligible] = fdr_significant(trend_p[eligible][:, None], alpha)[:, 0]
        rising = trending & (np.sign(trend_s) == sign)
        falling = trending & (np.sign(trend_s) == -sign)
        rules = [
            (last & (frac >= NINETY) & rising, "intensifying"),
            (last & (frac >= NINETY) & falling, "diminishing"),
            (last & (frac >= NINETY), "persistent"),
            (~last & (frac >= NINETY), "historical"),
            (last & (run == 1) & (before == 0), "new"),
            (last & (run >= 2) & (before == 0), "consecutive"),
            (last & other.any(axis=1), "oscillating"),
            (last, "sporadic"),
        ]
        for mask, name in rules:
            pick = mask & (out == "none")
            out[pick] = f"{name}-{kind}"
    return out


def _final_run(on: np.ndarray) -> np.ndarray:
    """Length of the uninterrupted run of True at the end of each row."""
    reversed_ = on[:, ::-1]
    first_off = np.where(~reversed_.any(axis=1) | reversed_.all(axis=1), 0,
                         np.argmax(~reversed_, axis=1))
    return np.where(reversed_.all(axis=1), on.shape[1], first_off)


def analyse(df: pd.DataFrame, s: Settings | None = None) -> Result:
    """The emerging hot spot analysis of ``df`` (already filtered)."""
    s = s or Settings()
    empty = Result(s, [], pd.DataFrame({"name": [], "lat": [], "lon": [], "size": []}),
                   np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0), bool),
                   np.zeros((0, 0), bool), np.zeros(0), np.ones(0),
                   np.array([], dtype=object), incidents=len(df))
    if len(df) < s.min_incidents:
        empty.reason = (f"{len(df):,} incidents match; at least {s.min_incidents} are needed "
                        "before a pattern can be told from chance.")
        return empty
    counts, locations, w, labels = cube(df, s)
    occupied = int((counts.sum(axis=1) > 0).sum())
    if len(labels) < s.min_periods or occupied < s.min_locations:
        empty.reason = (f"The view spans {len(labels)} {s.period}s and {occupied} "
                        f"{'cells' if s.unit == 'cells' else 'provinces'} with incidents; "
                        f"the analysis needs at least {s.min_periods} {s.period}s and "
                        f"{s.min_locations} locations. Widen the dates or the area, or use "
                        "smaller cells.")
        return empty
    z = gi_star(counts, w)
    p = two_sided_p(z)
    significant = fdr_significant(p, s.alpha)
    # Small counts are not significance: a hot spot needs incidents around it.
    hot = significant & (z > 0) & (with_self(w) @ counts >= s.min_local)
    cold = significant & (z < 0)
    trend_s, trend_p = mann_kendall(z)
    category = classify(hot, cold, trend_s, trend_p, s.alpha)
    return Result(s, labels, locations, counts, z, hot, cold, trend_s, trend_p, category,
                  incidents=len(df))
