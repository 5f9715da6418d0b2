"""Square grid cells: how the map stays a bounded size at any number of incidents.

Incidents are counted per cell of a regular latitude/longitude grid. The cell size is
the finest of ``CELL_SIZES`` that keeps the number of non-empty cells (per group, e.g.
per playback period) within a limit, so a million incidents over the region become a
few thousand circles, and a filtered handful keep fine cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CELL_SIZES = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)  # degrees
_ROW = 40_000  # more cells than any row of the finest grid holds (360 / 0.01 = 36,000)


def _codes(lat: np.ndarray, lon: np.ndarray, groups: np.ndarray, n_groups: int,
           size: float) -> tuple[np.ndarray, np.ndarray]:
    key = (np.floor(lat / size).astype(np.int64) * _ROW
           + np.floor(lon / size).astype(np.int64)) * n_groups + groups
    codes, uniques = pd.factorize(key)
    return codes, uniques


def cells(df: pd.DataFrame, max_cells: int, groups: np.ndarray | None = None,
          n_groups: int = 1) -> tuple[float, pd.DataFrame]:
    """Incidents per grid cell (and per group, if ``groups`` gives each row's group).

    Returns the cell size in degrees and one row per non-empty cell: ``lat``/``lon`` (the
    mean position of its incidents, so a lone incident sits where it happened),
    ``south``/``west`` (the cell's corner), ``incidents``, ``fatalities`` (known tolls),
    ``unknown`` (incidents with no reported toll) and ``group``.
    """
    columns = ["lat", "lon", "south", "west", "incidents", "fatalities", "unknown", "group"]
    if df.empty:
        return CELL_SIZES[0], pd.DataFrame(columns=columns)
    lat = df["latitude"].to_numpy(dtype=float)
    lon = df["longitude"].to_numpy(dtype=float)
    tolls = df["fatalities"].astype("Float64")
    unknown = tolls.isna().to_numpy(dtype=float)
    known = tolls.fillna(0).to_numpy(dtype=float)  # summed with the unknown ones counted apart
    g = np.zeros(len(df), dtype=np.int64) if groups is None else np.asarray(groups, np.int64)
    # The number of cells falls as the size grows: find the finest size that fits.
    lo, hi = 0, len(CELL_SIZES) - 1
    found: tuple[np.ndarray, np.ndarray] | None = None
    while lo < hi:
        mid = (lo + hi) // 2
        attempt = _codes(lat, lon, g, n_groups, CELL_SIZES[mid])
        if len(attempt[1]) <= max_cells:
            hi, found = mid, attempt
        else:
            lo = mid + 1
    size = CELL_SIZES[lo]
    codes, uniques = found if found is not None else _codes(lat, lon, g, n_groups, size)
    k = len(uniques)
    count = np.bincount(codes, minlength=k)
    cell = uniques // n_groups
    iy = np.floor_divide(cell + _ROW // 2, _ROW)
    ix = cell - iy * _ROW
    out = pd.DataFrame({
        "lat": np.bincount(codes, lat, k) / count,
        "lon": np.bincount(codes, lon, k) / count,
        "south": iy * size,
        "west": ix * size,
        "incidents": count,
        "fatalities": np.bincount(codes, known, k).round().astype(np.int64),
        "unknown": np.bincount(codes, unknown, k).round().astype(np.int64),
        "group": uniques % n_groups,
    })
    return size, out
