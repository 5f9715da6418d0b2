"""Synthetic incidents for tests and benchmarks only.

Every row says it is synthetic (``source`` = "SYNTHETIC (borderwatch synth)", ``notes``
begin with "SYNTHETIC", ids begin with "SYN-"); none of it is ever written into
incidents.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from borderwatch.data.schema import COLUMN_NAMES, EVENT_TYPES
from borderwatch.geo import boundaries

SOURCE = "SYNTHETIC (borderwatch synth)"
PLACES = 5_000
ACTORS = (
    "SYNTHETIC Military Forces of Afghanistan (2021-)", "SYNTHETIC Military Forces of Pakistan",
    "SYNTHETIC Islamic State Khorasan Province (ISKP)", "SYNTHETIC Tehreek-e-Taliban Pakistan",
    "SYNTHETIC Jamaat Ansarullah", "SYNTHETIC Military Forces of Tajikistan",
    "SYNTHETIC Military Forces of Iran", "SYNTHETIC Unidentified Armed Group",
    "SYNTHETIC Civilians", "SYNTHETIC Police Forces",
)
# Weight of each country in the sample (the borderlands dominate, as in the real data).
COUNTRY_WEIGHT = {"Afghanistan": 0.45, "Pakistan": 0.3, "Tajikistan": 0.06, "Iran": 0.06,
                  "Uzbekistan": 0.04, "Turkmenistan": 0.03, "Kyrgyzstan": 0.03,
                  "Kazakhstan": 0.03}


def _points_in(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    out = np.empty((0, 2))
    while len(out) < n:
        k = max(64, 2 * (n - len(out)))
        xy = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        out = np.vstack([out, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    return out[:n]


def synthesize(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` synthetic incidents in the native layout (strings and numbers)."""
    rng = np.random.default_rng(seed)
    provinces = boundaries.load_provinces()
    weight = provinces["country"].map(COUNTRY_WEIGHT).to_numpy()
    weight = weight / provinces.groupby("country")["name"].transform("size").to_numpy()
    weight = weight / weight.sum()
    which = rng.choice(len(provinces), size=rows, p=weight)
    lat = np.empty(rows)
    lon = np.empty(rows)
    for i in np.unique(which):
        idx = np.flatnonzero(which == i)
        xy = _points_in(provinces.geometry.iloc[i], len(idx), rng)
        lon[idx], lat[idx] = xy[:, 0], xy[:, 1]
    types = list(EVENT_TYPES)
    t = rng.choice(len(types), size=rows, p=[0.35, 0.3, 0.15, 0.08, 0.04, 0.08])
    event_type = np.array(types, dtype=object)[t]
    sub = np.array([EVENT_TYPES[et][rng.integers(len(EVENT_TYPES[et]))] for et in types],
                   dtype=object)[t]
    start = np.datetime64("2015-01-01")
    days = rng.integers(0, 365 * 11, size=rows)
    fatalities = np.where(rng.random(rows) < 0.55, 0, rng.geometric(0.25, size=rows))
    a1 = rng.integers(len(ACTORS), size=rows)
    a2 = (a1 + 1 + rng.integers(len(ACTORS) - 1, size=rows)) % len(ACTORS)
    # A few thousand distinct place names, and notes of a realistic length (~150
    # characters) that differ from row to row, as real notes do.
    places = pd.Series(rng.integers(PLACES, size=rows)).map("SYNTHETIC place {:04d}".format)
    notes = ("SYNTHETIC incident: " + pd.Series(sub, dtype="string") + " involving "
             + pd.Series(np.array(ACTORS, dtype=object)[a1], dtype="string").str[10:]
             + " near " + places.astype("string") + ", "
             + pd.Series(provinces["name"].to_numpy()[which], dtype="string")
             + "; generated for tests and benchmarks, not a real event.")
    df = pd.DataFrame({
        "event_id": [f"SYN-{seed}-{i:07d}" for i in range(rows)],
        "event_date": pd.to_datetime(start + days.astype("timedelta64[D]")).strftime("%Y-%m-%d"),
        "time_precision": rng.choice([1, 2, 3], size=rows, p=[0.8, 0.15, 0.05]),
        "event_type": event_type,
        "sub_event_type": sub,
        "actor1": np.array(ACTORS, dtype=object)[a1],
        "actor2": np.array(ACTORS, dtype=object)[a2],
        "country": provinces["country"].to_numpy()[which],
        "admin1": provinces["name"].to_numpy()[which],
        "admin2": "",
        "location": places,
        "latitude": lat.round(4),
        "longitude": lon.round(4),
        "geo_precision": rng.choice([1, 2, 3], size=rows, p=[0.6, 0.3, 0.1]),
        "fatalities": fatalities,
        "source": SOURCE,
        "source_url": "",  # no report: these incidents never happened
        "source_date": "",
        "notes": notes,
    })
    return df.reindex(columns=list(COLUMN_NAMES), fill_value="")


def to_acled(df: pd.DataFrame) -> pd.DataFrame:
    """The same incidents in ACLED's 31-column export layout (dates as "04 September 2023")."""
    n = len(df)
    dates = pd.to_datetime(df["event_date"])
    return pd.DataFrame({
        "event_id_cnty": df["event_id"], "event_date": dates.dt.strftime("%d %B %Y"),
        "year": dates.dt.year, "time_precision": df["time_precision"],
        "disorder_type": "Political violence", "event_type": df["event_type"],
        "sub_event_type": df["sub_event_type"], "actor1": df["actor1"], "assoc_actor_1": "",
        "inter1": "State forces", "actor2": df["actor2"], "assoc_actor_2": "",
        "inter2": "Rebel group", "interaction": "State forces-Rebel group",
        "civilian_targeting": "", "iso": 0, "region": "Caucasus and Central Asia",
        "country": df["country"], "admin1": df["admin1"], "admin2": df["admin2"],
        "admin3": "", "location": df["location"], "latitude": df["latitude"],
        "longitude": df["longitude"], "geo_precision": df["geo_precision"],
        "source": df["source"], "source_scale": "Other", "notes": df["notes"],
        "fatalities": df["fatalities"], "tags": "", "timestamp": [1_700_000_000] * n,
    })
