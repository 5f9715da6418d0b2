"""Which incidents a view holds: the filters every page shares, applied in memory, and
described in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from borderwatch.data import actors, shared_text
from borderwatch.data.dates import parse_date
from borderwatch.data.schema import EVENT_TYPES

MAX_TEXT = 200  # longest search text
EARLIEST = dt.date(1990, 1, 1)  # the first date the From and To fields take
LATEST = dt.date(2100, 1, 1)  # ... and the last


@dataclass(frozen=True)
class Filters:
    """The filters of a view; all of them combine with AND. Defaults keep everything."""

    start: dt.date | None = None
    end: dt.date | None = None
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sub_event_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()  # dataset keys: "curated", "synthetic", "batch-12"...
    min_fatalities: int = 0
    include_unknown: bool = False  # with min_fatalities: keep incidents whose toll is unknown
    text: str = ""
    max_border_km: float | None = None  # distance to the nearest Afghan border

    def is_default(self) -> bool:
        """Whether no filter is set."""
        return self == Filters()


# Each list filter: its label, and its plural, in words and notices.
LIST_FILTERS: dict[str, tuple[str, str]] = {
    "actors": ("Actor", "actors"),
    "event_types": ("Event type", "event types"),
    "sub_event_types": ("Sub-event type", "sub-event types"),
    "countries": ("Country", "countries"),
    "provinces": ("Province", "provinces"),
    "datasets": ("Dataset", "datasets"),
}


def _values(df: pd.DataFrame, *cols: str) -> frozenset[str]:
    return frozenset(v for c in cols for v in df[c].dropna().unique().tolist())


def _datasets(df: pd.DataFrame) -> dict[str, Any]:
    """The datasets present (from ``data.table``'s dataset columns), if the frame has them."""
    if "dataset_key" not in df:
        return {}
    pairs = df[["dataset_key", "dataset_label"]].drop_duplicates()
    labels = tuple(sorted(zip(pairs["dataset_key"].astype(str),
                              pairs["dataset_label"].astype(str), strict=True)))
    return {"datasets": frozenset(k for k, _ in labels), "dataset_labels": labels}


@dataclass(frozen=True)
class Vocabulary:
    """The values the data holds: the options of the list filters, and what a link's
    values are checked against."""

    actors: frozenset[str] = field(default_factory=frozenset)
    event_types: frozenset[str] = field(default_factory=frozenset)
    sub_event_types: frozenset[str] = field(default_factory=frozenset)
    countries: frozenset[str] = field(default_factory=frozenset)
    provinces: frozenset[str] = field(default_factory=frozenset)
    province_countries: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    datasets: frozenset[str] = field(default_factory=frozenset)
    dataset_labels: tuple[tuple[str, str], ...] = ()  # (key, name for users)
    first: dt.date | None = None  # the earliest incident's date
    last: dt.date | None = None  # the latest incident's date

    # The columns ``of`` reads (those of them a frame has).
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "admin1", "country", "event_date", "actor1", "actor2", "actor1_canonical",
        "actor2_canonical", "event_type", "sub_event_type", "dataset_key", "dataset_label")

    @classmethod
    def of(cls, df: pd.DataFrame) -> Vocabulary:
        """The vocabulary of a frame of incidents.

        Parameters
        ----------
        df : pandas.DataFrame
            Typed incidents.

        Returns
        -------
        Vocabulary
            Every distinct value of each filtered column.
        """
        pairs = df[["admin1", "country"]].dropna().drop_duplicates()
        dates = df["event_date"]
        actor_cols = (("actor1_canonical", "actor2_canonical") if "actor1_canonical" in df
                      else ("actor1", "actor2"))
        return cls(first=dates.min().date() if len(df) else None,
                   last=dates.max().date() if len(df) else None,
                   actors=_values(df, *actor_cols),
                   event_types=_values(df, "event_type"),
                   sub_event_types=_values(df, "sub_event_type"),
                   countries=_values(df, "country"), provinces=_values(df, "admin1"),
                   province_countries=frozenset(zip(pairs["admin1"].astype(str),
                                                    pairs["country"].astype(str),
                                                    strict=True)),
                   **_datasets(df))

    def dataset_label(self, key: str) -> str:
        """The name users see for a dataset key (the key itself if unknown)."""
        return dict(self.dataset_labels).get(key, key)

    def sub_event_types_for(self, event_types: Iterable[str]) -> frozenset[str]:
        """The sub-event types to offer once event types are chosen (all, if none are)."""
        chosen = set(event_types)
        if not chosen:
            return self.sub_event_types
        allowed = {s for t in chosen for s in EVENT_TYPES.get(t, ())}
        return frozenset(s for s in self.sub_event_types if s in allowed)

    def provinces_for(self, countries: Iterable[str]) -> frozenset[str]:
        """The provinces to offer once countries are chosen (all, if none are)."""
        chosen = set(countries)
        if not chosen:
            return self.provinces
        return frozenset(p for p, c in self.province_countries if c in chosen)


# What the text search reads: the description, the places and the sources.
SEARCHED = ("notes", "location", "admin2", "admin1", "country", "source")


def _contains(values: pd.Series, needle: str) -> np.ndarray:
    """Where ``values`` contain ``needle``, ignoring case. A categorical column is
    searched once per distinct value, not once per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories.astype("string")
        hits = np.flatnonzero(cats.str.contains(needle, case=False, regex=False).fillna(False))
        return np.isin(values.cat.codes.to_numpy(), hits)
    if shared_text.is_shared(values):  # each referenced text once, then by reference
        found = []
        for chunk in values.array.__arrow_array__().chunks:
            hits = pc.match_substring(chunk.dictionary, needle, ignore_case=True)
            found.append(pc.fill_null(pc.take(hits, chunk.indices), False))
        return np.concatenate([np.asarray(f, dtype=bool) for f in found]) if found else (
            np.zeros(0, dtype=bool))
    return values.str.contains(needle, case=False, regex=False).fillna(False).to_numpy(bool)


_LIST_COLUMNS = (("event_types", "event_type"), ("sub_event_types", "sub_event_type"),
                 ("countries", "country"), ("provinces", "admin1"),
                 ("datasets", "dataset_key"))


def _date_mask(df: pd.DataFrame, f: Filters) -> np.ndarray:
    mask = np.ones(len(df), dtype=bool)
    if f.start is not None:
        mask &= (df["event_date"] >= pd.Timestamp(f.start)).to_numpy()
    if f.end is not None:
        mask &= (df["event_date"] < pd.Timestamp(f.end) + pd.Timedelta(days=1)).to_numpy()
    return mask


def actor_columns(df: pd.DataFrame) -> tuple[str, str]:
    """The actor columns to count and filter on: canonical names where the frame has them."""
    if "actor1_canonical" in df:
        return "actor1_canonical", "actor2_canonical"
    return "actor1", "actor2"


def _text_mask(df: pd.DataFrame, text: str) -> np.ndarray:
    found = np.zeros(len(df), dtype=bool)
    for col in SEARCHED:
        found |= _contains(df[col], text)
    # An actor's other names find it too ("IS-K" finds ISKP).
    named = sorted(actors.matching(text))
    if named:
        a1, a2 = actor_columns(df)
        found |= (df[a1].isin(named) | df[a2].isin(named)).to_numpy(bool)
    return found


def apply(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The incidents that match every filter.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents (shared and read-only: never modified).
    f : Filters
        The filters.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself when nothing is filtered out (no copy), else the matching rows.
    """
    mask = _date_mask(df, f)
    if f.actors:  # canonical names (data.actors) where the frame has them
        a1, a2 = actor_columns(df)
        chosen = list(f.actors)
        mask &= (df[a1].isin(chosen) | df[a2].isin(chosen)).to_numpy()
    for name, col in _LIST_COLUMNS:
        chosen = getattr(f, name)
        if chosen and col in df:
            mask &= df[col].isin(list(chosen)).to_numpy()
    if f.min_fatalities > 0:
        # An unknown toll is not zero: it meets the minimum only if the user says so.
        mask &= (df["fatalities"] >= f.min_fatalities).fillna(f.include_unknown).to_numpy(bool)
    if f.max_border_km is not None and "border_km" in df:
        mask &= (df["border_km"] <= f.max_border_km).fillna(False).to_numpy()
    if f.text.strip():
        mask &= _text_mask(df, f.text.strip())
    return df if mask.all() else shared_text.rows(df, mask)


def newest(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` most recent incidents, newest first, without sorting them all.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents.
    n : int
        How many.

    Returns
    -------
    pandas.DataFrame
        At most ``n`` rows, newest first.
    """
    if len(df) > n:
        dates = df["event_date"].to_numpy().astype("int64")
        df = df.iloc[np.argpartition(-dates, n - 1)[:n]]
    return df.sort_values("event_date", ascending=False, kind="stable")


def describe(f: Filters) -> str:
    """The filters in words, for captions, presentation mode and file names.

    Parameters
    ----------
    f : Filters
        The filters.

    Returns
    -------
    str
        E.g. "from 2023-01-01 to the latest; country: Tajikistan", or "all incidents".
    """
    parts = []
    if f.start or f.end:
        a = f.start.isoformat() if f.start else "the first incident"
        b = f.end.isoformat() if f.end else "the latest"
        parts.append(f"from {a} to {b}")
    for name, (label, plural) in LIST_FILTERS.items():
        values = getattr(f, name)
        if values:
            noun = plural if len(values) > 1 else label.lower()
            parts.append(f"{noun}: " + ", ".join(values))
    if f.min_fatalities:
        noun = "fatality" if f.min_fatalities == 1 else "fatalities"
        unknown = "or toll unknown" if f.include_unknown else "toll known"
        parts.append(f"at least {f.min_fatalities} {noun} ({unknown})")
    if f.max_border_km is not None:
        parts.append(f"within {f.max_border_km:g} km of an Afghan border")
    if f.text:
        parts.append(f"mentioning “{f.text}”")
    return "; ".join(parts) if parts else "all incidents"


DATE_LABELS = {"start": "From", "end": "To"}


def with_date(f: Filters, name: str, text: str) -> Filters:
    """The filters with From (``"start"``) or To (``"end"``) set to a typed date.

    Parameters
    ----------
    f : Filters
        The filters now.
    name : {"start", "end"}
        Which bound.
    text : str
        What was typed or pasted: a date as YYYY-MM-DD, or nothing for no bound (from the
        first incident, or to the latest).

    Returns
    -------
    Filters
        ``f`` with that bound set; nothing else changes.

    Raises
    ------
    ValueError
        If ``text`` is not a real date, lies outside 1990-01-01 to 2100-01-01, or would put
        From after To; the message says which, in words for the person who typed it.
    """
    if name not in DATE_LABELS:
        raise KeyError(name)
    value = parse_date(text) if text.strip() else None
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValueError(f"{value} is outside the dates this dashboard takes "
                         f"({EARLIEST} to {LATEST})")
    start, end = (value, f.end) if name == "start" else (f.start, value)
    if start is not None and end is not None and start > end:
        other = "To" if name == "start" else "From"
        order = "after" if name == "start" else "before"
        theirs = end if name == "start" else start
        raise ValueError(f"{value} is {order} {other} ({theirs}): change {other} first")
    return replace(f, start=start, end=end)


# The quick date ranges, each ending on the latest incident in the data.
QUICK_RANGES: dict[str, str] = {"30d": "Last 30 days", "90d": "Last 90 days",
                                "12m": "Last 12 months", "year": "This year", "all": "All"}


def quick_range(key: str, latest: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The From and To of a quick range, counted back from ``latest``.

    Parameters
    ----------
    key : str
        One of ``QUICK_RANGES``.
    latest : datetime.date
        The day the range ends on: the latest incident in the data (so a record that ends
        in the past still shows its last weeks), or today when there is none.

    Returns
    -------
    tuple of (date or None, date or None)
        From and To, both inclusive; ``(None, None)`` for "all". "Last 30 days" is the 30
        days ending on ``latest``; "last 12 months" starts the day after the same date a
        year before; "this year" starts on 1 January of ``latest``'s year.
    """
    if key == "all":
        return None, None
    if key in ("30d", "90d"):
        return latest - dt.timedelta(days=int(key[:-1]) - 1), latest
    if key == "12m":
        year_before = (pd.Timestamp(latest) - pd.DateOffset(years=1)).date()
        return year_before + dt.timedelta(days=1), latest
    if key == "year":
        return dt.date(latest.year, 1, 1), latest
    raise KeyError(key)


def matching_range(f: Filters, latest: dt.date) -> str | None:
    """The quick range the filters' From and To are exactly, if any (to show it chosen)."""
    for key in QUICK_RANGES:
        if quick_range(key, latest) == (f.start, f.end):
            return key
    return None
