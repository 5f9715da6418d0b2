"""Exports of the current view."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pandas as pd

from borderwatch.analysis import aggregate, briefing, sources
from borderwatch.analysis import filters as flt
from borderwatch.data.records import python_values
from borderwatch.data.schema import COLUMN_NAMES, DATE_COLUMNS

# OWASP CSV injection: a spreadsheet treats a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The incidents as UTF-8 CSV (schema columns, then dataset and batch where known), text
    cells neutralised, numbers intact, unknown tolls blank."""
    extra = [c for c in PROVENANCE if c in df]
    out = df.reindex(columns=[*COLUMN_NAMES, *extra]).rename(columns=PROVENANCE).copy()
    for col in DATE_COLUMNS:
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    return table_csv_bytes(out)


def table_csv_bytes(df: pd.DataFrame) -> bytes:
    """Any table as UTF-8 CSV, its text cells neutralised (no cell starts a formula)."""
    out = df.copy()
    for col in out.columns:
        kind = out[col].dtype
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)):
            # Every text column, whatever its dtype (string, object, categorical).
            out[col] = out[col].astype(object).map(neutralise)
    return out.to_csv(index=False).encode("utf-8")


def file_name(f: flt.Filters, ext: str, today: dt.date | None = None,
              synthetic: bool = False) -> str:
    """A file name that carries the filters and the date, safe on every OS; it starts
    with SYNTHETIC when the view holds synthetic rows."""
    words = flt.describe(f)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", words).strip("-").lower()[:80].strip("-")
    day = (today or dt.date.today()).isoformat()
    mark = "SYNTHETIC_" if synthetic else ""
    return f"{mark}borderwatch_{slug or 'all'}_{day}.{ext}"


def has_synthetic(df: pd.DataFrame) -> bool:
    """Whether any row of ``df`` is synthetic test data."""
    return bool("dataset" in df and (df["dataset"] == "synthetic").any())


# Exported beside the schema columns, so every row can be traced to its import.
PROVENANCE = {"dataset_label": "dataset", "batch_id": "batch_id"}


def geojson_bytes(df: pd.DataFrame) -> bytes:
    """The incidents as a GeoJSON FeatureCollection (WGS 84), schema columns (and dataset and
    batch, where known) as properties; an unknown toll is null."""
    cols = [*COLUMN_NAMES, *(c for c in PROVENANCE if c in df)]
    names = [PROVENANCE.get(c, c) for c in cols]
    values = zip(*(python_values(df[c]) for c in cols), strict=True)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                 "properties": dict(zip(names, row, strict=True))}
                for x, y, row in zip(df["longitude"].tolist(), df["latitude"].tolist(), values,
                                     strict=True)]
    # Built directly: GeoDataFrame.to_json is several times slower (bench/bench_exports.py)
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False).encode("utf-8")


# The map's base layers and place names, credited on every map and export.
ATTRIBUTION = ("Provinces: Natural Earth (public domain) · Afghanistan's borders: "
               "© OpenStreetMap contributors (ODbL) · Place names: GeoNames (CC BY 4.0)")


@dataclass(frozen=True)
class Context:
    """What every exported picture, map and document says about itself: plain text,
    escaped by whatever shows it."""

    title: str
    filters: str  # the filters in words
    generated: str  # when, in UTC
    sources: str  # where the incidents come from
    link: str  # the full address of the view
    attribution: str = ATTRIBUTION

    def lines(self) -> list[str]:
        """The context as lines, title first."""
        return [self.title, self.filters, f"{self.generated} · {self.sources}",
                self.attribution, self.link]


def context(df: pd.DataFrame, f: flt.Filters, total: int, link: str,
            now: dt.datetime | None = None) -> Context:
    """The context of an export of ``df`` (``f`` applied to ``total`` incidents)."""
    refs, more = sources.references(df)
    n = len(refs) + more
    reports = f"{n:,} source report{'s' if n != 1 else ''}"
    where = sources.provenance(df)
    title = ("SYNTHETIC DATA — Borderwatch" if has_synthetic(df) else "Borderwatch") + (
        f": {len(df):,} of {total:,} incidents")
    at = now or dt.datetime.now(dt.UTC)
    return Context(title=title, filters="Filters: " + flt.describe(f),
                   generated=f"Generated {at:%Y-%m-%d %H:%M} UTC",
                   sources=(where[0].upper() + where[1:] + "; " if where else "") + reports,
                   link=link)


@dataclass(frozen=True)
class Brief:
    """The content of the briefing-page PDF, as plain text and numbers."""

    context: Context
    summary: str
    figures: list[tuple[str, str]]  # (label, value), e.g. ("incidents", "302")
    actors: list[tuple[str, int]]  # top actors and their incidents
    provinces: list[tuple[str, int]]
    references: list[sources.Reference]
    more_references: int


def brief(full: pd.DataFrame, f: flt.Filters, df: pd.DataFrame, ctx: Context,
          top: int = 8) -> Brief:
    """The briefing page of the view ``df`` (``f`` applied to ``full``)."""
    h = briefing.headline(full, f, df)
    figures = [("incidents", f"{h.now.incidents:,}"),
               ("reported fatalities", h.now.fatalities_text())]
    if h.now.unknown:
        figures.append(("incidents with unknown toll", f"{h.now.unknown:,}"))
    if h.before is not None:
        figures.append(("incidents in the previous period", f"{h.before.incidents:,}"))
    elif h.no_comparison:
        figures.append(("previous period", h.no_comparison))
    refs, more = sources.references(df)
    return Brief(ctx, briefing.summary(full, f, df), figures,
                 list(aggregate.top_actors(df, top).items()),
                 list(aggregate.top_provinces(df, top).items()), refs, more)
