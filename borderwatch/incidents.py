"""Reading incident tables into the one typed frame every other module uses."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from borderwatch import geodata
from borderwatch.schema import COLUMN_NAMES, COLUMNS, REQUIRED

INCIDENTS_CSV = Path(__file__).resolve().parent.parent / "incidents.csv"


def incidents_path() -> Path:
    """The incidents file the dashboard shows: ``BORDERWATCH_INCIDENTS`` or incidents.csv."""
    return Path(os.environ.get("BORDERWATCH_INCIDENTS") or INCIDENTS_CSV)


@dataclass(frozen=True)
class RowError:
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
    return typed(pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMN_NAMES}))


def typed(raw: pd.DataFrame) -> pd.DataFrame:
    """Coerce a frame of strings into the schema's types, with errors per row and column.

    Raises ``IncidentFileError`` naming every bad cell; returns the typed frame, with
    place names in their canonical spelling, otherwise.
    """
    df, errors = coerce(raw)
    if errors:
        raise IncidentFileError(errors)
    return df


def coerce(raw: pd.DataFrame, rows: pd.Series | None = None, duplicates_are_errors: bool = True,
           ) -> tuple[pd.DataFrame, list[RowError]]:
    """Type every cell; return the typed frame (all rows) and the errors found.

    ``rows`` gives each record's row number as the user sees it in the file (default:
    the header is row 1, the first record row 2). A missing required column is one
    error on row 1, and nothing else is checked.
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        return empty_frame(), [RowError(1, c, "", "required column is missing")
                               for c in missing]
    raw = raw.reset_index(drop=True)
    row_no = (pd.Series(range(2, len(raw) + 2)) if rows is None
              else pd.Series(rows).reset_index(drop=True))
    df = raw.reindex(columns=list(COLUMN_NAMES)).copy()
    errors: list[RowError] = []

    def bad(mask: pd.Series, column: str, message: str) -> None:
        for idx in mask[mask].index:
            errors.append(RowError(int(row_no[idx]), column, str(raw.at[idx, column]), message))

    for col in COLUMNS:
        values = df[col.name]
        text = values.astype("string").str.strip()
        blank = text.isna() | (text == "")
        if col.required:
            bad(blank, col.name, "required value is blank")
        if col.kind == "str":
            df[col.name] = text.where(~blank, None).astype("string")
        elif col.kind == "date":
            parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
            bad(parsed.isna() & ~blank, col.name, "not a date in the form YYYY-MM-DD")
            df[col.name] = parsed.astype("datetime64[s]")
        else:
            num = pd.to_numeric(text, errors="coerce")
            bad(num.isna() & ~blank, col.name, "not a number")
            if col.kind == "int":
                bad(num.notna() & (num != num.round()), col.name, "not a whole number")
                df[col.name] = num.round().astype("Int64")
            else:
                df[col.name] = num.astype("float64")

    lat, lon = df["latitude"], df["longitude"]
    bad(lat.notna() & ~lat.between(-90, 90), "latitude", "latitude must be between -90 and 90")
    bad(lon.notna() & ~lon.between(-180, 180), "longitude",
        "longitude must be between -180 and 180")
    fat = df["fatalities"]
    bad(fat.notna() & (fat < 0), "fatalities", "fatalities cannot be negative")
    for name, allowed in (("geo_precision", {1, 2, 3}), ("time_precision", {1, 2, 3})):
        v = df[name]
        bad(v.notna() & ~v.isin(list(allowed)), name, "must be 1, 2 or 3")
    if duplicates_are_errors:
        ids = df["event_id"]
        bad(ids.notna() & ids.duplicated(keep="first"), "event_id", "duplicate event_id")
    errors.sort(key=lambda e: (e.row, e.column))

    for place, canonical in (("country", geodata.canonical_country),
                             ("admin1", geodata.canonical_province),
                             ("admin2", geodata.canonical_district)):
        values = df[place]
        mapping = {v: canonical(v) for v in values.dropna().unique()}
        df[place] = values.map(mapping).astype("string")
    return df, errors


def read_csv(path: Path) -> pd.DataFrame:
    """Read and type a native incidents CSV (the layout of incidents.csv)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return typed(raw)


def load_curated() -> pd.DataFrame:
    return read_csv(INCIDENTS_CSV)
