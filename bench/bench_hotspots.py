"""How fast the Hotspots display is at 1,000,000 incidents. SYNTHETIC data only.

    .venv/bin/python bench/bench_hotspots.py [--rows 1000000] [--no-server]

1. The analysis alone (``hotspots.analyse``, median of 3) for each setting.
2. The page: a real server on a SQLite store of the curated incidents plus ``--rows``
   synthetic ones, driven by headless Chromium, in the Hotspots display. The minimum
   fatalities filter is set to five values in turn (each analysed for the first time:
   "uncached"), then to the same five again ("cached"); each time the page's own server
   time is read (BORDERWATCH_TIMINGS).

Not a test: run it by hand; the figures go in the README.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from borderwatch.analysis import hotspots
from borderwatch.data import records
from borderwatch.testing import synth

SETTINGS = {"cells 0.5°, month (default)": hotspots.Settings(),
            "cells 0.25°, month": hotspots.Settings(cell_deg=0.25),
            "provinces, month": hotspots.Settings(unit="provinces"),
            "cells 0.5°, week": hotspots.Settings(period="week")}


def analysis(rows: int) -> None:
    df = records.typed(synth.synthesize(rows, seed=11).astype(str).replace("nan", ""))
    hotspots.province_weights()  # once per process, like the server
    print(f"| setting | analysis s ({rows:,} incidents, median of 3) | locations x periods |")
    print("|---|---|---|")
    for name, s in SETTINGS.items():
        times = []
        for _ in range(3):
            t = time.perf_counter()
            result = hotspots.analyse(df, s)
            times.append(time.perf_counter() - t)
        print(f"| {name} | {statistics.median(times):.2f} | {result.counts.shape[0]:,} x "
              f"{result.counts.shape[1]} |")


def page(rows: int) -> None:
    from bench_scale import build_store
    from playwright.sync_api import sync_playwright

    from borderwatch.present import render
    from borderwatch.testing.server import MAP_IFRAME, running

    tmp = Path(tempfile.mkdtemp())
    url, _ = build_store(tmp / "h.sqlite", rows)
    timings = tmp / "timings.jsonl"

    def runs() -> list[float]:
        lines = [json.loads(x) for x in timings.read_text().splitlines()] if (
            timings.exists()) else []
        return [x["seconds"] for x in lines if x["page"] == "Map"]

    env = {"BORDERWATCH_DB_URL": url, "BORDERWATCH_TIMINGS": str(timings)}
    uncached, cached = [], []
    with running(env, timeout=900) as srv, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(render.CHROMIUM), args=render.ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(f"{srv.url}/?mode=hotspots")
        pg.frame_locator(MAP_IFRAME).locator(".bw-legend").first.wait_for(timeout=900_000)
        box = pg.get_by_role("spinbutton", name="Minimum fatalities")
        for rounds, out in ((1, uncached), (2, cached)):
            for value in (1, 2, 3, 4, 0) if rounds == 1 else (1, 2, 3, 4, 0):
                before = len(runs())
                box.fill(str(value))
                box.press("Enter")
                deadline = time.monotonic() + 300
                while len(runs()) == before and time.monotonic() < deadline:
                    time.sleep(0.02)
                pg.wait_for_timeout(300)
                out.append(runs()[-1])
        browser.close()
    print(f"\n| Hotspots display, page server time at {rows:,} incidents + curated "
          "(filter changes, median of 5) | s |\n|---|---|")
    print(f"| uncached (filters not analysed before) | {statistics.median(uncached):.2f} "
          f"(max {max(uncached):.2f}) |")
    print(f"| cached (the same filters again) | {statistics.median(cached):.2f} "
          f"(max {max(cached):.2f}) |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-server", action="store_true")
    args = ap.parse_args()
    analysis(args.rows)
    if not args.no_server:
        page(args.rows)


if __name__ == "__main__":
    main()
