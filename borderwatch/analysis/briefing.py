"""Headline figures and the plain-language summary of a filtered view. Every figure is
computed from the data given; nothing here knows any incident."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from borderwatch.analysis import filters as flt
from borderwatch.analysis.aggregate import top_actors

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
class Headline:
    """The headline figures of a view, and of the period before it."""

    period: Period | None
    incidents: int
    fatalities: int
    previous_incidents: int | None
    previous_fatalities: int | None


def view_period(full: pd.DataFrame, f: flt.Filters) -> Period | None:
    """The period a view covers: its date filters, else the span of all the data."""
    if full.empty and (f.start is None or f.end is None):
        return None
    start = f.start or full["event_date"].min().date()
    end = f.end or full["event_date"].max().date()
    return Period(start, end)


def fatalities(df: pd.DataFrame) -> int:
    """The sum of the reported fatalities of ``df``."""
    return int(df["fatalities"].fillna(0).sum())


def headline(full: pd.DataFrame, f: flt.Filters, view: pd.DataFrame | None = None
             ) -> Headline:
    """Incidents and fatalities of the view, and of the previous period of equal length
    under the same filters. Pass ``view`` (``f`` applied to ``full``) if already at hand."""
    view = flt.apply(full, f) if view is None else view
    period = view_period(full, f)
    if period is None:
        return Headline(None, len(view), fatalities(view), None, None)
    prev = period.previous()
    before = flt.apply(full, replace(f, start=prev.start, end=prev.end))
    return Headline(period, len(view), fatalities(view), len(before), fatalities(before))


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


def summary(full: pd.DataFrame, f: flt.Filters, view: pd.DataFrame | None = None) -> str:
    """One paragraph saying what the filtered view holds, every figure computed. Pass
    ``view`` (``f`` applied to ``full``) if already at hand."""
    view = flt.apply(full, f) if view is None else view
    period = view_period(full, f)
    opening = _period_words(period) if period else "In the data"
    if view.empty:
        return f"{opening}, no incidents match the filters."
    deaths = fatalities(view)
    killed = (f"killed {_n(deaths, 'person', 'people')}" if deaths
              else "caused no reported deaths")
    verb = "incident" if len(view) == 1 else "incidents"
    parts = [f"{opening}, {len(view):,} {verb} {_places(view)} {killed}"]
    top = top_actors(view, 1)
    if len(top) and len(view) > 1:
        parts.append(f"{top.iloc[0]:,} involved {top.index[0]}")
    if "border_km" in view:
        near = int((view["border_km"] <= NEAR_BORDER_KM).sum())
        parts.append(f"{near:,} {'was' if near == 1 else 'were'} within {NEAR_BORDER_KM} km "
                     "of an Afghan border")
    return "; ".join(parts) + "."


def change(now: int, before: int | None) -> str | None:
    """The change against the previous period, in words for a metric's delta."""
    if before is None:
        return None
    diff = now - before
    if before == 0:
        return f"{diff:+,} vs previous period (none then)"
    return f"{diff:+,} ({diff / before:+.0%}) vs previous period"
