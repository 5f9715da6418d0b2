"""The Hotspots display in Chromium, on SYNTHETIC data with a planted growing cluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from borderwatch.present import render
from borderwatch.testing.server import MAP_IFRAME
from tests.conftest import write_csv
from tests.e2e.conftest import serve
from tests.test_hotspots import CLUSTER, native_rows, planted

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def hotspot_server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hotspots")
    path = write_csv(folder / "planted.csv", native_rows(planted(start=12, per_month=250,
                                                                 extra=15)))
    yield from serve(path, folder / "h.sqlite")


def test_hotspots_display_draws_classes_with_legend_and_hover(hotspot_server, new_page,
                                                              screenshots):
    page, _ = new_page((1400, 1300))
    page.goto(f"{hotspot_server}/?mode=hotspots&from=2020-01-01&to=2021-12-31")
    frame = page.frame_locator(MAP_IFRAME)
    cells = frame.locator("path.bw-hotspot")
    cells.first.wait_for(timeout=90_000)
    legend = frame.locator(".bw-legend").inner_text()
    assert "Emerging hot spots" in legend and "Consecutive hot spot" in legend
    assert "SYNTHETIC" in legend
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    # Hover the planted cluster's cells until one says what it is, with its numbers.
    texts = []
    for i in range(cells.count()):
        cells.nth(i).hover()
        page.wait_for_timeout(100)
        texts += frame.locator(".leaflet-tooltip").all_inner_texts()
    assert any(t.startswith("Consecutive hot spot: significant in each of the last")
               and "incidents" in t and f"{CLUSTER[0]:g}" in t for t in texts), texts
    table = page.get_by_test_id("stDataFrame").first
    assert table.is_visible()
    page.screenshot(path=screenshots / "hotspots.png")


def test_an_export_of_the_hotspots_view_carries_the_same_classes(hotspot_server, new_page):
    """The Brief's map export (the same function the download buttons call) of the same
    link draws the same classes: compare the legend of the page's map and of the export."""
    page, _ = new_page((1400, 1300))
    link = f"{hotspot_server}/brief?mode=hotspots&from=2020-01-01&to=2021-12-31"
    page.goto(link)
    frame = page.frame_locator(MAP_IFRAME)
    frame.locator("path.bw-hotspot").first.wait_for(timeout=90_000)
    on_page = frame.locator(".bw-legend").inner_text()
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("button", name="Map (HTML, works offline)").click()
    html = download.value.path().read_text(encoding="utf-8")
    exported = page.context.new_page()
    exported.set_content(html, wait_until="load")
    exported.locator("path.bw-hotspot").first.wait_for()
    assert exported.locator(".bw-legend").inner_text() == on_page
    assert exported.locator("path.bw-hotspot").count() == frame.locator(
        "path.bw-hotspot").count()
    assert render.CHROMIUM.exists()
