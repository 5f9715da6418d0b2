"""Trend charts (plotly), in the same event-type colours as the map."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from borderwatch.analysis.aggregate import (
    fatalities_over_time,
    incidents_over_time,
    top_actors,
    top_provinces,
)
from borderwatch.data.schema import OTHER_COLOUR, colour_for

LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10),
              font=dict(size=14), legend=dict(orientation="h", y=-0.15))

EMPTY = "No incidents in this view"
MIN_PERIODS = 12  # an over-time chart spans at least this many periods, so bars stay narrow
BAR_SHARE = 0.8  # of its period a bar fills


@dataclass(frozen=True)
class PeriodAxis:
    """How one kind of period is drawn on a time axis."""

    step: pd.DateOffset  # from one period's first day to the next's
    hover: str  # the hover label of a period
    label: str  # a tick's label
    multiples: tuple[int, ...]  # tick every so many periods (the fewest that fit)
    max_ticks: int  # at most this many labels fit across a half-width chart


PERIOD_AXES: dict[str, PeriodAxis] = {
    "week": PeriodAxis(pd.DateOffset(weeks=1), "week of %d %b %Y", "%d %b %Y",
                       (1, 2, 4, 8, 13, 26, 52, 104, 260, 520), 6),
    "month": PeriodAxis(pd.DateOffset(months=1), "%b %Y", "%b %Y",
                        (1, 2, 3, 6, 12, 24, 60, 120, 240), 8),
}


def nice_step(top: float, ticks: int = 5) -> int:
    """The whole-number step of a counts axis from 0 to ``top``: 1, 2 or 5 times a power
    of ten, so that ticks read 0/50/100/150, not 0/37/74/111.

    Parameters
    ----------
    top : float
        The largest value on the axis.
    ticks : int
        At most about this many steps up to ``top``.

    Returns
    -------
    int
        The step, at least 1.
    """
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _counts_axis(update: Callable[..., Any], top: float) -> None:
    """Whole-number ticks from zero, about five steps of 1, 2 or 5 × 10ⁿ."""
    step = nice_step(top)
    upper = step * max(1, math.ceil(top / step))
    update(tickformat=",d", rangemode="tozero", tick0=0, dtick=step, range=[0, upper * 1.04])


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, **LAYOUT)
    fig.add_annotation(text=EMPTY, showarrow=False,
                       x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=16))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def period_ticks(first: pd.Timestamp, last: pd.Timestamp, period: str,
                 anchor: pd.Timestamp | None = None) -> tuple[list[pd.Timestamp], list[str]]:
    """The ticks of a time axis showing the periods from ``first`` to ``last``: each on a
    period's first day, every so many periods, and each label different.

    Parameters
    ----------
    first, last : pandas.Timestamp
        The first days of the first and last periods shown.
    period : {"week", "month"}
        The period of the bars.
    anchor : pandas.Timestamp, optional
        A period that gets a tick (the first with data, so a lone bar is labelled);
        ticks every 3, 6 or 12 months fall on quarters, half-years or years instead.

    Returns
    -------
    tuple of (list of Timestamp, list of str)
        The tick positions and their labels (years alone when ticks are whole years).
    """
    axis = PERIOD_AXES[period]
    days = pd.date_range(first, last, freq=axis.step)
    every = next((k for k in axis.multiples if len(days) / k <= axis.max_ticks),
                 axis.multiples[-1])
    if period == "month":
        number = days.year * 12 + days.month - 1
        at = 0 if every % 3 == 0 or anchor is None else anchor.year * 12 + anchor.month - 1
    else:
        number = (days - days[0]).days // 7
        at = 0 if anchor is None else (anchor - days[0]).days // 7
    days = days[((number - at) % every) == 0]
    label = "%Y" if period == "month" and every % 12 == 0 else axis.label
    return list(days), [d.strftime(label) for d in days]


def _time_axis(fig: go.Figure, periods: pd.DatetimeIndex, period: str) -> None:
    """Bars one period wide (``BAR_SHARE`` of it), centred on each period's first day, on an
    axis of at least ``MIN_PERIODS`` periods, with a unique label on each tick."""
    axis = PERIOD_AXES[period]
    widths = [BAR_SHARE * ((d + axis.step) - d).total_seconds() * 1000 for d in periods]
    fig.update_traces(selector=dict(type="bar"), width=widths)
    missing = max(0, MIN_PERIODS - len(periods))
    first = periods[0] - axis.step * (missing // 2)
    last = periods[-1] + axis.step * (missing - missing // 2)
    half_before = (first - (first - axis.step)) / 2
    half_after = ((last + axis.step) - last) / 2
    values, labels = period_ticks(first, last, period, anchor=periods[0])
    fig.update_xaxes(type="date", range=[first - half_before, last + half_after],
                     tickmode="array", tickvals=values, ticktext=labels)


def _over_time(fig: go.Figure, title: str, y_title: str, top: float, periods: pd.DatetimeIndex,
               period: str, **layout: Any) -> go.Figure:
    """The layout every over-time chart shares: title, counts axis, period date ticks."""
    fig.update_layout(title=title, yaxis_title=y_title, **layout, **LAYOUT)
    _counts_axis(lambda **kw: fig.update_layout(yaxis=kw), top)  # not the unknown-toll axis
    _time_axis(fig, periods, period)
    return fig


def timeline_figure(df: pd.DataFrame, period: str = "month") -> go.Figure:
    """Incidents per period, stacked by event type; a period with none is a real zero.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents.
    period : {"week", "month"}
        The bars' period.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart, titled; with no incidents, the title and a note saying so.
    """
    title = f"Incidents per {period}, by event type"
    counts = incidents_over_time(df, period)
    if counts.empty:
        return _empty(title)
    hover = PERIOD_AXES[period].hover
    fig = go.Figure()
    for t in counts.columns:
        fig.add_bar(x=counts.index, y=counts[t], name=html.escape(str(t)),
                    marker_color=colour_for(str(t)),
                    hovertemplate=f"%{{x|{hover}}}: %{{y}}<extra>%{{fullData.name}}</extra>")
    return _over_time(fig, title, "Incidents", int(counts.sum(axis=1).max()), counts.index,
                      period, barmode="stack", legend_traceorder="normal")


def fatalities_figure(df: pd.DataFrame, period: str = "month") -> go.Figure:
    """Known fatalities per period as bars and, where tolls are unknown, how many incidents
    had no reported toll (× markers on their own axis): an unknown toll is not a zero.

    A period with no incidents has a bar of 0 (none happened); a period whose every
    incident has an unknown toll has no bar (its toll is not known to be 0), only its ×.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents.
    period : {"week", "month"}
        The bars' period.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart, titled; with no incidents, the title and a note saying so.
    """
    title = f"Reported fatalities per {period}"
    s = fatalities_over_time(df, period)
    if s.empty:
        return _empty(title)
    incidents = incidents_over_time(df, period).sum(axis=1).reindex(s.index, fill_value=0)
    all_unknown = (s["unknown"] > 0) & (s["unknown"] == incidents)
    known = s["fatalities"].astype("float64").mask(all_unknown)
    hover = PERIOD_AXES[period].hover
    fig = go.Figure(go.Bar(x=s.index, y=known, marker_color="#444",
                           name="Fatalities (known tolls)",
                           hovertemplate=f"%{{x|{hover}}}: %{{y}}<extra></extra>"))
    if s["unknown"].any():
        unknown = s["unknown"].where(s["unknown"] > 0)
        fig.add_scatter(x=s.index, y=unknown, yaxis="y2", mode="markers",
                        name="Incidents with unknown toll (right axis)",
                        marker=dict(symbol="x-thin-open", size=11, color="#D55E00",
                                    line=dict(width=2, color="#D55E00")),
                        hovertemplate=f"%{{x|{hover}}}: %{{y}} with unknown toll"
                                      "<extra></extra>")
        fig.update_layout(yaxis2=dict(overlaying="y", side="right", showgrid=False,
                                      title="Unknown tolls"))
        _counts_axis(lambda **kw: fig.update_layout(yaxis2=kw), int(s["unknown"].max()))
    return _over_time(fig, title, "Fatalities", int(s["fatalities"].max()), s.index, period)


def _hbar(s: pd.Series, title: str, colour: str) -> go.Figure:
    if s.empty:
        return _empty(title)
    s = s.iloc[::-1]
    # plotly reads a few HTML tags in labels: escape, so file contents show as typed.
    labels = [html.escape(str(v)) for v in s.index]
    fig = go.Figure(go.Bar(x=s.values, y=labels, orientation="h",
                           marker_color=colour, hovertemplate="%{y}: %{x}<extra></extra>"))
    _counts_axis(fig.update_xaxes, int(s.max()))
    fig.update_layout(title=title, xaxis_title="Incidents",
                      height=max(300, 60 + 32 * len(s)), **LAYOUT)
    return fig


def actors_figure(df: pd.DataFrame, n: int = 10) -> go.Figure:
    return _hbar(top_actors(df, n), f"Top {n} actors (either side)", OTHER_COLOUR)


def provinces_figure(df: pd.DataFrame, n: int = 10) -> go.Figure:
    return _hbar(top_provinces(df, n), f"Top {n} provinces", "#0072B2")
