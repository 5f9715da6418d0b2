"""Typing and checking incident records: from a frame of strings to the one typed frame
every other module uses, with an error naming the row and column of every bad cell."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from borderwatch import ROOT
from borderwatch.data import dates
from borderwatch.data.schema import COLUMN_NAMES, COLUMNS, REQUIRED, Column
from borderwatch.geo import names

INCIDENTS_CSV = ROOT / "incidents.csv"
# A link shown to users: http(s) only, no spaces or control characters.
SAFE_URL = r"(?i)https?://[^\s\x00-\x1f\x7f]+"
SYNTHETIC = "SYNTHETIC"  # every synthetic row says so at the start of its source
# ... or of one of its ";"-separated parts ("UCDP GED; SYNTHETIC" from a UCDP-layout file).
_SYNTHETIC_RE = rf"(?i)(?:^|;)\s*{SYNTHETIC}"


def incidents_path() -> Path:
    """The incidents file the dashboard shows.

    Returns
    -------
    Path
        ``BORDERWATCH_INCIDENTS`` if set, else the curated ``incidents.csv``.
    """
    return Path(os.environ.get("BORDERWATCH_INCIDENTS") or INCIDENTS_CSV)


@dataclass(frozen=True)
class RowError:
    """One bad cell: where it is (as the user sees the file) and what is wrong."""

    row: int  # as the user sees it in the file: the header is row 1
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r} ({self.value!r}): {self.message}"


class IncidentFileError(ValueError):
    """A file that cannot be used as it is; ``errors`` says where and why."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} problem(s): {shown}{more}")


def empty_frame() -> pd.DataFrame:
    """A typed frame with the schema's columns and no rows.

    Returns
    -------
    pandas.DataFrame
        Zero rows, every schema column in its type.
    """
    return typed(pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMN_NAMES}))


def typed(raw: pd.DataFrame) -> pd.DataFrame:
    """Coerce a frame of strings into the schema's types, or fail naming every bad cell.

    Parameters
    ----------
    raw : pandas.DataFrame
        The native columns as strings.

    Returns
    -------
    pandas.DataFrame
        The typed frame, place names in their canonical spelling.

    Raises
    ------
    IncidentFileError
        If any cell is invalid; its ``errors`` list every one.
    """
    df, errors = coerce(raw)
    if errors:
        raise IncidentFileError(errors)
    return df


class _Checker:
    """Collects the errors of one frame, each with the row number the user sees."""

    def __init__(self, raw: pd.DataFrame, row_no: pd.Series):
        self.raw = raw
        self.row_no = row_no
        self.errors: list[RowError] = []

    def __call__(self, mask: pd.Series, column: str, message: str) -> None:
        for idx in mask[mask].index:
            self.errors.append(RowError(int(self.row_no[idx]), column,
                                        str(self.raw.at[idx, column]), message))


def _typed_column(col: Column, values: pd.Series, bad: Callable[..., None]) -> pd.Series:
    """One column in its schema type; bad cells are reported and become missing."""
    text = values.astype("string").str.strip()
    blank = text.isna() | (text == "")
    if col.required:
        bad(blank, col.name, "required value is blank")
    if col.kind == "str":
        return text.where(~blank, None).astype("string")
    if col.kind == "date":
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        unread = parsed.isna() & ~blank
        # What is wrong, in the words the sidebar uses ("not a real date: there is no
        # 30 February 2023 ..."): one reading per distinct bad value.
        problems = text[unread].map(
            lambda v: dates.date_problem(str(v)) or dates.NOT_IN_FORM)
        for message in problems.unique():
            bad(unread & (problems == message).reindex(unread.index, fill_value=False),
                col.name, str(message))
        return parsed.astype("datetime64[s]")
    num = pd.to_numeric(text, errors="coerce")
    bad(num.isna() & ~blank, col.name, "not a number")
    if col.kind == "int":
        bad(num.notna() & (num != num.round()), col.name, "not a whole number")
        return num.round().astype("Int64")
    return num.astype("float64")


def _check_ranges(df: pd.DataFrame, bad: Callable[..., None], duplicates: bool) -> None:
    """Checks across the typed values: coordinates, tolls, precision codes, ids."""
    lat, lon = df["latitude"], df["longitude"]
    bad(lat.notna() & ~lat.between(-90, 90), "latitude", "latitude must be between -90 and 90")
    bad(lon.notna() & ~lon.between(-180, 180), "longitude",
        "longitude must be between -180 and 180")
    fat = df["fatalities"]
    bad(fat.notna() & (fat < 0), "fatalities", "fatalities cannot be negative")
    url = df["source_url"]
    bad(url.notna() & ~url.str.fullmatch(SAFE_URL).fillna(False).astype(bool), "source_url",
        "not a web address: only http:// or https:// links are kept")
    for name in ("geo_precision", "time_precision"):
        v = df[name]
        bad(v.notna() & ~v.isin([1, 2, 3]), name, "must be 1, 2 or 3")
    if duplicates:
        ids = df["event_id"]
        bad(ids.notna() & ids.duplicated(keep="first"), "event_id", "duplicate event_id")


def _canonical_places(df: pd.DataFrame) -> None:
    """Place names in the spelling this project uses (each distinct value looked up once)."""
    for place, canonical in (("country", names.canonical_country),
                             ("admin1", names.canonical_province),
                             ("admin2", names.canonical_district)):
        values = df[place]
        mapping = {v: canonical(v) for v in values.dropna().unique()}
        df[place] = values.map(mapping).astype("string")


def coerce(raw: pd.DataFrame, rows: pd.Series | None = None, duplicates_are_errors: bool = True,
           ) -> tuple[pd.DataFrame, list[RowError]]:
    """Type every cell and collect the errors found.

    Parameters
    ----------
    raw : pandas.DataFrame
        The native columns as strings.
    rows : pandas.Series, optional
        Each record's row number as the user sees it in the file (default: the header
        is row 1, the first record row 2).
    duplicates_are_errors : bool
        Whether a repeated ``event_id`` is an error (else the caller deals with it).

    Returns
    -------
    tuple of (pandas.DataFrame, list of RowError)
        The typed frame (every row, bad cells missing) and the errors sorted by row and
        column. A missing required column is one error on row 1, and nothing else is
        checked.
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        return empty_frame(), [RowError(1, c, "", "required column is missing")
                               for c in missing]
    raw = raw.reset_index(drop=True)
    row_no = (pd.Series(range(2, len(raw) + 2)) if rows is None
              else pd.Series(rows).reset_index(drop=True))
    df = raw.reindex(columns=list(COLUMN_NAMES)).copy()
    bad = _Checker(raw, row_no)
    for col in COLUMNS:
        df[col.name] = _typed_column(col, df[col.name], bad)
    _check_ranges(df, bad, duplicates_are_errors)
    _canonical_places(df)
    return df, sorted(bad.errors, key=lambda e: (e.row, e.column))


def read_csv(path: Path) -> pd.DataFrame:
    """Read and type a native incidents CSV (the layout of incidents.csv).

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    pandas.DataFrame
        The typed incidents.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return typed(raw)


def load_curated() -> pd.DataFrame:
    """The curated incidents of ``incidents.csv``, typed.

    Returns
    -------
    pandas.DataFrame
        The typed incidents.
    """
    return read_csv(INCIDENTS_CSV)


def python_values(values: pd.Series) -> list[Any]:
    """A column as plain Python values, ``None`` for every missing value.

    Parameters
    ----------
    values : pandas.Series
        One column of a typed frame.

    Returns
    -------
    list
        Dates as ISO text (every database driver casts it to DATE), numbers and text as
        Python objects.
    """
    if values.dtype.kind == "M":
        values = values.dt.strftime("%Y-%m-%d")
    elif values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]
    return values.to_numpy(dtype=object, na_value=None).tolist()


def is_synthetic(df: pd.DataFrame) -> pd.Series:
    """Which rows of ``df`` are labelled synthetic: booleans, true where the source, or one
    of its ";"-separated parts, starts with "SYNTHETIC"."""
    source = df["source"]
    if isinstance(source.dtype, pd.CategoricalDtype):
        marked = source.cat.categories.str.contains(_SYNTHETIC_RE, regex=True)
        return pd.Series(marked[source.cat.codes.to_numpy()] & (source.cat.codes >= 0).to_numpy(),
                         index=df.index)
    return (source.astype("string").str.contains(_SYNTHETIC_RE, regex=True)
            .fillna(False).astype(bool))
