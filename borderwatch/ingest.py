"""From an analyst's file to the store: read, validate, derive geography, import.

``validate`` never writes; ``commit`` imports a validated report in one transaction.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from sqlalchemy.engine import Engine

from borderwatch import geodata, incidents, readers, store
from borderwatch.incidents import RowError
from borderwatch.schema import EVENT_TYPES


@dataclass(frozen=True)
class Warning_:
    row: int
    column: str
    value: str
    message: str
    # swap | outside-region | outside-country | province | event-type | duplicate | in-store
    kind: str


MAX_BYTES = 200 * 1024 * 1024  # as server.maxUploadSize (MB) in .streamlit/config.toml


@dataclass
class Report:
    file_name: str
    sha256: str
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    valid: pd.DataFrame = field(default_factory=incidents.empty_frame)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    file_error: str | None = None
    unreadable: bool = False
    swapped: int = 0  # rows whose latitude and longitude were swapped on request
    will_insert: int = 0
    will_update: int = 0
    will_skip: int = 0  # duplicates within the file

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors

    @property
    def rejected(self) -> int:
        return self.rows - len(self.valid)

    def swap_rows(self) -> list[int]:
        return [w.row for w in self.warnings if w.kind == "swap"]

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file_name, "sha256": self.sha256, "format": self.format,
            "encoding": self.encoding, "rows": self.rows, "valid_rows": len(self.valid),
            "rejected_rows": self.rejected, "file_error": self.file_error,
            "errors": [{"row": e.row, "column": e.column, "value": e.value,
                        "message": e.message} for e in self.errors],
            "warnings": [{"row": w.row, "column": w.column, "value": w.value,
                          "message": w.message, "kind": w.kind} for w in self.warnings],
            "will_insert": self.will_insert, "will_update": self.will_update,
        }


@functools.cache
def _region() -> shapely.Geometry:
    region = geodata.load_countries().union_all()
    shapely.prepare(region)
    return region


def in_region(lat: pd.Series, lon: pd.Series) -> np.ndarray:
    ok = lat.notna() & lon.notna()
    out = np.zeros(len(lat), dtype=bool)
    out[ok.to_numpy()] = shapely.contains_xy(_region(), lon[ok].to_numpy(), lat[ok].to_numpy())
    return out


def _swap_candidates(raw: pd.DataFrame) -> pd.Series:
    lat = pd.to_numeric(raw["latitude"], errors="coerce")
    lon = pd.to_numeric(raw["longitude"], errors="coerce")
    return pd.Series(~in_region(lat, lon) & in_region(lon, lat), index=raw.index)


def _warn(rows: pd.DataFrame, column: str, values: pd.Series, messages: pd.Series | str,
          kind: str) -> list[Warning_]:
    """Warnings for many rows at once (no per-row pandas indexing: fast at 100k rows)."""
    if isinstance(messages, str):
        messages = pd.Series(messages, index=rows.index)
    return [Warning_(int(row), column, str(value), str(msg), kind)
            for row, value, msg in zip(rows["_row"], values, messages, strict=True)]


def validate(data: bytes, file_name: str, engine: Engine | None = None,
             apply_swaps: bool = False, max_bytes: int | None = None) -> Report:
    """Everything about a file that an analyst needs before importing it. Writes nothing.

    ``file_name`` is only recorded and shown, never used as a path.
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
    raw = read.raw.reset_index(drop=True)
    report.format, report.encoding, report.delimiter = read.format, read.encoding, read.delimiter
    report.rows = len(raw)
    rows = raw.pop("_row")
    warnings: list[Warning_] = []

    swap = _swap_candidates(raw)
    if apply_swaps and swap.any():
        latlon = ["latitude", "longitude"]
        raw.loc[swap, latlon] = raw.loc[swap, latlon[::-1]].to_numpy()
        report.swapped = int(swap.sum())
    elif swap.any():
        for i in swap[swap].index:
            warnings.append(Warning_(int(rows[i]), "latitude/longitude",
                                     f"{raw.at[i, 'latitude']}, {raw.at[i, 'longitude']}",
                                     "latitude and longitude look swapped: swapped, the point "
                                     "falls inside the region", "swap"))

    typed, errors = incidents.coerce(raw, rows=rows, duplicates_are_errors=False)
    report.errors = errors
    bad_rows = {e.row for e in errors}
    typed["_row"] = rows.to_numpy()
    valid = typed[~typed["_row"].isin(bad_rows)]

    dup = valid["event_id"].duplicated(keep="first")
    if dup.any():
        first_row = valid.drop_duplicates("event_id").set_index("event_id")["_row"]
        warnings += [Warning_(int(row), "event_id", str(eid),
                              f"duplicate of row {int(first_row[eid])} in this file; skipped",
                              "duplicate")
                     for row, eid in zip(valid.loc[dup, "_row"], valid.loc[dup, "event_id"],
                                         strict=True)]
        report.will_skip = int(dup.sum())
        valid = valid[~dup]

    if not valid.empty:
        geo = geodata.locate(valid["latitude"], valid["longitude"])
        valid = pd.concat([valid, geo], axis=1)
        swapped_rows = {w.row for w in warnings if w.kind == "swap"}
        outside = valid["geo_country"].isna()
        outside_rows = valid[outside & ~valid["_row"].isin(swapped_rows)]
        warnings += _warn(outside_rows, "latitude/longitude",
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
        # Fill blank provinces from the coordinates.
        valid["admin1"] = valid["admin1"].fillna(valid["geo_admin1"])
        unknown = ~valid["event_type"].isin(list(EVENT_TYPES))
        warnings += _warn(valid[unknown], "event_type", valid.loc[unknown, "event_type"],
                          "not an ACLED event type; imported as it is", "event-type")

    if engine is not None and not valid.empty:
        valid = valid.assign(row_hash=store.row_hashes(valid))
        with engine.connect() as conn:
            known = store.known_hashes(conn, valid["event_id"])
        changed = (known != valid["row_hash"].astype("Int64")).fillna(False)
        report.will_insert = int(known.isna().sum())
        report.will_update = int((known.notna() & changed).sum())
        stored = known.notna()
        warnings += _warn(valid[stored], "event_id", valid.loc[stored, "event_id"],
                          changed[stored].map({True: "already in the store: changed, will "
                                                     "update it",
                                               False: "already in the store: unchanged, "
                                                      "will be skipped"}), "in-store")
    else:
        report.will_insert = len(valid)
    report.valid = valid
    report.warnings = sorted(warnings, key=lambda w: (w.row, w.column))
    return report


def commit(report: Report, engine: Engine, user: str | None = None) -> store.ImportResult:
    """Import the valid rows of a validated report (one transaction)."""
    if report.file_error:
        raise store.StoreError(f"Nothing imported: {report.file_error}")
    return store.import_rows(engine, report.valid, file_name=report.file_name,
                             sha256=report.sha256, fmt=report.format, total_rows=report.rows,
                             rejected=report.rejected + report.will_skip, user=user)


def seed(engine: Engine) -> store.ImportResult | None:
    """Load the seed file (incidents.csv, or ``BORDERWATCH_INCIDENTS``) into a store that
    has never had a batch: the embedded default's first start."""
    if store.counts(engine) or not store.batches(engine).empty:
        return None
    path = incidents.incidents_path()
    report = validate(path.read_bytes(), path.name, engine)
    if not report.ok:
        raise store.StoreError(f"{path} is invalid: {report.errors[:3]}")
    return commit(report, engine, user="seed")
