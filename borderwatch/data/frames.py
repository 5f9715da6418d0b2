"""The frames the dashboard holds for one data state (see ``snapshot``), and a snapshot
file opened but not yet made into pandas."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from borderwatch.data import tagged

log = logging.getLogger("borderwatch.data.snapshot")


class Unusable(Exception):
    """A snapshot file that may not be used (stale, truncated, foreign): why."""


class Frames:
    """The incidents of one data state, as the dashboard holds them: every record, linked
    (``frame``: links.read_linked), and each event once (``counted``: links.count_once of
    the frame). ``source`` says where they came from: "snapshot" or "store".

    From a snapshot, the frame of every record is made into pandas only when first asked
    for: the map and most views use only the counted frame, and at a million rows each is
    some 300 MB. ``columns`` reads a few of its columns without making it.
    """

    def __init__(self, frame: pd.DataFrame | Part, counted: pd.DataFrame, source: str
                 ) -> None:
        self._frame = frame
        self.counted = counted
        self.source = source
        self._lock = threading.Lock()

    @property
    def frame(self) -> pd.DataFrame:
        """Every record (made from the snapshot on first use)."""
        with self._lock:
            if isinstance(self._frame, Part):
                self._frame = self._frame.to_frame()
            return self._frame

    def columns(self, names: Iterable[str]) -> pd.DataFrame:
        """``names`` of every record (those of them the frame has)."""
        with self._lock:
            held = self._frame
        if isinstance(held, Part):
            return held.to_frame(list(names))
        return held[[c for c in names if c in held]]


@dataclass(frozen=True)
class Part:
    """One snapshot file, open (memory-mapped) and checked, not yet made into pandas
    (which copies its numbers and codes, and reads its pages)."""

    path: Path
    data: pa.Table
    info: dict[str, Any]
    fallback: Callable[[], pd.DataFrame] | None = None

    def to_frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The pandas frame of the part (only ``columns``, those of them it has, if given)."""
        data = self.data
        if columns is not None:
            data = data.select([c for c in columns if c in data.schema.names])
        try:
            df = data.to_pandas()
            for column in self.info.get("json", []):
                if column in df:
                    df[column] = tagged.decode_column(df[column])
            written = self.dtypes()
            if any(str(t) != written.get(c) for c, t in df.dtypes.items()):
                raise Unusable("its dtypes are not those it was written with")
        except (Unusable, pa.ArrowException) as exc:
            if self.fallback is None:
                raise
            log.warning("snapshot %s is damaged (%s): reading the store", self.path, exc)
            df = self.fallback()
            return df if columns is None else df[[c for c in columns if c in df]]
        return df

    def dtypes(self) -> dict[str, str]:
        """The pandas dtype each column was written with, by name."""
        meta = self.data.schema.pandas_metadata or {}
        index = {i for i in meta.get("index_columns", []) if isinstance(i, str)}
        names = [c["name"] for c in meta.get("columns", []) if c["field_name"] not in index]
        dtypes = self.info.get("dtypes", [])
        if len(names) != len(dtypes):
            raise Unusable("its dtypes are not those it was written with")
        return dict(zip(names, dtypes, strict=True))
