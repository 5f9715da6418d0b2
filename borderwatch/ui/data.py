"""The one module that owns Streamlit caches. Data caches are keyed on the store's data
version, so an import or an undo shows on the next page view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import pandas as pd
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine

from borderwatch.analysis import filters
from borderwatch.data import db, ingest, links, snapshot


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


def _load(version: str, state: db.DataState) -> pd.DataFrame:
    """Every record, with canonical actor names and the group of each linked record."""
    return _frames(version, state).frame


def _counted(version: str, state: db.DataState) -> pd.DataFrame:
    """One row per event: each linked group as its representative record."""
    return _frames(version, state).counted


@st.cache_data(show_spinner=False, max_entries=2)
def _vocabulary(version: str, _frame: pd.DataFrame) -> filters.Vocabulary:
    return filters.Vocabulary.of(_frame)


@dataclass(frozen=True)
class Loaded:
    """The incidents as of one data version, with the values they hold."""

    version: str
    frame: pd.DataFrame  # every record (shared and read-only)
    counted: pd.DataFrame  # linked records counted once (shared and read-only)
    vocabulary: filters.Vocabulary


@st.cache_resource(show_spinner=False, max_entries=4)
def _filtered(version: str, records: str, f: filters.Filters, _base: pd.DataFrame
              ) -> pd.DataFrame:
    """The incidents matching ``f``: kept for the last few views (shared, read-only), so
    a rerun that changes no filter (a display choice, a chart option) does not filter a
    million rows again."""
    return filters.apply(_base, f)


def filtered(loaded: Loaded, records: str, f: filters.Filters) -> pd.DataFrame:
    """The view's incidents: every record (``records="all"``) or each event once."""
    base = loaded.frame if records == "all" else loaded.counted
    if f == filters.Filters():
        return base  # nothing to filter, nothing to keep
    return _filtered(loaded.version, records, f, base)


def load() -> Loaded:
    """The incidents as they are now: one version query per page run, then caches."""
    state = _state()
    version = _version(state)
    try:
        frame = _load(version, state)
        return Loaded(version, frame, _counted(version, state), _vocabulary(version, frame))
    except sa.exc.SQLAlchemyError as exc:  # the store turns ADBC's errors into these
        _unreachable(exc)
    except links.SettingError as exc:
        st.error(str(exc), icon=":material/settings:")
        st.stop()
        raise AssertionError("unreachable") from exc
