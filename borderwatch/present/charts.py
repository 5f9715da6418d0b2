"""Trend charts (plotly), in the same event-type colours as the map."""

from __future__ import annotations

import html
from collections.abc import Callable
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


DATE_TICKS = {"week": "%d %b %Y", "month": "%b %Y"}


def _counts_axis(update: Callable[..., Any], top: int) -> None:
    """Whole-number ticks, at most about six of them, from zero."""
    step = max(1, -(-top // 5))
    update(tickformat=",d", rangemode="tozero", tick0=0, dtick=step)


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, **LAYOUT)
    fig.add_annotation(text="No incidents match the filters", showarrow=False,
                       x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=16))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _over_time(fig: go.Figure, title: str, y_title: str, top: int, period: str,
               **layout: Any) -> go.Figure:
    """The layout every over-time chart shares: title, counts axis, period date ticks."""
    fig.update_layout(title=title, yaxis_title=y_title, **layout, **LAYOUT)
    _counts_axis(fig.update_yaxes, top)
    fig.update_xaxes(tickformat=DATE_TICKS[period])
    return fig


def timeline_figure(df: pd.DataFrame, period: str = "month") -> go.Figure:
    title = f"Incidents per {period}, by event type"
    counts = incidents_over_time(df, period)
    if counts.empty:
        return _empty(title)
    fig = go.Figure()
    for t in counts.columns:
        fig.add_bar(x=counts.index, y=counts[t], name=html.escape(str(t)),
                    marker_color=colour_for(str(t)),
                    hovertemplate="%{x|%d %b %Y}: %{y}<extra>%{fullData.name}</extra>")
    return _over_time(fig, title, "Incidents", int(counts.sum(axis=1).max()), period,
                      barmode="stack", legend_traceorder="normal")


def fatalities_figure(df: pd.DataFrame, period: str = "month") -> go.Figure:
    """Known fatalities per period as bars and, where tolls are unknown, how many incidents
    had no reported toll (× markers on their own axis): an unknown toll is not a zero."""
    title = f"Reported fatalities per {period}"
    s = fatalities_over_time(df, period)
    if s.empty:
        return _empty(title)
    fig = go.Figure(go.Bar(x=s.index, y=s["fatalities"], marker_color="#444",
                           name="Fatalities (known tolls)",
                           hovertemplate="%{x|%d %b %Y}: %{y}<extra></extra>"))
    if s["unknown"].any():
        unknown = s["unknown"].where(s["unknown"] > 0)
        fig.add_scatter(x=s.index, y=unknown, yaxis="y2", mode="markers",
                        name="Incidents with unknown toll (right axis)",
                        marker=dict(symbol="x-thin-open", size=11, color="#D55E00",
                                    line=dict(width=2, color="#D55E00")),
                        hovertemplate="%{x|%d %b %Y}: %{y} with unknown toll<extra></extra>")
        step = max(1, -(-int(s["unknown"].max()) // 4))
        fig.update_layout(yaxis2=dict(overlaying="y", side="right", rangemode="tozero",
                                      tickformat=",d", dtick=step, showgrid=False,
                                      title="Unknown tolls"))
    return _over_time(fig, title, "Fatalities", int(s["fatalities"].max()), period)


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
