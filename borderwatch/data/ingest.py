"""From an analyst's file to the store: read, validate, derive geography, import.

``validate`` never writes; ``commit`` imports a validated report in one transaction.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from borderwatch.data import geocoding, readers, records, store
from borderwatch.data.records import RowError
from borderwatch.data.schema import EVENT_TYPES
from borderwatch.geo import boundaries


@dataclass(frozen=True)
class RowWarning:
    """Something about a row that the analyst should see; the row is still imported."""

    row: int
    column: str
    value: str
    message: str
    # swap | outside-region | outside-country | province | event-type | duplicate | in-store
    kind: str


MAX_BYTES = 200 * 1024 * 1024  # as server.maxUploadSize (MB) in .streamlit/config.toml


@dataclass
class Report:
    """Everything ``validate`` found in a file; ``commit`` imports its valid rows."""

    file_name: str
    sha256: str
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    valid: pd.DataFrame = field(default_factory=records.empty_frame)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    file_error: str | None = None
    unreadable: bool = False
    swapped: int = 0  # rows whose latitude and longitude were swapped on request
    waiting: list[geocoding.Pending] = field(default_factory=list)  # for a place choice
    will_insert: int = 0
    will_update: int = 0
    will_skip: int = 0  # duplicates within the file

    @property
    def ok(self) -> bool:
        """No file-level error, no row error, and no row waiting for a place choice."""
        return self.file_error is None and not self.errors and not self.waiting

    @property
    def rejected(self) -> int:
        """Rows that will not be imported because of errors."""
        return self.rows - len(self.valid)

    def swap_rows(self) -> list[int]:
        """The rows whose latitude and longitude look swapped."""
        return [w.row for w in self.warnings if w.kind == "swap"]

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (``borderwatch validate --json``)."""
        return {
            "file": self.file_name, "sha256": self.sha256, "format": self.format,
            "encoding": self.encoding, "rows": self.rows, "valid_rows": len(self.valid),
            "rejected_rows": self.rejected, "file_error": self.file_error,
            "errors": [{"row": e.row, "column": e.column, "value": e.value,
                        "message": e.message} for e in self.errors],
            "warnings": [{"row": w.row, "column": w.column, "value": w.value,
                          "message": w.message, "kind": w.kind} for w in self.warnings],
            "waiting": [{"row": p.row, "column": p.column, "value": p.value,
                         "message": p.message, "candidates": [
                             {"id": c.id, "name": c.name, "matched": c.matched,
                              "latitude": c.latitude, "longitude": c.longitude,
                              "province": c.province, "country": c.country}
                             for c in p.candidates]} for p in self.waiting],
            "will_insert": self.will_insert, "will_update": self.will_update,
        }


@functools.cache
def _region() -> Any:
    import shapely  # here: a map page needs none of it (maps/base.py)

    region = boundaries.load_countries().union_all()
    shapely.prepare(region)
    return region


def in_region(lat: pd.Series, lon: pd.Series) -> np.ndarray:
    """Whether each point lies in one of the region's countries.

    Parameters
    ----------
    lat, lon : pandas.Series
        Coordinates (missing values are outside).

    Returns
    -------
    numpy.ndarray
        Booleans, aligned with the input.
    """
    import shapely

    ok = lat.notna() & lon.notna()
    out = np.zeros(len(lat), dtype=bool)
    out[ok.to_numpy()] = shapely.contains_xy(_region(), lon[ok].to_numpy(), lat[ok].to_numpy())
    return out


def _swap_candidates(raw: pd.DataFrame) -> pd.Series:
    lat = pd.to_numeric(raw["latitude"], errors="coerce")
    lon = pd.to_numeric(raw["longitude"], errors="coerce")
    return pd.Series(~in_region(lat, lon) & in_region(lon, lat), index=raw.index)


def _warn(rows: pd.DataFrame, column: str, values: pd.Series, messages: pd.Series | str,
          kind: str) -> list[RowWarning]:
    """Warnings for many rows at once (no per-row pandas indexing: fast at 100k rows)."""
    if isinstance(messages, str):
        messages = pd.Series(messages, index=rows.index)
    return [RowWarning(int(row), column, str(value), str(msg), kind)
            for row, value, msg in zip(rows["file_row"], values, messages, strict=True)]


def validate(data: bytes, file_name: str, engine: Engine | None = None,
             apply_swaps: bool = False, max_bytes: int | None = None) -> Report:
    """Everything about a file that an analyst needs before importing it. Writes nothing.

    Parameters
    ----------
    data : bytes
        The file's contents.
    file_name : str
        Only recorded and shown, never used as a path.
    engine : sqlalchemy.engine.Engine, optional
        The store, to tell new rows from updates and unchanged ones.
    apply_swaps : bool
        Swap latitude and longitude on rows where only the swapped point is in the region.
    max_bytes : int, optional
        Largest file accepted (default ``MAX_BYTES``).

    Returns
    -------
    Report
        The valid rows (typed, with derived geography), errors and warnings.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > max_bytes:
        return Report(file_name=file_name, sha256="", unreadable=True, file_error=(
            f"the file is {len(data) / 2**20:,.1f} MB; files of up to "
            f"{max_bytes / 2**20:,.1f} MB can be imported. Split it (by year, say) and "
            "import the parts."))
    report = Report(file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    try:
        read = readers.read_bytes(data, file_name)
    except readers.FileLevelError as exc:
        report.file_error, report.unreadable = str(exc), exc.unreadable
        return report
    report.format, report.encoding, report.delimiter = read.format, read.encoding, read.delimiter
    return check_rows(read.raw, report, engine, apply_swaps)


def check_rows(raw: pd.DataFrame, report: Report, engine: Engine | None = None,
               apply_swaps: bool = False) -> Report:
    """Validate rows already in the native columns (as strings, with ``file_row``): what
    ``validate`` does once a file is read, and what a pull from a live source does.

    Parameters
    ----------
    raw : pandas.DataFrame
        Native columns as strings, plus ``file_row`` (the row's number in its source).
    report : Report
        Filled in and returned.
    engine : sqlalchemy.engine.Engine, optional
        The store, to tell new rows from updates and unchanged ones.
    apply_swaps : bool
        Swap latitude and longitude where only the swapped point is in the region.

    Returns
    -------
    Report
        ``report``, with the valid rows, errors and warnings.
    """
    raw = raw.reset_index(drop=True)
    report.rows = len(raw)
    file_rows = raw.pop("file_row")
    raw, geo_errors, report.waiting = geocoding.apply(raw, file_rows, engine)
    file_rows = file_rows[raw.index].reset_index(drop=True)
    raw = raw.reset_index(drop=True)
    warnings = _swaps(raw, file_rows, apply_swaps, report)
    typed, errors = records.coerce(raw, rows=file_rows, duplicates_are_errors=False)
    report.errors = sorted([*geo_errors, *errors], key=lambda e: e.row)
    typed["file_row"] = file_rows.to_numpy()
    valid = typed[~typed["file_row"].isin({e.row for e in report.errors})]
    valid, dup_warnings = _drop_duplicates(valid)
    report.will_skip = len(dup_warnings)
    warnings += dup_warnings
    if not valid.empty:
        valid, geo_warnings = _derive_geography(valid, {w.row for w in warnings
                                                        if w.kind == "swap"})
        warnings += geo_warnings
    if engine is not None and not valid.empty:
        valid = valid.assign(row_hash=store.row_hashes(valid))  # kept for the import
        warnings += _compare_with_store(valid, engine, report)
    else:
        report.will_insert = len(valid)
    report.valid = valid
    report.warnings = sorted(warnings, key=lambda w: (w.row, w.column))
    return report


def _swaps(raw: pd.DataFrame, file_rows: pd.Series, apply: bool, report: Report
           ) -> list[RowWarning]:
    """Swap latitude and longitude where asked, else warn about the rows to swap."""
    swap = _swap_candidates(raw)
    if not swap.any():
        return []
    if apply:
        latlon = ["latitude", "longitude"]
        raw.loc[swap, latlon] = raw.loc[swap, latlon[::-1]].to_numpy()
        report.swapped = int(swap.sum())
        return []
    return [RowWarning(int(file_rows[i]), "latitude/longitude",
                       f"{raw.at[i, 'latitude']}, {raw.at[i, 'longitude']}",
                       "latitude and longitude look swapped: swapped, the point falls "
                       "inside the region", "swap")
            for i in swap[swap].index]


def _drop_duplicates(valid: pd.DataFrame) -> tuple[pd.DataFrame, list[RowWarning]]:
    """Keep the first row of each event_id; warn about the others."""
    dup = valid["event_id"].duplicated(keep="first")
    if not dup.any():
        return valid, []
    first_row = valid.drop_duplicates("event_id").set_index("event_id")["file_row"]
    warnings = [RowWarning(int(row), "event_id", str(eid),
                           f"duplicate of row {int(first_row[eid])} in this file; skipped",
                           "duplicate")
                for row, eid in zip(valid.loc[dup, "file_row"], valid.loc[dup, "event_id"],
                                    strict=True)]
    return valid[~dup], warnings


def _derive_geography(valid: pd.DataFrame, swapped_rows: set[int]
                      ) -> tuple[pd.DataFrame, list[RowWarning]]:
    """Country, province and border distance from the coordinates; warnings where they
    disagree with what the row says. Blank provinces are filled in."""
    valid = pd.concat([valid, boundaries.locate(valid["latitude"], valid["longitude"])],
                      axis=1)
    outside = valid["geo_country"].isna()
    outside_rows = valid[outside & ~valid["file_row"].isin(swapped_rows)]
    warnings = _warn(outside_rows, "latitude/longitude",
                     outside_rows["latitude"].astype(str) + ", "
                     + outside_rows["longitude"].astype(str),
                     "point is outside the region the map covers", "outside-region")
    wrong = ~outside & (valid["geo_country"] != valid["country"]).fillna(False)
    warnings += _warn(valid[wrong], "country", valid.loc[wrong, "country"],
                      "the point lies in " + valid.loc[wrong, "geo_country"]
                      + ", not in the country the row names", "outside-country")
    differ = (~outside & ~wrong & valid["admin1"].notna()
              & (valid["admin1"] != valid["geo_admin1"]).fillna(False))
    warnings += _warn(valid[differ], "admin1", valid.loc[differ, "admin1"],
                      "the point lies in " + valid.loc[differ, "geo_admin1"]
                      + ", not in the province the row names", "province")
    valid["admin1"] = valid["admin1"].fillna(valid["geo_admin1"])
    unknown = ~valid["event_type"].isin(list(EVENT_TYPES))
    warnings += _warn(valid[unknown], "event_type", valid.loc[unknown, "event_type"],
                      "not an ACLED event type; imported as it is", "event-type")
    return valid, warnings


_IN_STORE = {store.CHANGED: "already in the store: changed, will update it",
             store.UNCHANGED: "already in the store: unchanged, will be skipped"}


def _compare_with_store(valid: pd.DataFrame, engine: Engine, report: Report
                        ) -> list[RowWarning]:
    """Count what an import would insert and update; warn about rows already stored."""
    with engine.connect() as conn:
        kind = store.classify(store.known_hashes(conn, valid["event_id"]), valid["row_hash"])
    report.will_insert = int((kind == store.NEW).sum())
    report.will_update = int((kind == store.CHANGED).sum())
    stored = (kind != store.NEW).to_numpy()
    return _warn(valid[stored], "event_id", valid.loc[stored, "event_id"],
                 kind[stored].map(_IN_STORE), "in-store")


def commit(report: Report, engine: Engine, user: str | None = None,
           dataset: str = "upload") -> store.ImportResult:
    """Import the valid rows of a validated report (one transaction) as a batch of the
    kind ``dataset`` (see ``db.DATASETS``)."""
    if report.file_error:
        raise store.StoreError(f"Nothing imported: {report.file_error}")
    return store.import_rows(engine, report.valid, file_name=report.file_name,
                             sha256=report.sha256, fmt=report.format, total_rows=report.rows,
                             rejected=report.rejected + report.will_skip, user=user,
                             dataset=dataset)


def seed(engine: Engine) -> store.ImportResult | None:
    """Load the seed file (incidents.csv, or ``BORDERWATCH_INCIDENTS``) into a store that
    has never had a batch: the embedded default's first start."""
    if store.counts(engine) or not store.batches(engine).empty:
        return None
    path = records.incidents_path()
    report = validate(path.read_bytes(), path.name, engine)
    if not report.ok:
        raise store.StoreError(f"{path} is invalid: {report.errors[:3]}")
    curated = path.resolve() == records.INCIDENTS_CSV.resolve()
    return commit(report, engine, user="seed", dataset="curated" if curated else "seed")
