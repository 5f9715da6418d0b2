"""Counts of incidents and fatalities: per period, per actor, per province."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

import pandas as pd

from borderwatch.data.schema import EVENT_COLOURS

FREQ = {"week": "W-MON", "month": "MS"}  # pandas frequency of each period's first day


def type_order(types: pd.Index | list[str]) -> list[str]:
    """Event types in the legend's order: ACLED's six first, then any others A-Z."""
    known = [t for t in EVENT_COLOURS if t in set(types)]
    return known + sorted(set(types) - set(EVENT_COLOURS))


def period_index(dates: pd.Series, period: str) -> pd.Series:
    """The first day of the period each date falls in.

    Parameters
    ----------
    dates : pandas.Series
        Datetimes.
    period : {"week", "month"}
        Weeks start on Monday.

    Returns
    -------
    pandas.Series
        The period's first day, per date.
    """
    if period == "week":
        return (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize()
    return dates.dt.to_period("M").dt.start_time


def incidents_over_time(df: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """Incidents per period and event type.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents.
    period : {"week", "month"}
        The bin.

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last (empty periods included), one
        column per event type in legend order. Empty if ``df`` is.
    """
    if df.empty:
        return pd.DataFrame()
    counts = (df.assign(period=period_index(df["event_date"], period))
              .groupby(["period", "event_type"], observed=True).size().unstack(fill_value=0))
    full = pd.date_range(counts.index.min(), counts.index.max(), freq=FREQ[period])
    return counts.reindex(full, fill_value=0)[type_order(counts.columns)]


def unknown_tolls(df: pd.DataFrame) -> int:
    """How many incidents have no reported toll (unknown, not zero)."""
    return int(df["fatalities"].isna().sum())


def known_fatalities(df: pd.DataFrame) -> int:
    """The sum of the reported tolls: a lower bound when some are unknown."""
    return int(df["fatalities"].sum(min_count=0))


def fatalities_over_time(df: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """Per period, as ``incidents_over_time``: ``fatalities`` (the sum of the known tolls)
    and ``unknown`` (incidents with no reported toll)."""
    if df.empty:
        return pd.DataFrame({"fatalities": pd.Series(dtype="int64"),
                             "unknown": pd.Series(dtype="int64")})
    grouped = df.assign(period=period_index(df["event_date"], period),
                        unknown=df["fatalities"].isna()).groupby("period")
    out = pd.DataFrame({"fatalities": grouped["fatalities"].sum(min_count=0).astype("int64"),
                        "unknown": grouped["unknown"].sum().astype("int64")})
    full = pd.date_range(out.index.min(), out.index.max(), freq=FREQ[period])
    return out.reindex(full, fill_value=0)


def top_actors(df: pd.DataFrame, n: int = 10) -> pd.Series:
    """Incidents per actor, counting either side once per incident.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents.
    n : int
        How many actors.

    Returns
    -------
    pandas.Series
        Counts indexed by actor, largest first.
    """
    a1, a2 = ("actor1_canonical", "actor2_canonical") if "actor1_canonical" in df else (
        "actor1", "actor2")
    first = df[a1].value_counts()
    # The two columns share their categories, so this compares integer codes.
    second = df.loc[(df[a2] != df[a1]).fillna(True).to_numpy(bool), a2].value_counts()
    both = first.add(second, fill_value=0).astype("int64")
    both = both[both > 0]
    both.index = both.index.astype(str)
    return both.sort_values(ascending=False, kind="stable").head(n).rename("count")


def top_provinces(df: pd.DataFrame, n: int = 10) -> pd.Series:
    """The ``n`` provinces with most incidents, labelled "Province, Country"."""
    counts = df.groupby(["admin1", "country"], dropna=False, observed=True).size()
    counts.index = [f"{'(unknown)' if pd.isna(a) else a}, {'?' if pd.isna(c) else c}"
                    for a, c in counts.index]
    return counts.sort_values(ascending=False, kind="stable").head(n).rename("count")


T = TypeVar("T")


class PerFrame(Generic[T]):
    """``fn(df)``, computed once per frame object and kept while the frame lives.

    For the dashboard's frames, which are shared and never modified (a store's incidents,
    its kept filtered views): every new session's first map, and every display change,
    asks for the same totals of the same million rows. Safe only for frames nobody
    modifies after the first call; a frame's entry goes when the frame does.
    """

    def __init__(self, fn: Callable[[pd.DataFrame], T]) -> None:
        self._fn = fn
        self._kept: dict[int, T] = {}
        self._lock = threading.Lock()

    def __call__(self, df: pd.DataFrame) -> T:
        """``fn(df)``: kept from an earlier call with this very frame, else made."""
        key = id(df)
        with self._lock:
            if key in self._kept:
                return self._kept[key]
        out = self._fn(df)
        with self._lock:
            if key not in self._kept:  # (id() is unique while df lives: then it is let go)
                self._kept[key] = out
                weakref.finalize(df, self._kept.pop, key, None)
        return out

    def __len__(self) -> int:
        return len(self._kept)


def province_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Incidents and fatalities per province: columns country, name, incidents, fatalities
    (the sum of the known tolls) and unknown (incidents whose toll is unknown)."""
    grouped = df.assign(unknown=df["fatalities"].isna()).groupby(
        ["country", "admin1"], dropna=True, observed=True)
    return pd.DataFrame({
        "incidents": grouped.size(),
        "fatalities": grouped["fatalities"].sum(min_count=0).astype(int),
        "unknown": grouped["unknown"].sum().astype(int),
    }).reset_index().rename(columns={"admin1": "name"})
