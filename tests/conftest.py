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
XSS_URL = 'https://example.org/"><svg/onload=alert(1)>'  # http(s), yet it would break out


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


@pytest.fixture(scope="session")
def sample_csv(tmp_path_factory) -> Path:
    """The SYNTHETIC sample (tests/sample.py) as a native-format file."""
    from tests.sample import sample_rows

    return write_csv(tmp_path_factory.mktemp("sample") / "sample.csv", sample_rows())


@pytest.fixture(autouse=True)
def _test_store(_session_db, sample_csv, monkeypatch):
    """Tests never touch the developer's data/ store: one SQLite file per session, seeded
    from the SYNTHETIC sample, so that no test depends on the curated record's values."""
    monkeypatch.setenv("BORDERWATCH_DB_URL", _session_db)
    monkeypatch.setenv("BORDERWATCH_INCIDENTS", str(sample_csv))


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
    """The curated record (incidents.csv): for checks of its quality, never of its values."""
    return records.load_curated()


@pytest.fixture(scope="session")
def sample(sample_csv) -> pd.DataFrame:
    """The SYNTHETIC sample, typed as the store types it (with its dataset)."""
    df = records.read_csv(sample_csv)
    return df.assign(dataset="synthetic", dataset_key="synthetic",
                     dataset_label="SYNTHETIC (test data)")


def synthetic_row(i: int, **values: object) -> dict[str, object]:
    """One synthetic incident (labelled so in its source and notes)."""
    row: dict[str, object] = {
        "event_id": f"SYN-{i:05d}", "event_date": "2024-01-15", "time_precision": 1,
        "event_type": "Battles", "sub_event_type": "Armed clash",
        "actor1": "Synthetic Actor A", "actor2": "Synthetic Actor B",
        "country": "Afghanistan", "admin1": "Badakhshan", "admin2": "", "location": "Fayzabad",
        "latitude": 37.12, "longitude": 70.58, "geo_precision": 1, "fatalities": 0,
        "source": "SYNTHETIC test data", "source_url": "", "source_date": "",
        "notes": "synthetic test incident",
    }
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    pd.DataFrame(rows, columns=list(COLUMN_NAMES)).to_csv(path, index=False)
    return path


@pytest.fixture
def hostile_csv(tmp_path: Path, sample_csv: Path) -> Path:
    """The SYNTHETIC sample plus one synthetic incident whose text fields carry a payload."""
    path = tmp_path / "incidents.csv"
    shutil.copy(sample_csv, path)
    extra = pd.DataFrame([synthetic_row(99, notes=XSS, location=XSS, actor1=XSS,
                                        source=XSS, source_url=XSS_URL, fatalities=2)],
                         columns=list(COLUMN_NAMES))
    extra.to_csv(path, mode="a", header=False, index=False)
    return path
