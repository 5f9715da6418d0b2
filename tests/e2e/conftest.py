"""A real dashboard server and headless Debian Chromium, with the internet shut out."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from borderwatch.testing.server import ServerError, running
from tests.conftest import ROOT, need

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="session")
def e2e_data(tmp_path_factory, sample_csv) -> Path:
    """The SYNTHETIC sample plus one synthetic incident carrying a script payload."""
    import pandas as pd

    from borderwatch.data.schema import COLUMN_NAMES
    from tests.conftest import XSS, synthetic_row

    path = tmp_path_factory.mktemp("e2e") / "incidents.csv"
    shutil.copy(sample_csv, path)
    row = synthetic_row(99, notes=XSS, actor1=XSS, location=XSS, latitude=36.2,
                        longitude=68.9, admin1="Baghlan", fatalities=2)
    pd.DataFrame([row], columns=list(COLUMN_NAMES)).to_csv(path, mode="a", header=False,
                                                             index=False)
    return path


def serve(incidents: Path, store: Path, **more: str) -> Iterator[str]:
    """A dashboard server seeded from ``incidents`` into a SQLite ``store`` (``more``: other
    environment variables): its address."""
    need(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    env = {"BORDERWATCH_INCIDENTS": str(incidents), "BORDERWATCH_DB_URL": f"sqlite:///{store}",
           **more}
    try:
        with running(env) as srv:
            yield srv.url
    except ServerError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def server(e2e_data: Path) -> Iterator[str]:
    yield from serve(e2e_data, e2e_data.parent / "e2e.sqlite")


@pytest.fixture(scope="session")
def browser(server: str, chromium_browser):
    return chromium_browser


class Guard:
    """Blocks and records every request that would leave this machine, and every dialog."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.dialogs: list[str] = []

    def route(self, route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture
def new_page(browser):
    """A factory of pages, each in a fresh browser context (no shared state)."""
    contexts = []

    def make(viewport=(1400, 1100)):
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        guard = Guard()
        ctx.route("**/*", guard.route)
        page = ctx.new_page()
        page.on("dialog", lambda d: (guard.dialogs.append(d.message), d.dismiss()))
        contexts.append((ctx, guard))
        return page, guard

    yield make
    for ctx, guard in contexts:
        ctx.close()
        assert guard.blocked == [], f"requests beyond localhost: {guard.blocked}"
        assert guard.dialogs == [], f"a script ran: dialogs {guard.dialogs}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
