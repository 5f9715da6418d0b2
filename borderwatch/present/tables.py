"""The incidents as a table for people: unknown tolls in words, links only where safe."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from borderwatch.data import shared_text
from borderwatch.data.records import SAFE_URL
from borderwatch.present.maps.rows import fatalities_text

HIDDEN = ("dataset", "dataset_key")  # internal keys; the table shows dataset_label


def incidents_table(df: pd.DataFrame) -> pd.DataFrame:
    """The rows to show: tolls as text ("unknown" where not reported), source links kept
    only where they are http(s), internal columns dropped."""
    out = df.drop(columns=[c for c in HIDDEN if c in df])
    for col in out.columns:
        out[col] = shared_text.plain_text(out[col])
    out["fatalities"] = [fatalities_text(v) for v in df["fatalities"]]
    if "source_url" in df:
        url = df["source_url"].astype(object)
        out["source_url"] = url.where(url.astype(str).str.fullmatch(SAFE_URL), None)
    return out


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """A chart's numbers as a table (its text alternative): one row per label, one column
    per series. Horizontal bars read their labels from y, the others from x."""
    columns: dict[str, pd.Series] = {}
    for i, trace in enumerate(fig.data):
        if getattr(trace, "x", None) is None or getattr(trace, "y", None) is None:
            continue
        across = getattr(trace, "orientation", None) == "h"
        labels, values = (trace.y, trace.x) if across else (trace.x, trace.y)
        axis = fig.layout.xaxis if across else fig.layout.yaxis
        name = trace.name or axis.title.text or "Incidents"
        s = pd.Series(list(values), index=[_label(v) for v in labels])
        if across:  # drawn bottom to top: read top first
            s = s.iloc[::-1]
        columns[name if name not in columns else f"{name} ({i + 1})"] = s.groupby(
            level=0, sort=False).sum(min_count=1)
    if not columns:
        return pd.DataFrame()
    axis = fig.layout.xaxis.title.text if fig.data and getattr(
        fig.data[0], "orientation", None) != "h" else fig.layout.yaxis.title.text
    return pd.DataFrame(columns).rename_axis(axis or "Label").reset_index()


def _label(v: object) -> str:
    """A chart label as text (dates as YYYY-MM-DD)."""
    if isinstance(v, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        return f"{pd.Timestamp(v):%Y-%m-%d}"
    return str(v)


LIST_COLUMNS = {"event_date": "Date", "event_type": "Type", "location": "Place",
                "admin1": "Province", "country": "Country", "fatalities": "Fatalities",
                "source": "Source"}


def map_list(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The map's incidents as a list for a screen reader: the ``limit`` most recent, with
    date, type, place, province, country, toll ("unknown" where not reported) and source,
    as text (a table shows text as text: nothing from a file is read as markup)."""
    newest = df.nlargest(limit, "event_date") if len(df) > limit else df.sort_values(
        "event_date", ascending=False)
    out = pd.DataFrame({label: newest[col].astype(object) for col, label in
                        LIST_COLUMNS.items()})
    out["Date"] = newest["event_date"].dt.strftime("%Y-%m-%d")
    out["Fatalities"] = [fatalities_text(v) for v in newest["fatalities"]]
    return out.fillna("").reset_index(drop=True)
