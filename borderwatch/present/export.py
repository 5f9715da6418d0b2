"""Exports of the current view."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd

from borderwatch.analysis import filters as flt
from borderwatch.data.records import python_values
from borderwatch.data.schema import COLUMN_NAMES

# OWASP CSV injection: a spreadsheet treats a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The incidents as UTF-8 CSV (schema columns), text cells neutralised, numbers intact."""
    out = df.reindex(columns=list(COLUMN_NAMES)).copy()
    for col in out.columns:
        kind = out[col].dtype
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)):
            # Every text column, whatever its dtype (string, object, categorical).
            out[col] = out[col].astype(object).map(neutralise)
    out["event_date"] = out["event_date"].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False).encode("utf-8")


def file_name(f: flt.Filters, ext: str, today: dt.date | None = None) -> str:
    """A file name that carries the filters and the date, safe on every OS."""
    words = flt.describe(f)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", words).strip("-").lower()[:80].strip("-")
    day = (today or dt.date.today()).isoformat()
    return f"borderwatch_{slug or 'all'}_{day}.{ext}"


def geojson_bytes(df: pd.DataFrame) -> bytes:
    """The incidents as a GeoJSON FeatureCollection (WGS 84), schema columns as properties."""
    cols = list(COLUMN_NAMES)
    values = zip(*(python_values(df[c]) for c in cols), strict=True)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                 "properties": dict(zip(cols, row, strict=True))}
                for x, y, row in zip(df["longitude"].tolist(), df["latitude"].tolist(), values,
                                     strict=True)]
    # Built directly: GeoDataFrame.to_json is several times slower (bench/bench_exports.py)
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False).encode("utf-8")
