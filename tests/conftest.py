"""Shared fixtures. Synthetic incidents made here are labelled synthetic and never saved
into incidents.csv."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from borderwatch.data import records
from borderwatch.data.schema import COLUMN_NAMES

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
XSS = "<img src=x onerror=alert(1)>"


def need(condition: bool, reason: str) -> None:
    """Skip when a test's requirement is missing; in CI, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _session_db(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'borderwatch.sqlite'}"


@pytest.fixture(autouse=True)
def _test_store(_session_db, monkeypatch):
    """Tests never touch the developer's data/ store: one seeded SQLite file per session."""
    monkeypatch.setenv("BORDERWATCH_DB_URL", _session_db)


@pytest.fixture(scope="session", autouse=True)
def _offline_map_assets():
    """As the app does at start: folium pointed at static/vendor, never a CDN."""
    from borderwatch.present.maps import assets

    assets.configure()


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Debian Chromium for every browser test (Playwright's sync API allows
    one running instance per thread)."""
    from borderwatch.present import render

    need(render.CHROMIUM.exists(), f"{render.CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(render.CHROMIUM), args=render.ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def curated() -> pd.DataFrame:
    return records.load_curated()


def synthetic_row(i: int, **values: object) -> dict[str, object]:
    """One synthetic incident (labelled so in its source and notes)."""
    row: dict[str, object] = {
        "event_id": f"SYN-{i:05d}", "event_date": "2024-01-15", "time_precision": 1,
        "event_type": "Battles", "sub_event_type": "Armed clash",
        "actor1": "Synthetic Actor A", "actor2": "Synthetic Actor B",
        "country": "Afghanistan", "admin1": "Badakhshan", "admin2": "", "location": "Fayzabad",
        "latitude": 37.12, "longitude": 70.58, "geo_precision": 1, "fatalities": 0,
        "source": "SYNTHETIC test data", "notes": "synthetic test incident",
    }
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    pd.DataFrame(rows, columns=list(COLUMN_NAMES)).to_csv(path, index=False)
    return path


@pytest.fixture
def hostile_csv(tmp_path: Path) -> Path:
    """The curated incidents plus one synthetic incident whose text fields carry a payload."""
    path = tmp_path / "incidents.csv"
    shutil.copy(records.INCIDENTS_CSV, path)
    extra = pd.DataFrame([synthetic_row(1, notes=XSS, location=XSS, actor1=XSS,
                                        source=XSS, fatalities=2)], columns=list(COLUMN_NAMES))
    extra.to_csv(path, mode="a", header=False, index=False)
    return path
