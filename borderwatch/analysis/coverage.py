"""What the curated record covers, in figures computed from it: the README quotes this
text verbatim, and a test checks that it still matches the data."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from borderwatch.analysis import briefing
from borderwatch.analysis import filters as flt

FOCUS = ("Badakhshan", "Gorno-Badakhshan", "Khost", "Paktika")
START, END = "<!-- figures:start -->", "<!-- figures:end -->"
EXAMPLE = flt.Filters(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31),
                      provinces=("Khost", "Paktika"))


def readme_figures(df: pd.DataFrame) -> str:
    """The README's paragraph on the curated record, every number computed from ``df``.

    Parameters
    ----------
    df : pandas.DataFrame
        The curated incidents, typed.

    Returns
    -------
    str
        Markdown, between the README's figure markers.
    """
    years = df["event_date"].dt.year.value_counts().sort_index()
    countries = df["country"].value_counts()
    focus = df["admin1"].value_counts().reindex(list(FOCUS), fill_value=0)
    unknown = int(df["fatalities"].isna().sum())
    outlets = df["source_url"].str.extract(r"https?://(?:www\.)?([^/]+)", expand=False)
    lines = [
        f"- **{len(df):,} incidents** from {df['event_date'].min():%d %B %Y} to "
        f"{df['event_date'].max():%d %B %Y}, each with the address and date of the report "
        f"it rests on ({outlets.nunique():,} web sites).",
        "- By year: " + ", ".join(f"{y} {n:,}" for y, n in years.items()) + ".",
        "- By country: " + ", ".join(f"{c} {n:,}" for c, n in countries.items()) + ".",
        "- The mission's four places: " + ", ".join(f"{p} {n:,}" for p, n in focus.items())
        + ".",
        f"- Tolls unknown (blank, never 0) for {unknown:,} of {len(df):,} incidents.",
        "- Example (Brief, Khost and Paktika, 2024): “"
        + briefing.summary(df, EXAMPLE) + "”",
    ]
    return "\n".join([START, *lines, END])


def replace_block(text: str, block: str) -> str:
    """``text`` with its figures block replaced by ``block``."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + block + tail
