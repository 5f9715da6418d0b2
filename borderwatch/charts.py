"""Trend charts (plotly), in the same event-type colours as the map."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from borderwatch.schema import EVENT_COLOURS, OTHER_COLOUR, colour_for

FREQ = {"week": "W-MON", "month": "MS"}
LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10),
              font=dict(size=14), legend=dict(orientation="h", y=-0.15))


def _type_order(types: pd.Index | list[str]) -> list[str]:
    known = [t for t in EVENT_COLOURS if t in set(types)]
    return known + sorted(set(types) - set(EVENT_COLOURS))


def period_index(dates: pd.Series, period: str) -> pd.Series:
    """The first day of the week (Monday) or month each date falls in."""
    if period == "week":
        return (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize()
    return dates.dt.to_period("M").dt.start_time


def incidents_over_time(df: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """Counts per period (rows, every period in range) and event type (columns)."""
    if df.empty:
        return pd.DataFrame()
    counts = (df.assign(period=period_index(df["event_date"], period))
              .groupby(["period", "event_type"], observed=True).size().unstack(fill_value=0))
    full = pd.date_range(counts.index.min(), counts.index.max(), freq=FREQ[period])
    return counts.reindex(full, fill_value=0)[_type_order(counts.columns)]


def fatalities_over_time(df: pd.DataFrame, period: str = "month") -> pd.Series:
    if df.empty:
        return pd.Series(dtype="int64")
    s = (df.assign(period=period_index(df["event_date"], period))
         .groupby("period")["fatalities"].sum(min_count=0).astype("int64"))
    full = pd.date_range(s.index.min(), s.index.max(), freq=FREQ[period])
    return s.reindex(full, fill_value=0)


def top_actors(df: pd.DataFrame, n: int = 10) -> pd.Series:
    """Incidents per actor, counting either side once per incident."""
    first = df["actor1"].value_counts()
    second = df.loc[(df["actor2"] != df["actor1"]).fillna(True).to_numpy(bool),
                    "actor2"].value_counts()
    both = first.add(second, fill_value=0).astype("int64")
    both = both[both > 0]
    both.index = both.index.astype(str)
    return both.sort_values(ascending=False, kind="stable").head(n).rename("count")


def top_provinces(df: pd.DataFrame, n: int = 10) -> pd.Series:
    counts = df.groupby(["admin1", "country"], dropna=False, observed=True).size()
    counts.index = [f"{'(unknown)' if pd.isna(a) else a}, {'?' if pd.isna(c) else c}"
                    for a, c in counts.index]
    return counts.sort_values(ascending=False, kind="stable").head(n).rename("count")


DATE_TICKS = {"week": "%d %b %Y", "month": "%b %Y"}


def _counts_axis(update, top: int) -> None:
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
    fig.update_layout(barmode="stack", title=title, yaxis_title="Incidents",
                      legend_traceorder="normal", **LAYOUT)
    _counts_axis(fig.update_yaxes, int(counts.sum(axis=1).max()))
    fig.update_xaxes(tickformat=DATE_TICKS[period])
    return fig


def fatalities_figure(df: pd.DataFrame, period: str = "month") -> go.Figure:
    title = f"Reported fatalities per {period}"
    s = fatalities_over_time(df, period)
    if s.empty:
        return _empty(title)
    fig = go.Figure(go.Bar(x=s.index, y=s.values, marker_color="#444",
                           hovertemplate="%{x|%d %b %Y}: %{y}<extra></extra>"))
    fig.update_layout(title=title, yaxis_title="Fatalities", **LAYOUT)
    _counts_axis(fig.update_yaxes, int(s.max()))
    fig.update_xaxes(tickformat=DATE_TICKS[period])
    return fig


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
