"""How the dashboard holds up at 10,000, 100,000 and 1,000,000 incidents, against a naive
baseline (one folium CircleMarker per incident, at 10,000). SYNTHETIC data only.

    .venv/bin/python bench/bench_scale.py [--sizes 10000 100000 1000000] [--json FILE]

For each size it builds a SQLite store by importing a synthetic ACLED-layout file (the
import throughput), starts a real dashboard server, and drives headless Chromium:

- cold start: server launch to the map visible on the first page view;
- map visible: page open to the map drawn, fresh browser context, server warm (median of 3);
- bytes: everything the server sends over the websocket for one map page view;
- rerun: server time of a filter change (the page script, logged by the page itself), and
  the time until the browser shows the new count (median of 6 changes);
- peak RSS of the server process.

Not a test: it takes a few minutes; its table goes in the README.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from borderwatch.data import db, ingest
from borderwatch.geo import boundaries
from borderwatch.present import render
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
    engine.dispose()
    return url, rows / seconds


def naive_app(tmp: Path) -> Path:
    """naive_app.py beside a link to static/: Streamlit serves the static folder next to
    the main script, and the baseline needs the same offline Leaflet."""
    folder = tmp / "naive"
    folder.mkdir(exist_ok=True)
    (folder / "static").symlink_to(ROOT / "static")
    script = folder / "naive_app.py"
    script.write_text((ROOT / "bench" / "naive_app.py").read_text())
    return script


def map_visible(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.frame_locator(MAP).locator("path.leaflet-interactive").first.wait_for(
        state="visible", timeout=180_000)
    return time.perf_counter() - start


def timings(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def measure(browser, env: dict[str, str], script: Path, log: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    with running(env, script, timeout=600) as srv:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        map_visible(page, srv.url)
        out["cold_s"] = time.perf_counter() - srv.started
        ctx.close()
        visible, sent = [], []
        for attempt in range(3):  # the last page stays open for the filter changes
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            frames: list[int] = []
            page.on("websocket", lambda ws, frames=frames: ws.on(
                "framereceived", lambda payload: frames.append(len(payload))))
            visible.append(map_visible(page, srv.url))
            page.wait_for_timeout(500)
            sent.append(sum(frames))
            if attempt < 2:
                ctx.close()
        out["visible_s"] = statistics.median(visible)
        out["bytes"] = statistics.median(sent)
        server_s, client_s = [], []
        metric = page.locator('[data-testid="stMetricValue"]').first
        box = page.get_by_role("spinbutton", name="Minimum fatalities")
        for value in FATALITY_STEPS:
            before_text, before_runs = metric.inner_text(), len(timings(log))
            start = time.perf_counter()
            box.fill(str(value))
            box.press("Enter")
            deadline = time.monotonic() + 300
            while metric.inner_text() == before_text or len(timings(log)) == before_runs:
                if time.monotonic() > deadline:
                    raise TimeoutError("the filter change did not show")
                time.sleep(0.01)
            client_s.append(time.perf_counter() - start)
            server_s.append(timings(log)[-1]["seconds"])
        ctx.close()
        out["rerun_server_s"] = statistics.median(server_s)
        out["rerun_server_max_s"] = max(server_s)
        out["rerun_client_s"] = statistics.median(client_s)
        out["peak_rss_mb"] = srv.peak_rss_mb()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    points = boundaries.load_provinces().representative_point().head(2)
    boundaries.locate(points.y, points.x)  # geodata loaded before the import is timed
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(render.CHROMIUM), args=render.ARGS)
        for n in sorted(set(args.sizes) | {NAIVE_ROWS}):
            url, rate = build_store(Path(tmp) / f"store-{n}.sqlite", n)
            print(f"store of {n:,} synthetic incidents built ({rate:,.0f} rows/s)",
                  file=sys.stderr, flush=True)
            runs = [("borderwatch", ROOT / "dashboard.py")] if n in args.sizes else []
            if n == NAIVE_ROWS:
                runs.append(("naive", naive_app(Path(tmp))))
            for name, script in runs:
                log = Path(tmp) / f"timings-{name}-{n}.jsonl"
                env = {"BORDERWATCH_DB_URL": url, "BORDERWATCH_TIMINGS": str(log)}
                r = measure(browser, env, script, log)
                r["import_rows_per_s"] = rate
                results[f"{name} {n}"] = r
                print(f"  {name}: {r}", file=sys.stderr, flush=True)
        browser.close()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def print_table(results: dict[str, dict[str, float]]) -> None:
    naive = results.get(f"naive {NAIVE_ROWS}")
    cols = [("cold start s", "cold_s", "{:.1f}"), ("map visible s", "visible_s", "{:.2f}"),
            ("MB to browser", "bytes", "{:.2f}"), ("rerun server s", "rerun_server_s", "{:.3f}"),
            ("rerun seen s", "rerun_client_s", "{:.2f}"), ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
            ("import rows/s", "import_rows_per_s", "{:,.0f}")]
    print("| run | " + " | ".join(c[0] for c in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for name, r in results.items():
        cells = []
        for _label, key, fmt in cols:
            value = r[key] / 1e6 if key == "bytes" else r[key]
            cell = fmt.format(value)
            if naive and not name.startswith("naive") and key != "import_rows_per_s":
                cell += f" ({r[key] / naive[key]:.2g}×)"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n(×: this figure divided by the naive baseline's at 10,000 incidents)")


if __name__ == "__main__":
    main()
