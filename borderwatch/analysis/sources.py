"""The reports a view rests on: numbered references for briefs and their PDFs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_REFERENCES = 40  # listed on a brief; the rest are counted, and every one is in the CSV


@dataclass(frozen=True)
class Reference:
    """One report: who published it, where, when, and how many incidents of the view cite it."""

    number: int
    outlet: str
    url: str | None
    published: str | None  # YYYY-MM-DD
    incidents: int
    latest: str  # the date of the latest incident citing it, YYYY-MM-DD


def references(df: pd.DataFrame, limit: int = MAX_REFERENCES) -> tuple[list[Reference], int]:
    """The distinct reports behind the incidents of ``df``, newest incident first.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents.
    limit : int
        How many references to list.

    Returns
    -------
    tuple of (list of Reference, int)
        At most ``limit`` references (one per link, or per outlet where a row has no link),
        and how many more there are.
    """
    if df.empty:
        return [], 0
    # Group on integer codes (the columns are categoricals in the store's frame): one group
    # per link, or per outlet for rows without a link.
    url = df["source_url"].astype("category") if "source_url" in df else None
    outlet = df["source"].astype("category")
    if url is not None:
        u = url.cat.codes.to_numpy()
        key = np.where(u >= 0, u, len(url.cat.categories) + outlet.cat.codes.to_numpy())
    else:
        key = outlet.cat.codes.to_numpy()
    frame = pd.DataFrame({"key": key, "when": df["event_date"].to_numpy(),
                          "row": np.arange(len(df))})
    table = frame.groupby("key", sort=False).agg(latest=("when", "max"),
                                                 incidents=("when", "size"),
                                                 row=("row", "first"))
    table = table.sort_values("latest", ascending=False, kind="stable")
    shown = table.head(limit)
    first = df.iloc[shown["row"].to_numpy()]
    published = first["source_date"] if "source_date" in first else pd.Series(
        pd.NaT, index=first.index)
    links = first["source_url"] if "source_url" in first else pd.Series(None, first.index)
    refs = [Reference(i + 1, str(o), None if pd.isna(u) else str(u),
                      None if pd.isna(p) else f"{p:%Y-%m-%d}", int(n), f"{w:%Y-%m-%d}")
            for i, (o, u, p, n, w) in enumerate(zip(
                first["source"], links, published, shown["incidents"], shown["latest"],
                strict=True))]
    return refs, max(len(table) - limit, 0)


def provenance(df: pd.DataFrame) -> str:
    """Where a view's incidents come from and how complete their tolls are, in words.

    Parameters
    ----------
    df : pandas.DataFrame
        Typed incidents (with ``dataset_label`` when read from the store).

    Returns
    -------
    str
        E.g. "data: Curated (incidents.csv); tolls unknown for 95 of 302 incidents".
    """
    parts = []
    if "dataset_label" in df and len(df):
        counts = df["dataset_label"].value_counts()
        counts = counts[counts > 0]
        shown = [f"{name} ({n:,})" if len(counts) > 1 else str(name)
                 for name, n in counts.head(3).items()]
        more = f" and {len(counts) - 3} more" if len(counts) > 3 else ""
        parts.append("data: " + ", ".join(shown) + more)
    unknown = int(df["fatalities"].isna().sum()) if len(df) else 0
    if unknown:
        parts.append(f"tolls unknown for {unknown:,} of {len(df):,} incidents")
    return "; ".join(parts)
