"""How the dashboard holds up at 10,000, 100,000 and 1,000,000 incidents, against its peer
(a pydeck app reading the same store: deck.gl, WebGL) and a naive baseline (one folium
CircleMarker per incident, at 10,000). SYNTHETIC data only.

    .venv/bin/python bench/bench_scale.py [--sizes 10000 100000 1000000] [--json FILE]

For each size it builds a SQLite store by importing a synthetic ACLED-layout file (the
import throughput), starts each app on it, and drives headless Chromium (which draws
WebGL on the CPU here, with SwiftShader):

- cold start: server launch to the map drawn on the first page view;
- map visible: page open to the map drawn, fresh browser context, server warm (median of 3);
- bytes: everything the server sends over the websocket for one map page view, and the
  map's served script (static/generated/: its functions and base layers);
- filter change: the websocket bytes it brings (median of 6), the server time of the page
  script (logged by the page itself), and the time from the change until the browser has
  drawn the new map's incidents (median of 6 changes), recorded in the browser (Date.now()):
  the dashboard's new legend in the map frame (added in the same script run as the
  incidents' canvas) and the animation frame after it, in which any redraw of the canvas
  still pending has run; the pydeck app's WebGL draw of as many points as its count then
  shows (deck.gl draws in an animation frame of its own, often several frames after the
  count has changed); the naive map's new frame, by polling (seconds);
- peak RSS of the server process.

Not a test: it takes a while (the pydeck app at 1M takes minutes a view); its table goes
in the README.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from borderwatch.data import db, ingest, snapshot
from borderwatch.geo import boundaries
from borderwatch.present import render
from borderwatch.present.maps.modes import DOTS_LIMIT
from borderwatch.testing import synth
from borderwatch.testing.server import MAP_IFRAME as MAP
from borderwatch.testing.server import running

ROOT = Path(__file__).resolve().parent.parent
NAIVE_ROWS = 10_000
FATALITY_STEPS = (1, 2, 0, 3, 1, 0)


def build_store(path: Path, rows: int) -> tuple[str, float]:
    """A store of the curated incidents plus ``rows`` synthetic ones; import rows/s."""
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    ingest.seed(engine)
    data = synth.to_acled(synth.synthesize(rows, seed=11)).to_csv(index=False).encode()
    start = time.perf_counter()
    # The whole file at once (an upload stops at 200 MB; the 1M file is ~500 MB).
    report = ingest.validate(data, f"synthetic-{rows}.csv", engine, max_bytes=len(data))
    result = ingest.commit(report, engine)
    seconds = time.perf_counter() - start
    assert result.inserted == rows, result
    # As after any import: `borderwatch snapshot` makes the store's snapshot current, so
    # that a server start reads it (not timed here; the first load after a change pays it).
    snapshot.load(engine)
    engine.dispose()
    return url, rows / seconds


# WebGL for the pydeck app: Chromium has no GPU here and draws it on the CPU (SwiftShader),
# which it does only when asked to.
BROWSER_ARGS = [a for a in render.ARGS if a != "--disable-gpu"] + [
    "--enable-unsafe-swiftshader", "--use-angle=swiftshader"]
COUNT = '[data-testid="stMetricValue"]'
DECK = '[data-testid="stDeckGlJsonChart"] canvas'


def drawn(page, app: str, timeout: float = 300_000) -> None:
    """Wait until ``app``'s map is drawn (a frame marked old does not count)."""
    if app == "pydeck":  # its points drawn (see DECK_DRAWS), as many as its count shows
        page.locator(DECK).first.wait_for(state="visible", timeout=timeout)
        page.wait_for_function(DECK_DRAWN, timeout=timeout)
        return
    if app == "borderwatch":  # the same map frame, a new view
        legend = page.frame_locator(MAP).locator(".bw-legend:not([data-old])").first
        legend.wait_for(state="attached", timeout=timeout)
        legend.evaluate(NEXT_FRAME)  # any redraw of the canvas that is still pending
        return
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:  # the naive map: a new frame (the old may linger)
        for frame in page.frames:
            if "streamlit_folium" in frame.url and not frame.is_detached():
                try:
                    if frame.locator("body:not([data-old]) path.leaflet-interactive").count():
                        return
                except PlaywrightError:  # detached meanwhile
                    continue
        page.wait_for_timeout(10)  # (lets Playwright see new frames; time.sleep would not)
    raise TimeoutError("the naive map was not drawn")


def map_visible(page, url: str, app: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    drawn(page, app)
    return time.perf_counter() - start


def mark_old(page, app: str) -> None:
    """Mark what is drawn now, so that ``drawn`` waits for the next drawing."""
    if app == "pydeck":  # only draws from now on count
        page.evaluate("window.bwDraws = []")
    elif app == "borderwatch":  # the same frame: only the view (legend included) is new
        page.frame_locator(MAP).locator(".bw-legend").first.evaluate(
            "e => e.setAttribute('data-old', '1')")
    elif app == "naive":  # a new map is a new frame
        for frame in page.frames:
            if "streamlit_folium" in frame.url and not frame.is_detached():
                frame.locator("body").evaluate("e => e.setAttribute('data-old', '1')")


def timings(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# Watchers set up in the browser before a filter change: each records (Date.now()) when the
# new map is drawn, so that the time does not include the benchmark's own polling.
# The dashboard's new view: its legend is added in the same task as its incidents' canvas;
# a redraw still pending then (the map refitted to the new incidents) runs in the next
# animation frame, before the watcher's own callback, which is registered after it.
WATCH_VIEW = """() => { window.bwSeen = null;
  new MutationObserver((ms, o) => {
    if (document.querySelector('.bw-legend:not([data-old])')) { o.disconnect();
      requestAnimationFrame(() => { window.bwSeen = Date.now(); }); }
  }).observe(document.body, {childList: true, subtree: true}); }"""
NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(r))"
# The pydeck app's points: deck.gl draws its ScatterplotLayer as one instanced WebGL draw
# of one instance per point, in an animation frame of its own. Each draw's time and count
# of instances is recorded (a script run before the page's own), so that the new map counts
# as drawn when as many points as the app's count shows have been drawn: the count changes
# first, and deck.gl's draw of the new data was seen here up to 280 ms after it.
DECK_DRAWS = """(() => { window.bwDraws = [];
  for (const C of [window.WebGL2RenderingContext, window.WebGLRenderingContext]) {
    if (!C) continue;
    for (const m of ['drawArraysInstanced', 'drawElementsInstanced']) {
      const f = C.prototype[m];
      if (f) C.prototype[m] = function (...a) { const r = f.apply(this, a);
        window.bwDraws.push([Date.now(), a[a.length - 1]]); return r; }; } } })()"""
DECK_DRAWN = """() => { const m = document.querySelector('[data-testid="stMetricValue"]');
  const n = m && Number(m.textContent.replace(/,/g, ''));
  const d = (window.bwDraws || []).find(d => d[1] === n); return d ? d[0] : null; }"""


def watch(page, app: str):
    """Start watching for the next drawing; returns where to read its time, if any."""
    if app == "borderwatch":
        frame = page.locator(MAP).element_handle().content_frame()
        frame.evaluate(WATCH_VIEW)
        return frame
    if app == "pydeck":  # its draws are recorded all along (DECK_DRAWS)
        return page
    return None  # the naive map: a new frame, timed by polling (it takes seconds)


def seen_at(where, app: str) -> float | None:
    """When the watched drawing happened (seconds since the epoch), if watched."""
    if where is None:
        return None
    for _ in range(500):
        at = where.evaluate(DECK_DRAWN if app == "pydeck" else "window.bwSeen")
        if at is not None:
            return float(at) / 1000
        time.sleep(0.01)
    raise TimeoutError("the drawing was not recorded")


# A drawn point of the canvas layer: the first opaque pixel, scanning from the top left.
FIND_DOT = """() => { const c = document.querySelector('canvas.bw-dots');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const dpr = window.devicePixelRatio || 1;
  for (let y = 150; y < c.height - 50; y += 2) for (let x = 300; x < c.width - 50; x += 2)
    if (d[(y * c.width + x) * 4 + 3] > 200) return [x / dpr + 1, y / dpr + 1];
  return null; }"""


def new_page(browser, app: str):
    """A page in a fresh browser context (the pydeck app's with its draws recorded)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    if app == "pydeck":
        ctx.add_init_script(DECK_DRAWS)
    return ctx.new_page()


def three_views(browser, url: str, app: str, path: str = "/", ready=None):
    """Open ``path`` in 3 fresh browser contexts: median seconds to the map drawn (or to
    ``ready(page)``), median bytes, and the last page, left open, with the sizes of the
    websocket messages it has had (a list that grows with those to come)."""
    visible, sent = [], []
    for attempt in range(3):
        page = new_page(browser, app)
        frames: list[int] = []
        page.on("websocket", lambda ws, frames=frames: ws.on(
            "framereceived", lambda payload: frames.append(len(payload))))
        # The map's served script (its functions and base layers) counts as the page's too.
        served: list = []
        page.on("requestfinished", lambda r, served=served: served.append(r)
                if "/app/static/generated/" in r.url else None)
        start = time.perf_counter()
        page.goto(f"{url}{path}")
        (ready or (lambda p: drawn(p, app)))(page)
        visible.append(time.perf_counter() - start)
        page.wait_for_timeout(500)
        # Its bytes as the page gets them (as the websocket's are counted), not gzipped.
        sent.append(sum(frames) + sum(len(r.response().body()) for r in served))
        if attempt < 2:
            page.context.close()
    return statistics.median(visible), statistics.median(sent), page, frames


def points(browser, url: str) -> dict[str, float]:
    """Every SYNTHETIC incident as a point (``?dataset=synthetic&mode=points``; the store's
    synthetic incidents are at most the canvas limit): map visible (median of 3, after one
    view that is not timed, as for the map visible), bytes, and a click on a point until
    its record shows."""
    def ready(p):
        p.frame_locator(MAP).locator("canvas.bw-dots[data-drawn]").wait_for(
            state="attached", timeout=300_000)

    path = "/?dataset=synthetic&mode=points"
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    first = ctx.new_page()  # warm, as for "map visible": the server has made this view once
    first.goto(f"{url}{path}")
    ready(first)
    ctx.close()
    visible, sent, page, _ = three_views(browser, url, "borderwatch", path, ready)
    page.locator(MAP).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    frame = page.locator(MAP).element_handle().content_frame()
    box = page.locator(MAP).bounding_box()
    x, y = frame.evaluate(FIND_DOT)
    start = time.perf_counter()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.frame_locator(MAP).locator(".leaflet-popup-content", has_text="Dataset").wait_for(
        timeout=60_000)
    clicked = time.perf_counter() - start
    page.context.close()
    return {"points_visible_s": visible, "points_bytes": sent, "points_click_s": clicked}


def measure(browser, env: dict[str, str], script: Path, log: Path, app: str
            ) -> dict[str, float]:
    out: dict[str, float] = {}
    with running(env, script, timeout=600) as srv:
        page = new_page(browser, app)
        map_visible(page, srv.url, app)
        out["cold_s"] = time.perf_counter() - srv.started
        page.context.close()
        # The last page stays open for the filter changes.
        out["visible_s"], out["bytes"], page, frames = three_views(browser, srv.url, app)
        ctx = page.context
        server_s, client_s, change_bytes = [], [], []
        metric = page.locator(COUNT).first
        box = page.get_by_role("spinbutton", name="Minimum fatalities")
        for value in FATALITY_STEPS:
            before_text, before_runs = metric.inner_text(), len(timings(log))
            before_frames = len(frames)
            mark_old(page, app)
            where = watch(page, app)
            start, wall = time.perf_counter(), time.time()
            box.fill(str(value))
            box.press("Enter")
            if app == "pydeck":  # its count comes first: then its points of that count
                expect(metric).not_to_have_text(before_text, timeout=300_000)
            drawn(page, app)
            at = seen_at(where, app)
            client_s.append(at - wall if at is not None else time.perf_counter() - start)
            deadline = time.monotonic() + 300  # then the page's own server time
            while len(timings(log)) == before_runs:
                if time.monotonic() > deadline:
                    raise TimeoutError("the filter change did not run")
                time.sleep(0.01)
            server_s.append(timings(log)[-1]["seconds"])
            expect(metric).not_to_have_text(before_text)  # the change did show
            page.wait_for_timeout(300)  # the run has ended before the next change
            change_bytes.append(sum(frames[before_frames:]))
        ctx.close()
        out["rerun_server_s"] = statistics.median(server_s)
        out["rerun_server_max_s"] = max(server_s)
        out["rerun_client_s"] = statistics.median(client_s)
        out["rerun_bytes"] = statistics.median(change_bytes)
        out["peak_rss_mb"] = srv.peak_rss_mb()
        if app == "borderwatch" and env.get("BENCH_POINTS"):  # after the rest: not in RSS
            out.update(points(browser, srv.url))
    return out


def peer_app(tmp: Path, name: str) -> Path:
    """A peer app (bench/NAME_app.py) beside a link to static/: Streamlit serves the
    static folder next to the main script, and the naive map needs the same offline
    Leaflet."""
    folder = tmp / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "static").symlink_to(ROOT / "static")
    script = folder / f"{name}_app.py"
    script.write_text((ROOT / "bench" / f"{name}_app.py").read_text())
    return script


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--apps", nargs="+", default=["borderwatch", "pydeck", "naive"],
                    choices=["borderwatch", "pydeck", "naive"], help="which apps to run")
    ap.add_argument("--merge", type=Path, help="results of an earlier run (--json) to "
                    "table with these (this run's replace theirs)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    points = boundaries.load_provinces().representative_point().head(2)
    boundaries.locate(points.y, points.x)  # geodata loaded before the import is timed
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(render.CHROMIUM), args=BROWSER_ARGS)
        naive = {NAIVE_ROWS} if "naive" in args.apps else set()
        for n in sorted(set(args.sizes) | naive):
            url, rate = build_store(Path(tmp) / f"store-{n}.sqlite", n)
            print(f"store of {n:,} synthetic incidents built ({rate:,.0f} rows/s)",
                  file=sys.stderr, flush=True)
            runs = []
            if n in args.sizes and "borderwatch" in args.apps:
                runs.append(("borderwatch", ROOT / "dashboard.py"))
            if n in args.sizes and "pydeck" in args.apps:
                runs.append(("pydeck", peer_app(Path(tmp) / str(n), "pydeck")))
            if n in naive:
                runs.append(("naive", peer_app(Path(tmp), "naive")))
            for name, script in runs:
                log = Path(tmp) / f"timings-{name}-{n}.jsonl"
                env = {"BORDERWATCH_DB_URL": url, "BORDERWATCH_TIMINGS": str(log)}
                if n <= DOTS_LIMIT:
                    env["BENCH_POINTS"] = "1"
                r = measure(browser, env, script, log, name)
                r["import_rows_per_s"] = rate
                results[f"{name} {n}"] = r
                print(f"  {name}: {r}", file=sys.stderr, flush=True)
        browser.close()
    if args.merge:
        results = {**json.loads(args.merge.read_text()), **results}
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


COLUMNS = [("every synthetic incident as a point: map visible s", "points_visible_s",
            "{:.2f}"),
           ("every synthetic incident as a point: MB to browser", "points_bytes", "{:.2f}"),
           ("every synthetic incident as a point: click to record shown s", "points_click_s",
            "{:.2f}"),
           ("cold start s", "cold_s", "{:.1f}"), ("map visible s", "visible_s", "{:.2f}"),
           ("MB to browser", "bytes", "{:.2f}"), ("filter change seen s", "rerun_client_s",
                                                   "{:.2f}"),
           ("MB to browser per filter change", "rerun_bytes", "{:.2f}"),
           ("rerun server s", "rerun_server_s", "{:.3f}"), ("peak RSS MB", "peak_rss_mb",
                                                             "{:.0f}")]


def print_table(results: dict[str, dict[str, float]]) -> None:
    """One row per size and measure: the dashboard, its pydeck peer, the naive baseline
    (10,000 incidents only), and the dashboard's figure divided by each of theirs."""
    naive = results.get(f"naive {NAIVE_ROWS}", {})
    print("| incidents | measure | dashboard | pydeck | naive (10k) | dashboard/pydeck | "
          "dashboard/naive |")
    print("|---" * 7 + "|")
    sizes = sorted({int(k.split()[1]) for k in results if k.startswith("borderwatch")})
    for n in sizes:
        ours, peer = results[f"borderwatch {n}"], results.get(f"pydeck {n}", {})
        for label, key, fmt in COLUMNS:
            scale = 1e6 if key.endswith("bytes") else 1
            cells = [fmt.format(r[key] / scale) if key in r else "–" for r in (ours, peer, naive)]
            ratios = [f"{ours[key] / r[key]:.2f}" if r.get(key) else "–" for r in (peer, naive)]
            print(f"| {n:,} | {label} | " + " | ".join(cells + ratios) + " |")
    rate = ", ".join(f"{n:,}: {results[f'borderwatch {n}']['import_rows_per_s']:,.0f}"
                     for n in sizes)
    print(f"\nImport rows/s (SQLite) by store size: {rate}.")


if __name__ == "__main__":
    main()
