"""The one module that owns Streamlit caches. Data caches are keyed on the store's data
version, so an import or an undo shows on the next page view."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import NoReturn

import cachetools
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine

from borderwatch.analysis import filters
from borderwatch.data import db, ingest, links, snapshot


def configure() -> None:
    """Arrow's buffers from the C library's allocator, which hands freed memory back to
    the system (Arrow's default, mimalloc, keeps it: at a million incidents each filtered
    view is a copy of some hundred MB, and the server's memory only grew). Idempotent."""
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


@st.cache_resource(show_spinner="Opening the incident store…")
def _engine(url: str) -> Engine:
    engine = db.make_engine(url)
    ingest.seed(engine)
    return engine


def _unreachable(exc: Exception) -> NoReturn:
    """The error page for a database that cannot be reached: what, where, what to do."""
    st.error(db.unreachable_message(db.database_url(), exc), icon=":material/dns:")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def engine() -> Engine:
    try:
        return _engine(db.database_url())
    except sa.exc.SQLAlchemyError as exc:
        _unreachable(exc)


def _state() -> db.DataState:
    try:
        return db.data_state(engine())
    except sa.exc.SQLAlchemyError as exc:
        _unreachable(exc)


def _version(state: db.DataState) -> str:
    return f"{db.database_url()}#{state.version}.{state.stamp}"


def data_version() -> str:
    """Changes whenever the incident data changes; every data cache is keyed on it."""
    return _version(_state())


# Shared objects, not a copy per session: st.cache_data would pickle the whole frames in
# and out on every rerun, which at a million rows is slower than the page. Nothing may
# modify them. From the store's snapshot when it is current (data/snapshot.py), else read
# from the store and linked, then written as the new snapshot for the next cold start.
@st.cache_resource(show_spinner="Loading incidents…", max_entries=2)
def _frames(version: str, _state: db.DataState) -> snapshot.Frames:
    return snapshot.load(engine(), _state)


@st.cache_data(show_spinner=False, max_entries=2)
def _vocabulary(version: str, _frames: snapshot.Frames) -> filters.Vocabulary:
    """Of every record; read from their columns alone (the whole frame of every record is
    made only for the views that show it)."""
    return filters.Vocabulary.of(_frames.columns(filters.Vocabulary.COLUMNS))


@dataclass(frozen=True)
class Loaded:
    """The incidents as of one data version, with the values they hold."""

    version: str
    frames: snapshot.Frames  # shared and read-only
    vocabulary: filters.Vocabulary

    @property
    def frame(self) -> pd.DataFrame:
        """Every record (made on first use; see snapshot.Frames)."""
        return self.frames.frame

    @property
    def counted(self) -> pd.DataFrame:
        """Linked records counted once."""
        return self.frames.counted


class Kept:
    """The last few filtered views (shared, read-only), so that a rerun that changes no
    filter (a display choice, a chart option) does not filter a million rows again.

    Bounded by rows as well as by views: each kept view is a copy of its rows, some 340 MB
    per million, so at a million incidents only views of up to ``rows`` rows in all are
    kept. One least-recently-used cache weighs each view by its rows, and at least
    ``rows / views``. A bigger view is kept alone, and only until another view is made
    (which it is released before, so that two are never held at once).
    """

    def __init__(self, views: int = 4, rows: int = 400_000) -> None:
        least = rows // views
        self._kept: cachetools.LRUCache[Hashable, pd.DataFrame] = cachetools.LRUCache(
            maxsize=rows, getsizeof=lambda df: max(len(df), least))
        # The last view too big to keep among the others, until another view is made: the
        # parts of one page run that show the view (frame.in_view) each ask for it.
        self._last: tuple[Hashable, pd.DataFrame] | None = None
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        with self._lock:
            found = self._kept.get(key)
            if found is None and self._last is not None and self._last[0] == key:
                found = self._last[1]
            if found is None:
                self._last = None  # let it go before a new view is made, not after
        if found is not None:
            return found
        df = make()
        with self._lock:
            try:
                self._kept[key] = df
            except ValueError:  # too big to keep among the others
                self._last = (key, df)
        return df


_KEPT = Kept()


def filtered(loaded: Loaded, records: str, f: filters.Filters) -> pd.DataFrame:
    """The view's incidents: every record (``records="all"``) or each event once."""
    base = loaded.frame if records == "all" else loaded.counted
    if f == filters.Filters():
        return base  # nothing to filter, nothing to keep
    return _KEPT.get((loaded.version, records, f), lambda: filters.apply(base, f))


def load() -> Loaded:
    """The incidents as they are now: one version query per page run, then caches."""
    state = _state()
    version = _version(state)
    try:
        frames = _frames(version, state)
        return Loaded(version, frames, _vocabulary(version, frames))
    except sa.exc.SQLAlchemyError as exc:  # the store turns ADBC's errors into these
        _unreachable(exc)
    except links.SettingError as exc:
        st.error(str(exc), icon=":material/settings:")
        st.stop()
        raise AssertionError("unreachable") from exc
