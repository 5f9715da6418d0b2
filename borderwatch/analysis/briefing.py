"""Headline figures and the plain-language summary of a filtered view. Every figure is
computed from the data given; nothing here knows any incident.

An unknown toll is not zero: fatalities are the sum of the tolls reported, a lower bound
whenever some are unknown, and the text says for how many incidents they are unknown. A
comparison with the previous period is made only when the data cover that period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from borderwatch.analysis import filters as flt
from borderwatch.analysis.aggregate import known_fatalities, top_actors, unknown_tolls

NEAR_BORDER_KM = 10


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included."""

    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        """Its length in days."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)


@dataclass(frozen=True)
class Counts:
    """Incidents of a view, the sum of their known tolls, and how many tolls are unknown."""

    incidents: int
    fatalities: int  # a lower bound when unknown > 0
    unknown: int
    synthetic: int = 0

    @classmethod
    def of(cls, df: pd.DataFrame) -> Counts:
        """The counts of a frame of incidents."""
        synthetic = int((df["dataset"] == "synthetic").sum()) if "dataset" in df else 0
        return cls(len(df), known_fatalities(df), unknown_tolls(df), synthetic)

    def fatalities_text(self) -> str:
        """The toll in words: "46", "at least 46", "0 known" or "unknown"."""
        if self.incidents and self.unknown == self.incidents:
            return "unknown"
        if self.unknown:
            return f"at least {self.fatalities:,}" if self.fatalities else "0 known"
        return f"{self.fatalities:,}"

    def unknown_text(self) -> str | None:
        """E.g. "tolls unknown for 3 of 17 incidents", or None if every toll is known."""
        if not self.unknown:
            return None
        if self.unknown == self.incidents:
            return f"tolls unknown for all {_n(self.incidents, 'incident', 'incidents')}"
        return f"tolls unknown for {self.unknown:,} of {self.incidents:,} incidents"


@dataclass(frozen=True)
class Headline:
    """The headline figures of a view, and of the period before it when the data cover it."""

    period: Period | None
    now: Counts
    before: Counts | None  # None: no comparable previous period (see ``no_comparison``)
    data_start: dt.date | None  # the earliest incident in the data

    @property
    def no_comparison(self) -> str | None:
        """Why there is no comparison with the previous period, in words."""
        if self.before is not None or self.period is None:
            return None
        start = f"{self.data_start:%d %b %Y}" if self.data_start else "the first incident"
        return f"no data before {start}"


def view_period(full: pd.DataFrame, f: flt.Filters) -> Period | None:
    """The period a view covers: its date filters, else the span of all the data."""
    if full.empty and (f.start is None or f.end is None):
        return None
    start = f.start or full["event_date"].min().date()
    end = f.end or full["event_date"].max().date()
    return Period(start, end)


def headline(full: pd.DataFrame, f: flt.Filters, view: pd.DataFrame | None = None
             ) -> Headline:
    """The view's counts and, if the data reach back over the whole previous period of
    equal length, that period's counts under the same filters.

    Parameters
    ----------
    full : pandas.DataFrame
        Every incident.
    f : Filters
        The view's filters.
    view : pandas.DataFrame, optional
        ``f`` applied to ``full``, if already at hand.

    Returns
    -------
    Headline
        ``before`` is None when the previous period starts before the data do.
    """
    view = flt.apply(full, f) if view is None else view
    period = view_period(full, f)
    data_start = full["event_date"].min().date() if len(full) else None
    if period is None:
        return Headline(None, Counts.of(view), None, data_start)
    prev = period.previous()
    if data_start is None or prev.start < data_start:
        return Headline(period, Counts.of(view), None, data_start)
    before = flt.apply(full, replace(f, start=prev.start, end=prev.end))
    return Headline(period, Counts.of(view), Counts.of(before), data_start)


def _date(d: dt.date, with_year: bool = True) -> str:
    return f"{d.day} {d:%B}" + (f" {d.year}" if with_year else "")


def _period_words(p: Period) -> str:
    if p.start == p.end:
        return f"On {_date(p.start)}"
    return f"From {_date(p.start, p.start.year != p.end.year)} to {_date(p.end)}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _places(df: pd.DataFrame) -> str:
    provinces = sorted(df["admin1"].dropna().unique())
    if 0 < len(provinces) <= 3:
        return "in " + _join(provinces)
    countries = sorted(df["country"].dropna().unique())
    if 0 < len(countries) <= 3:
        return "in " + _join(countries)
    return f"across {len(countries)} countries"


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _killed(c: Counts) -> str:
    if c.unknown == c.incidents:
        return "with no reported toll"
    if not c.fatalities:
        return ("caused no reported deaths" if not c.unknown
                else "caused no deaths where the toll is known")
    return f"killed {c.fatalities_text()} {'person' if c.fatalities == 1 else 'people'}"


def summary(full: pd.DataFrame, f: flt.Filters, view: pd.DataFrame | None = None) -> str:
    """One paragraph saying what the filtered view holds, every figure computed (the
    arguments are ``headline``'s).

    Returns
    -------
    str
        E.g. "From 1 June to 30 September 2023, 9 incidents in Khost and Paktika killed at
        least 46 people; tolls unknown for 3 of 9 incidents; ...". A view with synthetic
        rows says so first.
    """
    view = flt.apply(full, f) if view is None else view
    period = view_period(full, f)
    opening = _period_words(period) if period else "In the data"
    if view.empty:
        return f"{opening}, no incidents match the filters."
    c = Counts.of(view)
    verb = "incident" if len(view) == 1 else "incidents"
    parts = [f"{opening}, {len(view):,} {verb} {_places(view)} {_killed(c)}"]
    if c.unknown and c.unknown < c.incidents:
        parts.append(str(c.unknown_text()))
    top = top_actors(view, 1)
    if len(top) and len(view) > 1:
        parts.append(f"{top.iloc[0]:,} involved {top.index[0]}")
    if "border_km" in view:
        near = int((view["border_km"] <= NEAR_BORDER_KM).sum())
        parts.append(f"{near:,} {'was' if near == 1 else 'were'} within {NEAR_BORDER_KM} km "
                     "of an Afghan border")
    text = "; ".join(parts) + "."
    if c.synthetic:
        text = (f"SYNTHETIC DATA: {c.synthetic:,} of these {len(view):,} incidents are "
                f"synthetic test data, not real events. {text}")
    return text


def change(now: int, before: int | None, days: int | None = None) -> str | None:
    """The change against the previous period, in words for a metric's delta (None when
    there is no comparable previous period)."""
    if before is None:
        return None
    diff = now - before
    span = f"previous {days:,} days" if days else "previous period"
    if before == 0:
        return f"{diff:+,} vs {span} (0 then)"
    return f"{diff:+,} ({diff / before:+.0%}) vs {span}"
