"""The one module that owns Streamlit caches."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from borderwatch import filters, incidents


def data_version() -> str:
    """Changes whenever the incident data changes; every data cache is keyed on it."""
    path = incidents.incidents_path()
    stat = path.stat()
    return f"csv:{path}:{stat.st_mtime_ns}:{stat.st_size}"


@st.cache_data(show_spinner="Loading incidents…", max_entries=2)
def _load(version: str) -> pd.DataFrame:
    return incidents.load_configured()


@st.cache_data(show_spinner=False, max_entries=2)
def _vocabulary(version: str) -> filters.Vocabulary:
    return filters.Vocabulary.of(_load(version))


@st.cache_data(show_spinner=False, max_entries=64)
def _filtered(version: str, f: filters.Filters) -> pd.DataFrame:
    return filters.apply(_load(version), f)


def dataset() -> pd.DataFrame:
    return _load(data_version())


def vocabulary() -> filters.Vocabulary:
    return _vocabulary(data_version())


def filtered(f: filters.Filters) -> pd.DataFrame:
    return _filtered(data_version(), f)
