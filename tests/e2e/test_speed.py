"""The map in the browser as filters change and incidents grow: a filter change swaps only
the view (the map document stays, with the user's pan and zoom), and beyond the marker
limit every incident is drawn on one canvas whose clicked points open their records,
escaped (hostile texts in every field, every popup opened)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from borderwatch.data.schema import COLUMN_NAMES
from borderwatch.present import maps
from borderwatch.present.maps import assets
from borderwatch.testing.server import MAP_IFRAME as MAP
from tests.conftest import XSS_URL, synthetic_row
from tests.e2e.conftest import serve
from tests.e2e.test_hostile import FIELDS, PAYLOADS, assert_inert

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FILLER = maps.POINTS_LIMIT + 100  # enough to pass the marker limit


def _frame(page):
    return page.locator(MAP).element_handle().content_frame()


def _view_drawn(page) -> None:
    """Wait for a view newer than the one marked old (its legend, added in the same script
    run as its incidents: none of it is seen before all of it is drawn)."""
    page.frame_locator(MAP).locator(".bw-legend:not([data-old])").first.wait_for(
        state="attached", timeout=60_000)


def _mark_old(page) -> None:
    page.frame_locator(MAP).locator(".bw-legend").first.evaluate(
        "e => e.setAttribute('data-old', '1')")


# How many of the map's layers report their clicks back to the dashboard (a rerun each):
# streamlit-folium's handler, by its name.
REPORTING = """() => { let n = 0; window.map.eachLayer(l => {
  if (((l._events || {}).click || []).some(h => h.fn && h.fn.name === 'onLayerClick')) n++;
}); return n; }"""


def _set_minimum(page, value: int) -> None:
    box = page.get_by_role("spinbutton", name="Minimum fatalities")
    box.fill(str(value))
    box.press("Enter")


def test_a_filter_change_swaps_the_view_and_keeps_the_map(server, new_page):
    page, guard = new_page((1400, 1100))
    page.goto(f"{server}/?mode=points")
    page.frame_locator(MAP).locator(".bw-incident").first.wait_for(timeout=60_000)
    page.locator(MAP).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    frame = _frame(page)
    assert frame.evaluate(REPORTING) == 0  # a marker or province click runs no page
    frame.evaluate("window.bwSameDocument = true")
    before = frame.locator(".bw-incident").count()
    # Untouched, a new view is framed on its incidents, as its link would open.
    _mark_old(page)
    _set_minimum(page, 5)
    _view_drawn(page)
    fewer = frame.locator(".bw-incident").count()
    assert 0 < fewer < before
    assert frame.evaluate("window.bwSameDocument") is True  # the same map document
    # Once the user zooms, a new view keeps the pan and zoom.
    frame.get_by_role("button", name="Zoom in").click()
    page.wait_for_timeout(800)
    view = frame.evaluate("[window.map.getZoom(), window.map.getCenter().lat]")
    _mark_old(page)
    _set_minimum(page, 0)
    _view_drawn(page)
    page.wait_for_timeout(500)
    assert frame.evaluate("window.bwSameDocument") is True
    assert frame.evaluate("[window.map.getZoom(), window.map.getCenter().lat]") == view
    assert frame.locator(".bw-incident").count() == before
    assert frame.locator(".bw-legend").count() == 1  # the old view's legend is gone
    assert guard.dialogs == []


def _sent(frames: list) -> list[tuple[str, str | None]]:
    """The websocket messages from the server, in order: each one's type, and for a new
    element its kind."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sent = []
    for payload in frames:
        msg = ForwardMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        kind = msg.WhichOneof("type")
        element = (msg.delta.new_element.WhichOneof("type") if kind == "delta"
                   and msg.delta.WhichOneof("type") == "new_element" else None)
        sent.append((kind, element))
    return sent


def _sent_elements(frames: list) -> list[str]:
    """The elements in websocket messages from the server, in the order sent."""
    return [element for _, element in _sent(frames) if element]


def _sent_kinds(frames: list) -> list[str]:
    """Each websocket message from the server: its element's kind, else its type."""
    return [element or kind for kind, element in _sent(frames)]


def _change(page, frames: list, act) -> list[str]:
    """The elements sent for one change of the view (``act(page)``), in order."""
    frames.clear()
    _mark_old(page)
    act(page)
    _view_drawn(page)
    page.wait_for_timeout(1500)  # the rest of the run
    return _sent_elements(frames)


def _recording(page) -> list:
    frames: list = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: frames.append(p)))
    return frames


def test_a_page_run_sends_the_map_before_the_rest_of_the_page(server, new_page):
    """The browser handles Streamlit's elements one after another, so a run of the whole
    page (here: an event type, which narrows the sub-event types) sends the new map first
    of its elements (frame.view_page): its view is drawn before the browser goes through
    the heading, controls and sidebar, which are still shown above and beside it."""
    page, _guard = new_page((1400, 1100))
    frames = _recording(page)
    page.goto(server)
    _view_drawn(page)
    page.wait_for_timeout(1000)
    sent = _change(page, frames, _battles)
    assert "component_instance" in sent and "heading" in sent, sent
    assert sent.index("component_instance") < sent.index("heading")
    assert sent.index("component_instance") < sent.index("selectbox")  # the Display choice
    assert sent.index("component_instance") < sent.index("multiselect")  # the filters
    # Where they are shown has not changed: the heading and controls above the map.
    title = page.get_by_role("heading", name="Incident map").bounding_box()
    display = page.get_by_label("Display").first.bounding_box()
    frame = page.locator(MAP).bounding_box()
    assert title["y"] < display["y"] < frame["y"]


def _battles(page) -> None:
    page.get_by_label("Event type").first.click()
    page.get_by_role("option", name="Battles").click()
    page.keyboard.press("Escape")


def test_a_filter_change_runs_only_the_parts_of_the_page_that_show_the_view(server,
                                                                            new_page):
    """A toll minimum changes the map, its heading, the count, the pages' links, Reset and
    "include unknown toll", and the link: only those parts are sent again, not the
    sidebar's unchanged controls (the browser redraws each element it gets, and the new map
    showed ~80 ms later with them). A change of what a control offers (an event type
    narrows the sub-event types) runs the whole page."""
    page, _guard = new_page((1400, 1100))
    frames = _recording(page)
    page.goto(server)
    _view_drawn(page)
    page.wait_for_timeout(1000)
    count = page.locator('[data-testid="stMetricValue"]').first
    before = count.inner_text()
    reset = page.get_by_role("button", name="Reset filters")
    expect(reset).to_be_disabled()
    sent = _change(page, frames, lambda p: _set_minimum(p, 2))
    assert "component_instance" in sent and "metric" in sent, sent
    assert "multiselect" not in sent and "text_input" not in sent, sent  # the filters
    assert "number_input" not in sent, sent  # not even the one changed
    # What shows the view did change, everywhere.
    expect(count).not_to_have_text(before)
    expect(reset).to_be_enabled()
    expect(page.get_by_label("Include incidents with an unknown toll")).to_be_enabled()
    expect(page).to_have_url(re.compile(r"minfat=2"))
    trends = page.get_by_role("link", name="Trends")
    assert "minfat=2" in (trends.get_attribute("href") or "")
    assert "heading" not in sent and "selectbox" not in sent, sent  # the title, Display
    # The URL is written once, after the map is sent (each write redraws the page).
    kinds = _sent_kinds(frames)
    assert kinds.count("page_info_changed") == 1, kinds
    assert kinds.index("component_instance") < kinds.index("page_info_changed"), kinds
    # An event type narrows the sub-event types offered: the whole page runs.
    sent = _change(page, frames, _battles)
    assert "multiselect" in sent and "number_input" in sent, sent
    # Reset (a view part itself) runs the whole page: every control back to its default.
    _change(page, frames, lambda p: reset.click())
    expect(count).to_have_text(before)
    expect(page.get_by_role("spinbutton", name="Minimum fatalities")).to_have_value("0")
    expect(reset).to_be_disabled()


@pytest.fixture(scope="module")
def timed_server(e2e_data, tmp_path_factory):
    """A server that logs each page run (``BORDERWATCH_TIMINGS``): its address, the log."""
    folder = tmp_path_factory.mktemp("timed")
    log = folder / "runs.jsonl"
    for url in serve(e2e_data, folder / "timed.sqlite", BORDERWATCH_TIMINGS=str(log)):
        yield url, log


def test_opening_the_map_runs_the_page_once(timed_server, new_page):
    """streamlit-folium's first report of an untouched map differed from its defaults (a
    click count of 0 against None) and ran every page again (bwNoOpeningReport)."""
    url, log = timed_server
    for path in ("/", "/?mode=points", "/?mode=choropleth-incidents"):
        before = len(log.read_text().splitlines()) if log.exists() else 0
        page, _guard = new_page()
        page.goto(f"{url}{path}")
        _view_drawn(page)
        page.wait_for_timeout(2500)  # streamlit-folium reports as soon as the map is made
        runs = [json.loads(line)["page"] for line in log.read_text().splitlines()[before:]]
        assert runs.count("Map") == 1 and len(runs) == 2, (path, runs)  # and its view part
        page.context.close()


@pytest.fixture(scope="module")
def many_server(tmp_path_factory):
    """The hostile incidents (a payload in every text field), each alone, among enough
    plain synthetic ones (far from them) for the canvas layer."""
    folder = tmp_path_factory.mktemp("many")
    hostile = [synthetic_row(900 + i, latitude=32.0 + 0.8 * i, longitude=62.5 + 0.9 * i,
                             fatalities=i, source_url=XSS_URL,
                             **{f: (f"H{i}-{p}" if f == "event_id" else p) for f in FIELDS})
               for i, p in enumerate(PAYLOADS)]
    filler = [synthetic_row(i, latitude=34.0 + 0.5 * (i % 40) / 40,
                            longitude=68.9 + 0.5 * (i // 40) / 30, location="Kabul",
                            admin1="Kabul") for i in range(FILLER)]
    seed = folder / "incidents.csv"
    pd.DataFrame(hostile + filler, columns=list(COLUMN_NAMES)).to_csv(seed, index=False)
    yield from serve(seed, folder / "many.sqlite")


def _hover(page, frame, at: tuple[float, float], tip, tries: int = 10
           ) -> tuple[float, float]:
    """Point at the latitude and longitude ``at`` until ``tip`` shows; returns where, in
    the page. Where that is is asked again at each try, the map's place in the page too:
    closing a popup scrolls the page to its close button if need be, and a popup opened
    near the map's edge pans the map to show itself (a person aims at where the point is
    now, and their pointer moves on)."""
    for attempt in range(tries):
        box = page.locator(MAP).bounding_box()
        x, y = frame.evaluate(f"(() => {{ var p = window.map.latLngToContainerPoint("
                              f"[{at[0]}, {at[1]}]); return [p.x, p.y]; }})()")
        assert 0 < x < box["width"] and 0 < y < box["height"], (at, x, y)
        x, y = box["x"] + x, box["y"] + y
        page.mouse.move(x + attempt % 2, y)
        try:
            tip.wait_for(timeout=1_500)
            return x, y
        except PlaywrightTimeoutError:
            continue
    tip.wait_for(timeout=1)  # fails, saying what it waited for
    return x, y


def test_the_canvas_layer_opens_every_hostile_record_as_text(many_server, new_page):
    page, guard = new_page((1400, 1100))
    page.goto(f"{many_server}/?mode=points")
    frame_locator = page.frame_locator(MAP)
    canvas = frame_locator.locator("canvas.bw-dots[data-drawn]")
    canvas.wait_for(state="attached", timeout=60_000)
    assert int(canvas.get_attribute("data-drawn")) == FILLER + len(PAYLOADS)
    page.locator(MAP).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    frame = _frame(page)
    assert frame.locator(".bw-incident").count() == 0  # no markers: one canvas
    assert frame.evaluate(REPORTING) == 1  # only the canvas reports its clicks
    seen: list[str] = []
    for i in range(len(PAYLOADS)):
        tip = frame.locator(".leaflet-tooltip", has_text="Click for the record")
        x, y = _hover(page, frame, (32.0 + 0.8 * i, 62.5 + 0.9 * i), tip)
        assert "Fatalities" in tip.inner_text()
        expect(frame.locator(".leaflet-tooltip")).to_have_count(1)  # the province's closes
        page.mouse.click(x, y)
        # The dashboard answers the click with the record, in a popup of the new view.
        record = frame.locator(".leaflet-popup-content", has_text=f"H{i}-")
        record.wait_for(timeout=30_000)
        seen.append(record.inner_text())
        frame.locator(".leaflet-popup-close-button").last.click()
        # Gone (it fades out) before the pointer moves on, or it would cover the next one.
        expect(frame.locator(".leaflet-popup")).to_have_count(0, timeout=10_000)
    for p in PAYLOADS:
        assert any(p in text for text in seen), p  # typed text, shown verbatim
    assert_inert(page)
    assert guard.dialogs == []


def test_a_new_view_of_the_canvas_layer_reuses_its_mark_images(many_server, new_page):
    """A mark's image is made (and its pixels read back) once per page, not again for
    every view: a filter change that keeps only marks already drawn makes no new one."""
    page, guard = new_page((1400, 1100))
    page.goto(f"{many_server}/?mode=points")
    canvas = page.frame_locator(MAP).locator("canvas.bw-dots[data-drawn]")
    canvas.wait_for(state="attached", timeout=60_000)
    frame = _frame(page)
    made = frame.evaluate("""() => { const s = Object.values(window.bwSprites);
      s.forEach(c => { c.bwOld = true; }); return s.length; }""")
    assert made > 0
    _mark_old(page)
    search = page.get_by_label("Search notes, places and sources")
    search.fill("Kabul")  # the filler alone: marks of one type and toll, drawn already
    search.press("Enter")
    _view_drawn(page)
    expect(page.frame_locator(MAP).locator(f"canvas.bw-dots[data-drawn='{FILLER}']")
           ).to_have_count(1)
    assert frame.evaluate("""() => Object.values(window.bwSprites).filter(
      c => !c.bwOld).length""") == 0
    assert frame.evaluate("Object.keys(window.bwSprites).length") == made
    assert guard.dialogs == []


# Marks drawn both ways on two canvases: Chromium's drawImage (source-over, the answer)
# and the canvas layer's copy of their pixels into one buffer. Sprites with soft edges and
# a translucent fill, 400 of them at random whole-pixel places, overlapping, some partly
# off the canvas; returns the largest difference of any channel, and how many pixels are
# drawn (not transparent) in each.
BLIT_VS_DRAWIMAGE = """() => {
  const W = 160, H = 120, sprites = [];
  for (const [r, px, dash] of [[3, 7, false], [6, 15, true], [9, 21, false]]) {
    const c = document.createElement('canvas'); c.width = c.height = px;
    const x = c.getContext('2d', {willReadFrequently: true});
    x.globalAlpha = 0.9; x.fillStyle = ['#d55e00', '#0072b2', '#009e73'][sprites.length];
    x.beginPath(); x.arc(px / 2, px / 2, r, 0, 7); x.fill();
    x.globalAlpha = 1; x.lineWidth = 1.3; x.strokeStyle = '#1a1a1a';
    if (dash) { x.setLineDash([3, 2]); }
    x.stroke(); sprites.push(c);
  }
  let seed = 7; const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const ref = document.createElement('canvas'); ref.width = W; ref.height = H;
  const rc = ref.getContext('2d', {willReadFrequently: true});
  const buf = new Uint8Array(W * H * 4), words = new Uint32Array(buf.buffer);
  const pix = sprites.map(s => bwPixels(s));
  for (let i = 0; i < 400; i++) {
    const k = Math.floor(rand() * 3), x = Math.floor(rand() * (W + 20)) - 15,
          y = Math.floor(rand() * (H + 20)) - 15;
    rc.drawImage(sprites[k], x, y);
    bwBlit(buf, words, W, H, pix[k], x, y);
  }
  const out = document.createElement('canvas'); out.width = W; out.height = H;
  const oc = out.getContext('2d', {willReadFrequently: true});
  oc.putImageData(new ImageData(bwStraight(buf), W, H), 0, 0);
  const a = rc.getImageData(0, 0, W, H).data, b = oc.getImageData(0, 0, W, H).data;
  // Compared as seen over white: straight colours of nearly transparent pixels differ
  // widely by rounding alone (both canvases keep premultiplied colour).
  let worst = 0, drawnA = 0, drawnB = 0;
  const seen = (d, o, c) => d[o + c] * d[o + 3] / 255 + 255 - d[o + 3];
  for (let o = 0; o < a.length; o += 4) {
    for (let c = 0; c < 3; c++) {
      worst = Math.max(worst, Math.abs(seen(a, o, c) - seen(b, o, c)));
    }
    worst = Math.max(worst, Math.abs(a[o + 3] - b[o + 3]));
  }
  for (let o = 3; o < a.length; o += 4) { drawnA += a[o] > 0; drawnB += b[o] > 0; }
  return [worst, drawnA, drawnB];
}"""


def test_the_canvas_layer_draws_its_marks_as_drawimage_would(new_page):
    """The canvas layer copies its marks' pixels into one buffer (a drawImage per mark
    took 0.63 s for 100,000 here). Against Chromium's own drawImage of the same marks,
    overlapping and partly off the canvas, every pixel is within 4 (of 255) in each channel
    as seen over white, and in its opacity."""
    page, _ = new_page()
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=(assets.TEMPLATES / "map.js").read_text())
    worst, drawn_ref, drawn_blit = page.evaluate(BLIT_VS_DRAWIMAGE)
    assert drawn_ref > 5000 and drawn_blit == drawn_ref
    assert worst <= 4
