"""Reading analysts' files: decoding, delimiters, format detection, and the mapping of
ACLED and UCDP GED columns onto Borderwatch's own (documented in docs/formats.md).

Every reader returns a frame of *strings* in the native columns plus ``file_row``
(the row number as the user sees it in the file, header = 1); typing and validation happen
afterwards, the same way for every format.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd

from borderwatch.data.schema import COLUMN_NAMES, REQUIRED

FORMATS = ("native", "acled", "ucdp")
DATASET_PREFIX = {"native": "", "acled": "", "ucdp": "UCDP-"}

ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "actor1", "country",
                  "latitude", "longitude")
UCDP_REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "date_start", "latitude",
                 "longitude", "country", "best")

# UCDP GED -> Borderwatch. type_of_violence: 1 state-based, 2 non-state, 3 one-sided.
UCDP_EVENT_TYPES = {"1": ("Battles", "Armed clash"), "2": ("Battles", "Armed clash"),
                    "3": ("Violence against civilians", "Attack")}
# where_prec 1 exact place, 2 within 25 km, 3 second-order division, 4 first-order
# division, 5 linear feature, 6 country, 7 international waters.
UCDP_GEO_PRECISION = {"1": "1", "2": "2", "3": "2", "4": "3", "5": "3", "6": "3", "7": "3"}
COUNTRY_LEVEL_NOTE = " [UCDP: location known only to the country (where_prec 6-7)]"
# date_prec 1 exact day, 2 two-six days, 3 week, 4 month, 5 year.
UCDP_TIME_PRECISION = {"1": "1", "2": "2", "3": "2", "4": "3", "5": "3"}


class FileLevelError(ValueError):
    """The file as a whole cannot be read; nothing in it is imported."""

    def __init__(self, message: str, unreadable: bool = False):
        super().__init__(message)
        self.unreadable = unreadable  # not a table at all (CLI exit code 2)


@dataclass(frozen=True)
class ReadResult:
    """A parsed file: its format, encoding and delimiter, and its rows as strings."""

    format: str
    encoding: str
    delimiter: str
    raw: pd.DataFrame  # native columns as strings, plus file_row


def decode(data: bytes) -> tuple[str, str]:
    """Text of a file: UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data[:8192]:
        raise FileLevelError("This is a binary file, not a CSV text file.", unreadable=True)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """The commonest of comma, semicolon and tab in the header line (comma if none)."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _physical_rows(text: str, delimiter: str) -> list[int]:
    """The line number on which each record starts (quoted newlines span lines)."""
    starts = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for _ in reader:
            starts.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FileLevelError(f"The file cannot be parsed as CSV near line {line}: {exc}. "
                             "Is a quote left open?") from exc
    return starts


def detect(columns: list[str]) -> str:
    """The format a header belongs to: "acled", "ucdp" or "native"."""
    cols = set(columns)
    if set(ACLED_REQUIRED) <= cols:
        return "acled"
    if {"type_of_violence", "side_a", "date_start"} <= cols:
        return "ucdp"
    return "native"


def read_bytes(data: bytes, name: str = "upload.csv") -> ReadResult:
    """Parse a file into native string columns; raises ``FileLevelError``."""
    if not data.strip():
        raise FileLevelError("The file is empty.")
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    if text.count('"') % 2:
        raise FileLevelError("The file has an unclosed quote (an odd number of \" "
                             "characters); nothing was read.")
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    frame = _parse(text, delimiter, lines)
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame.columns) < 2:
        raise FileLevelError("The file has a single column: this is not a CSV table of "
                             "incidents.", unreadable=True)
    if frame.empty:
        raise FileLevelError("The file has a header but no rows.")
    fmt = detect(list(frame.columns))
    required = {"native": REQUIRED, "acled": ACLED_REQUIRED, "ucdp": UCDP_REQUIRED}[fmt]
    missing = [c for c in required if c not in frame.columns]
    if fmt == "native" and {"location", "admin2", "admin1"} & set(frame.columns):
        # Coordinates may be left out when place names are given: the gazetteer finds them.
        missing = [c for c in missing if c not in ("latitude", "longitude")]
    if missing:
        raise FileLevelError(f"Read as {fmt} format, but required column(s) missing: "
                             + ", ".join(missing) + ".")
    if lines == len(frame) + 1:  # no quoted newlines: record i is on line i + 1
        rows = pd.Series(range(2, len(frame) + 2), dtype="int64")
    else:
        rows = pd.Series(_physical_rows(text, delimiter)[1:len(frame) + 1], dtype="int64")
    mapped = {"native": _native, "acled": map_acled, "ucdp": map_ucdp}[fmt](frame)
    mapped["file_row"] = rows.to_numpy() if len(rows) == len(mapped) else range(2, len(mapped) + 2)
    return ReadResult(fmt, encoding, delimiter, mapped)


def _parse(text: str, delimiter: str, lines: int) -> pd.DataFrame:
    """Parse CSV text: Arrow's parser (much faster) unless a value holds a newline,
    which only pandas' own parser reads right."""
    blank = text.count("\n\n") + text.count("\r\n\r\n")
    try:
        if not blank:
            frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), sep=delimiter, dtype=str,
                                keep_default_na=False, engine="pyarrow")
            if len(frame) + 1 == lines:
                return frame
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str,
                           keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise FileLevelError(f"The file cannot be read as a table: {exc}",
                             unreadable=True) from exc
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own error types
        try:
            return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str,
                               keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error):
            raise FileLevelError(f"The file cannot be read as a table: {exc}",
                                 unreadable=True) from exc


def _native(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reindex(columns=list(COLUMN_NAMES), fill_value="")


def parse_acled_dates(values: pd.Series) -> pd.Series:
    """ACLED dates as ISO strings: "04 September 2023", "2023-09-04", "4/9/2023" stay
    distinguishable; anything else is passed through to fail validation."""
    iso = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)
    if iso.all():
        return values
    long = pd.to_datetime(values[~iso], format="%d %B %Y", errors="coerce")
    out = values.copy()
    out[~iso] = long.dt.strftime("%Y-%m-%d").where(long.notna(), values[~iso])
    return out


_URL = r"(https?://[^\s;,|<>\"']+)"


def first_url(text: pd.Series) -> pd.Series:
    """The first http(s) address in each text, or "" (ACLED and UCDP cite sources as text
    that sometimes holds a link)."""
    return text.fillna("").str.extract(_URL, expand=False).fillna("")


def first_date(text: pd.Series) -> pd.Series:
    """The first ISO date (YYYY-MM-DD) in each text, or "" (UCDP lists several)."""
    return text.fillna("").str.extract(r"(\d{4}-\d{2}-\d{2})", expand=False).fillna("")


def map_acled(frame: pd.DataFrame) -> pd.DataFrame:
    """ACLED columns (export or API, as strings) in Borderwatch's native columns."""
    out = pd.DataFrame(index=frame.index)
    same = ("event_type", "sub_event_type", "actor1", "actor2", "country", "admin1",
            "admin2", "location", "latitude", "longitude", "geo_precision", "fatalities",
            "source", "notes", "time_precision")
    for col in same:
        out[col] = frame[col] if col in frame.columns else ""
    out["event_id"] = frame["event_id_cnty"]
    out["event_date"] = parse_acled_dates(frame["event_date"].str.strip())
    # ACLED names its sources (outlets) but gives neither links nor publication dates.
    out["source_url"] = first_url(out["source"])
    out["source_date"] = ""
    return out.reindex(columns=list(COLUMN_NAMES), fill_value="")


def map_ucdp(frame: pd.DataFrame) -> pd.DataFrame:
    """UCDP GED columns (file or API, as strings) in Borderwatch's native columns; rows
    whose location is known only to the country (where_prec 6-7) say so in their notes."""
    out = pd.DataFrame(index=frame.index)
    get = frame.get
    out["event_id"] = "UCDP-" + frame["id"].str.strip()
    out["event_date"] = frame["date_start"].str.strip().str.slice(0, 10)
    out["time_precision"] = get("date_prec", pd.Series("", index=frame.index)).str.strip().map(
        UCDP_TIME_PRECISION).fillna("1")
    tov = frame["type_of_violence"].str.strip()
    out["event_type"] = tov.map(lambda v: UCDP_EVENT_TYPES.get(v, (v, ""))[0])
    out["sub_event_type"] = tov.map(lambda v: UCDP_EVENT_TYPES.get(v, ("", ""))[1])
    out["actor1"] = frame["side_a"]
    out["actor2"] = frame["side_b"]
    out["country"] = frame["country"].str.replace(r"\s*\(.*\)$", "", regex=True)
    out["admin1"] = get("adm_1", pd.Series("", index=frame.index)).str.replace(
        r"\s+(province|region|oblast)$", "", regex=True, case=False)
    out["admin2"] = get("adm_2", pd.Series("", index=frame.index)).str.replace(
        r"\s+(district|city)$", "", regex=True, case=False)
    out["location"] = get("where_coordinates", pd.Series("", index=frame.index))
    out["latitude"] = frame["latitude"]
    out["longitude"] = frame["longitude"]
    out["geo_precision"] = get("where_prec", pd.Series("", index=frame.index)).str.strip().map(
        UCDP_GEO_PRECISION).fillna("3")
    out["fatalities"] = frame["best"]
    office = get("source_office", pd.Series("", index=frame.index)).fillna("")
    article = get("source_article", pd.Series("", index=frame.index)).fillna("")
    out["source"] = ("UCDP GED" + office.where(office == "", "; " + office)
                     + article.where(article == "", ": " + article))
    out["source_url"] = first_url(article)
    out["source_date"] = first_date(get("source_date", pd.Series("", index=frame.index)))
    notes = get("source_headline", pd.Series("", index=frame.index)).fillna("")
    where = get("where_prec", pd.Series("", index=frame.index)).fillna("").str.strip()
    country_level = where.isin(["6", "7"])
    out["notes"] = notes.where(~country_level, notes + COUNTRY_LEVEL_NOTE).str.strip()
    return out.reindex(columns=list(COLUMN_NAMES), fill_value="")
