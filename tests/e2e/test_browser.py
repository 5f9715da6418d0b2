"""End to end, in headless Debian Chromium, with every request beyond localhost blocked."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import expect

from borderwatch.testing.server import MAP_IFRAME
from tests.conftest import XSS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
MAP = MAP_IFRAME
TOTAL = 17  # the 16 of the SYNTHETIC sample + 1 carrying a script payload


def count(page) -> int:
    return int(page.get_by_test_id("stMetricValue").first.inner_text().replace(",", ""))


def wait_count(page, expected: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if count(page) == expected:
                return
        except Exception:  # noqa: BLE001 - not rendered yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"count never became {expected} (last {count(page)})")


def markers(page, expected: int | None = None):
    frame = page.frame_locator(MAP)
    loc = frame.locator(".bw-incident")
    if expected is not None:
        deadline = time.monotonic() + 20
        while loc.count() != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert loc.count() == expected
    return frame, loc


def test_map_shows_incidents_and_provinces(server, new_page, screenshots):
    page, _ = new_page()
    started = time.monotonic()
    page.goto(server)
    frame = page.frame_locator(MAP)
    frame.locator(".bw-incident").first.wait_for(state="visible", timeout=30_000)
    seconds = time.monotonic() - started
    (screenshots / "timings.json").write_text(json.dumps({"open_to_markers_s": seconds}))
    print(f"\nopen page -> markers visible: {seconds:.2f} s")
    _, loc = markers(page, TOTAL)
    shapes = frame.locator("path.leaflet-interactive").count()
    assert shapes >= 118  # every province (the incidents are marks of their own)
    assert loc.count() == TOTAL
    legend = frame.locator(".bw-legend")
    assert legend.inner_text().startswith("Legend\nEvent type")
    lb, mb = legend.bounding_box(), page.locator(MAP).bounding_box()
    for marker in loc.all():  # every incident inside the map and clear of the legend
        b = marker.bounding_box()
        cx, cy = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
        assert mb["x"] <= cx <= mb["x"] + mb["width"] and mb["y"] <= cy <= mb["y"] + mb["height"]
        assert not (lb["x"] <= cx <= lb["x"] + lb["width"]
                    and lb["y"] <= cy <= lb["y"] + lb["height"])
    wait_count(page, TOTAL)
    box = page.locator(MAP).bounding_box()
    assert box and box["height"] >= 500
    page.screenshot(path=screenshots / "map.png")


def test_province_hover_shows_its_totals(server, new_page):
    page, _ = new_page()
    page.goto(f"{server}/?mode=choropleth-incidents&country=Tajikistan")
    frame = page.frame_locator(MAP)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)
    wait_count(page, 2)
    page.wait_for_timeout(500)
    [leaflet] = [f for f in page.frames if "streamlit_folium" in f.url]
    # The middle of Gorno-Badakhshan, in the map's pixels.
    point = leaflet.evaluate("() => map_div.latLngToContainerPoint([38.4, 70.5])")
    page.locator(MAP).scroll_into_view_if_needed()
    box = page.locator(MAP).bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    tip = frame.locator(".leaflet-tooltip").first
    tip.wait_for()
    assert tip.inner_text().split("\n") == ["Gorno-Badakhshan, Tajikistan", "Incidents: 1",
                                             "Fatalities: unknown"]


def test_filter_changes_markers_count_and_url(server, new_page, screenshots):
    page, _ = new_page()
    page.goto(server)
    markers(page, TOTAL)
    search = page.get_by_label("Search notes, places and sources")
    search.fill("Darvoz")
    search.press("Enter")
    wait_count(page, 1)
    markers(page, 1)
    page.wait_for_function("() => window.location.search.includes('q=Darvoz')")
    # and a multiselect
    page.get_by_test_id("stMultiSelect").filter(has_text=re.compile(r"^Event type")).click()
    page.get_by_role("option", name="Battles", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => window.location.search.includes('type=Battles')")
    wait_count(page, 1)
    search.fill("")
    search.press("Enter")
    wait_count(page, 5)  # the sample's 4 battles and the payload row
    markers(page, 5)
    assert parse_qs(urlparse(page.url).query) == {"type": ["Battles"]}


def test_copied_link_reproduces_the_view_in_a_fresh_browser(server, new_page):
    page, _ = new_page()
    page.goto(f"{server}/?country=Pakistan&minfat=5")
    wait_count(page, 5)
    link = page.url
    other, _ = new_page()
    other.goto(link)
    wait_count(other, 5)
    markers(other, 5)
    other.get_by_role("link", name="Trends").click()
    other.wait_for_url("**/trends?**")
    wait_count(other, 5)
    assert parse_qs(urlparse(other.url).query) == {"country": ["Pakistan"], "minfat": ["5"]}


def test_malformed_link_shows_a_notice_not_a_traceback(server, new_page):
    page, _ = new_page()
    page.goto(f"{server}/?from=2023-02-31&minfat=lots")
    page.get_by_test_id("stAlert").first.wait_for()
    body = page.locator("body").inner_text()
    assert "not a date" in body and "Traceback" not in body
    wait_count(page, TOTAL)


def test_script_in_the_data_shows_as_text_and_never_runs(server, new_page, screenshots):
    page, guard = new_page()
    page.goto(f"{server}/?actor={quote(XSS)}")
    wait_count(page, 1)
    frame, loc = markers(page, 1)
    page.locator(MAP).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # the map settles on its bounds
    tip = frame.locator(".leaflet-tooltip", has_text=XSS)
    for _ in range(5):
        box = loc.first.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        if tip.count():
            break
        page.wait_for_timeout(300)
    assert XSS in tip.first.inner_text()
    page.mouse.click(x, y)
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.inner_text().count(XSS) >= 2  # actor and notes, as typed
    assert frame.locator('img[src="x"]').count() == 0
    page.screenshot(path=screenshots / "xss-popup.png")
    for path in ("trends", "incidents"):
        page.goto(f"{server}/{path}?actor={quote(XSS)}")
        wait_count(page, 1)
        page.wait_for_timeout(1000)
        assert page.locator('img[src="x"]').count() == 0
    assert guard.dialogs == []


@pytest.mark.parametrize("path, name", [("", "map"), ("trends", "trends"),
                                        ("incidents", "incidents")])
def test_every_page_renders_without_errors(server, new_page, screenshots, path, name):
    page, _ = new_page((1400, 1500))
    page.goto(f"{server}/{path}")
    wait_count(page, TOTAL)
    if name == "map":
        markers(page, TOTAL)
    elif name == "trends":
        page.locator(".js-plotly-plot").nth(3).wait_for(timeout=30_000)
    else:
        page.get_by_test_id("stDataFrame").wait_for()
    page.wait_for_timeout(800)
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=screenshots / f"page-{name}.png")


def test_presentation_mode_hides_the_sidebar_and_states_the_filters(server, new_page,
                                                                   screenshots):
    page, _ = new_page()
    page.goto(f"{server}/brief?country=Tajikistan&present=1")
    page.get_by_text("country: Tajikistan").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("stSidebar").count() == 0 or not page.get_by_test_id(
        "stSidebar").is_visible()
    assert "2 of 17 incidents" in page.get_by_test_id("stAlert").first.inner_text()
    frame = page.frame_locator(MAP)
    frame.locator(".bw-legend").first.wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=screenshots / "brief-presentation.png")


def test_playback_steps_through_periods_offline(server, new_page):
    page, _ = new_page()
    page.goto(f"{server}/?mode=playback&period=month&country=Afghanistan&from=2023-05-01"
              "&to=2023-09-30")
    frame = page.frame_locator(MAP)
    label = frame.locator(".bw-period")
    label.wait_for(timeout=30_000)
    assert label.inner_text() == "May 2023"  # the sample's border clash in Nimruz
    assert frame.locator(".bw-incident").count() == 1
    frame.locator(".bw-slider").fill("2")
    assert label.inner_text() == "July 2023"
    assert frame.locator(".bw-count").inner_text() == "0 incidents"
    frame.locator(".bw-play").click()
    frame.get_by_text("September 2023").wait_for(timeout=10_000)
    assert frame.locator(".bw-incident").count() == 1


def test_every_popup_links_its_source_and_the_brief_lists_them(server, new_page):
    """Provenance in the browser: each incident's popup links its report (http(s) only,
    rel noopener noreferrer); the Brief numbers its sources; synthetic data is announced."""
    page, _ = new_page()
    page.goto(f"{server}/?mode=points")
    frame, loc = markers(page, TOTAL)
    page.locator(MAP).scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    assert "SYNTHETIC DATA" in page.get_by_test_id("stMain").inner_text()
    linked = 0
    for i in range(loc.count()):
        loc.nth(i).dispatch_event("click")
        popup = frame.locator(".leaflet-popup-content").last
        popup.wait_for()
        assert "Dataset" in popup.inner_text() and "Source" in popup.inner_text()
        for a in popup.locator("a").all():
            assert a.get_attribute("href").startswith("https://example.org/synthetic/")
            assert a.get_attribute("rel") == "noopener noreferrer"
            assert a.get_attribute("target") == "_blank"
            linked += 1
    assert linked == TOTAL - 1  # the payload row has no link
    page.goto(f"{server}/brief")
    page.get_by_text("Sources", exact=True).wait_for(timeout=30_000)
    refs = page.locator("a[href^='https://example.org/synthetic/']")
    expect(refs).to_have_count(16, timeout=30_000)
    assert "SYNTHETIC DATA" in page.locator("body").inner_text()


def test_the_map_names_countries_and_a_search_flies_to_darvoz(server, new_page, screenshots):
    """Country names on the default map; "davraz" (a misspelling of Darvoz) typed in the
    search box, and its suggestion chosen, opens the map on Qal'ai Khumb, the district's
    centre, with the frontier's towns named and no two labels overlapping; the place is
    kept in the link."""
    from tests.test_render import OVERLAPS

    page, guard = new_page()
    page.goto(server)
    frame = page.frame_locator(MAP)
    frame.locator(".bw-labels[data-count]").wait_for(state="attached", timeout=30_000)
    countries = set(frame.locator(".bw-label-country").all_inner_texts())
    assert {"AFGHANISTAN", "TAJIKISTAN", "PAKISTAN", "IRAN"} <= countries, countries
    box = page.get_by_role("textbox", name="Find a place")
    box.fill("davraz")
    box.press("Enter")
    page.get_by_text("Davraz district (centre Qalaikhumb)").first.click()
    page.wait_for_url(re.compile(r"place=1221559"), timeout=30_000)
    expect(page.locator(MAP)).to_have_count(1, timeout=30_000)  # the old map is gone
    frame = page.frame_locator(MAP).last  # the newest, should a rerun be drawing another
    frame.locator(".bw-place-name").wait_for(timeout=30_000)
    assert "Qalaikhumb" in frame.locator(".bw-place-name").inner_text()
    towns = set(frame.locator(".bw-label-town").all_inner_texts())
    assert {"Qalaikhumb", "Vanj"} <= towns, towns
    assert frame.locator(".bw-labels").evaluate(
        "el => (" + OVERLAPS + ")()") == 0
    page.screenshot(path=screenshots / "map_darvoz.png")
    assert guard.blocked == []
