"""The filters every page shares, their application, and their form in the URL.

A view is ``Filters`` (which incidents) plus ``Display`` (how they are drawn). Both
round-trip through query parameters: ``to_params`` writes them, ``from_params`` reads
them back and turns anything malformed or stale into a ``notice`` and a default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd

MAP_MODES: dict[str, str] = {
    "auto": "Automatic",
    "points": "Points",
    "clusters": "Clusters",
    "heat": "Heat map",
    "grid": "Grid: incidents per cell",
    "choropleth-incidents": "Provinces: incidents",
    "choropleth-fatalities": "Provinces: fatalities",
    "playback": "Playback over time",
}
BASEMAPS: dict[str, str] = {
    "none": "Boundaries only (offline)",
    "osm": "OpenStreetMap (needs internet)",
}
PERIODS: dict[str, str] = {"week": "Week", "month": "Month"}
PRESENT: dict[str, str] = {"0": "Off", "1": "On"}


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sub_event_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    min_fatalities: int = 0
    text: str = ""
    max_border_km: float | None = None  # distance to the nearest Afghan border

    def is_default(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class Display:
    mode: str = "auto"
    basemap: str = "none"
    period: str = "month"
    present: str = "0"  # presentation mode: "1" hides the controls


@dataclass(frozen=True)
class Vocabulary:
    """The values the data holds, against which a URL is checked."""

    actors: frozenset[str] = field(default_factory=frozenset)
    event_types: frozenset[str] = field(default_factory=frozenset)
    sub_event_types: frozenset[str] = field(default_factory=frozenset)
    countries: frozenset[str] = field(default_factory=frozenset)
    provinces: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, df: pd.DataFrame) -> Vocabulary:
        def values(*cols: str) -> frozenset[str]:
            return frozenset(v for c in cols for v in df[c].dropna().unique().tolist())

        return cls(actors=values("actor1", "actor2"), event_types=values("event_type"),
                   sub_event_types=values("sub_event_type"), countries=values("country"),
                   provinces=values("admin1"))


# URL parameter of each list filter, and its label in notices.
LIST_PARAMS: dict[str, tuple[str, str]] = {
    "actors": ("actor", "Actor"),
    "event_types": ("type", "Event type"),
    "sub_event_types": ("subtype", "Sub-event type"),
    "countries": ("country", "Country"),
    "provinces": ("province", "Province"),
}
PLURALS = {"actors": "actors", "event_types": "event types",
           "sub_event_types": "sub-event types", "countries": "countries",
           "provinces": "provinces"}
MAX_TEXT = 200


def apply(df: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The incidents that match every filter (all filters combine with AND)."""
    mask = np.ones(len(df), dtype=bool)
    if f.start is not None:
        mask &= (df["event_date"] >= pd.Timestamp(f.start)).to_numpy()
    if f.end is not None:
        mask &= (df["event_date"] < pd.Timestamp(f.end) + pd.Timedelta(days=1)).to_numpy()
    if f.actors:
        actors = list(f.actors)
        mask &= (df["actor1"].isin(actors) | df["actor2"].isin(actors)).to_numpy()
    for name, col in (("event_types", "event_type"), ("sub_event_types", "sub_event_type"),
                      ("countries", "country"), ("provinces", "admin1")):
        chosen = getattr(f, name)
        if chosen:
            mask &= df[col].isin(list(chosen)).to_numpy()
    if f.min_fatalities > 0:
        mask &= (df["fatalities"].fillna(0) >= f.min_fatalities).to_numpy()
    if f.max_border_km is not None and "border_km" in df:
        mask &= (df["border_km"] <= f.max_border_km).fillna(False).to_numpy()
    if f.text.strip():
        needle = f.text.strip()
        found = np.zeros(len(df), dtype=bool)
        for col in SEARCHED:
            found |= _contains(df[col], needle)
        mask &= found
    return df if mask.all() else df[mask]


def newest(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` most recent incidents, newest first, without sorting them all."""
    if len(df) > n:
        dates = df["event_date"].to_numpy().astype("int64")
        df = df.iloc[np.argpartition(-dates, n - 1)[:n]]
    return df.sort_values("event_date", ascending=False, kind="stable")


SEARCHED = ("notes", "location", "admin2", "admin1", "country")  # what the text search reads


def _contains(values: pd.Series, needle: str) -> np.ndarray:
    """Where ``values`` contain ``needle``, ignoring case. A categorical column is
    searched once per distinct value, not once per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories.astype("string")
        hits = np.flatnonzero(cats.str.contains(needle, case=False, regex=False).fillna(False))
        return np.isin(values.cat.codes.to_numpy(), hits)
    return values.str.contains(needle, case=False, regex=False).fillna(False).to_numpy(bool)


def to_params(f: Filters, d: Display) -> dict[str, str | list[str]]:
    """Query parameters for a view; defaults are left out, so links stay short."""
    out: dict[str, str | list[str]] = {}
    if f.start is not None:
        out["from"] = f.start.isoformat()
    if f.end is not None:
        out["to"] = f.end.isoformat()
    for name, (param, _label) in LIST_PARAMS.items():
        values = getattr(f, name)
        if values:
            out[param] = list(values)
    if f.min_fatalities:
        out["minfat"] = str(f.min_fatalities)
    if f.text:
        out["q"] = f.text
    if f.max_border_km is not None:
        out["border"] = f"{f.max_border_km:g}"
    default = Display()
    for fd in fields(Display):
        value = getattr(d, fd.name)
        if value != getattr(default, fd.name):
            out[fd.name] = value
    return out


def from_params(params: Mapping[str, Sequence[str]], vocab: Vocabulary,
                ) -> tuple[Filters, Display, list[str]]:
    """Read a view from query parameters (each a list of values, as repeated keys give).

    Never raises: each malformed, unknown or stale value is dropped, with a notice that
    says which and why, and the rest of the view is kept.
    """
    notices: list[str] = []

    def first(key: str) -> str | None:
        values = params.get(key) or []
        return values[-1] if values else None

    def date_param(key: str, label: str) -> dt.date | None:
        raw = first(key)
        if raw is None or raw == "":
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            notices.append(f"{label} date {raw!r} in the link is not a date (YYYY-MM-DD); "
                           "ignored.")
            return None

    start = date_param("from", "Start")
    end = date_param("to", "End")
    if start and end and start > end:
        notices.append(f"The link's start date {start} is after its end date {end}; "
                       "the date range was reset.")
        start = end = None

    lists: dict[str, tuple[str, ...]] = {}
    for name, (param, label) in LIST_PARAMS.items():
        known: frozenset[str] = getattr(vocab, name)
        kept = []
        for value in params.get(param) or []:
            if value in known:
                if value not in kept:
                    kept.append(value)
            else:
                notices.append(f"{label} {value!r} in the link matches no incident in the data; "
                               "ignored.")
        lists[name] = tuple(kept)

    min_fat = 0
    raw = first("minfat")
    if raw not in (None, ""):
        try:
            min_fat = int(str(raw))
            if min_fat < 0:
                raise ValueError
        except ValueError:
            notices.append(f"Minimum fatalities {raw!r} in the link is not a whole number "
                           "≥ 0; ignored.")
            min_fat = 0

    max_border: float | None = None
    raw = first("border")
    if raw not in (None, ""):
        try:
            max_border = float(str(raw))
            if not 0 <= max_border < 100_000:
                raise ValueError
        except ValueError:
            notices.append(f"Border distance {raw!r} in the link is not a number of km ≥ 0; "
                           "ignored.")
            max_border = None

    text = first("q") or ""
    if len(text) > MAX_TEXT:
        notices.append(f"The search text in the link is longer than {MAX_TEXT} characters; "
                       "it was cut.")
        text = text[:MAX_TEXT]

    display = Display()
    for fd, choices in (("mode", MAP_MODES), ("basemap", BASEMAPS), ("period", PERIODS),
                        ("present", PRESENT)):
        choice = first(fd)
        if choice is None:
            continue
        if choice in choices:
            display = replace(display, **{fd: choice})
        else:
            notices.append(f"Unknown {fd} {choice!r} in the link; using "
                           f"{choices[getattr(display, fd)]!r}.")

    known_keys = {"from", "to", "minfat", "q", "border", *(p for p, _ in LIST_PARAMS.values()),
                  *(fd.name for fd in fields(Display))}
    for key in params:
        if key not in known_keys:
            notices.append(f"Unknown link parameter {key!r}; ignored.")

    filters = Filters(start=start, end=end, min_fatalities=min_fat, text=text,
                      max_border_km=max_border, **lists)
    return filters, display, notices


def describe(f: Filters) -> str:
    """The filters in words, for captions, presentation mode and file names."""
    parts = []
    if f.start or f.end:
        a = f.start.isoformat() if f.start else "the first incident"
        b = f.end.isoformat() if f.end else "the latest"
        parts.append(f"from {a} to {b}")
    for name, (_param, label) in LIST_PARAMS.items():
        values = getattr(f, name)
        if values:
            noun = PLURALS[name] if len(values) > 1 else label.lower()
            parts.append(f"{noun}: " + ", ".join(values))
    if f.min_fatalities:
        noun = "fatality" if f.min_fatalities == 1 else "fatalities"
        parts.append(f"at least {f.min_fatalities} {noun}")
    if f.max_border_km is not None:
        parts.append(f"within {f.max_border_km:g} km of an Afghan border")
    if f.text:
        parts.append(f"mentioning “{f.text}”")
    return "; ".join(parts) if parts else "all incidents"
