"""The incidents as a table for people: unknown tolls in words, links only where safe."""

from __future__ import annotations

import pandas as pd

from borderwatch.data.records import SAFE_URL
from borderwatch.present.maps.rows import fatalities_text

HIDDEN = ("dataset", "dataset_key")  # internal keys; the table shows dataset_label


def incidents_table(df: pd.DataFrame) -> pd.DataFrame:
    """The rows to show: tolls as text ("unknown" where not reported), source links kept
    only where they are http(s), internal columns dropped."""
    out = df.drop(columns=[c for c in HIDDEN if c in df])
    out["fatalities"] = [fatalities_text(v) for v in df["fatalities"]]
    if "source_url" in df:
        url = df["source_url"].astype(object)
        out["source_url"] = url.where(url.astype(str).str.fullmatch(SAFE_URL), None)
    return out
