"""Load: concurrent browser sessions applying filters against one dashboard server.

    .venv/bin/python bench/bench_load.py [--sessions 20] [--changes 10] [--rows 100000]

Builds a SQLite store of the curated incidents plus ``--rows`` SYNTHETIC ones, starts one
server, opens ``--sessions`` sessions at once in headless Chromium (one browser, a
context each), and has every session change the minimum-fatalities filter ``--changes``
times. Reports the latency each user saw (Enter pressed to the new count shown) at p50
and p95, the server's own time per page run, and every error: a timeout, an exception
shown on the page, or a script error in the page. Goal: p95 <= 2 s, 0 errors.
Not a test: it takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import build_store, timings  # noqa: E402

from borderwatch.geo import boundaries  # noqa: E402
from borderwatch.present import render
from borderwatch.testing.server import MAP_IFRAME, running  # noqa: E402

METRIC = '[data-testid="stMetricValue"]'
CHANGED = f"""before => {{
    const el = document.querySelector('{METRIC}');
    return el !== null && el.innerText !== before;
}}"""


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else (values[0] if values else float("nan"))


async def session(browser, url: str, k: int, changes: int, latencies: list[float],
                  errors: list[str], draw_map: bool) -> None:
    ctx = await browser.new_context(viewport={"width": 1300, "height": 900})
    if not draw_map:  # the server still builds and sends the map; the browser skips Leaflet
        await ctx.route("**/component/**", lambda route: route.abort())
    page = await ctx.new_page()
    page.on("pageerror", lambda e: errors.append(f"session {k}: script error {e}"))
    try:
        await page.goto(url, timeout=120_000)
        if draw_map:
            await page.frame_locator(MAP_IFRAME).locator("path.leaflet-interactive").first \
                .wait_for(state="visible", timeout=120_000)
        else:
            await page.locator(METRIC).first.wait_for(timeout=120_000)
        metric = page.locator(METRIC).first
        box = page.get_by_role("spinbutton", name="Minimum fatalities")
        for i in range(changes):
            value = (k + i) % 4 + 1 if i % 2 == 0 else 0  # always a different count
            before = await metric.inner_text()
            start = time.perf_counter()
            await box.fill(str(value))
            await box.press("Enter")
            # Checked inside the page every 25 ms, not polled over the wire: 20
            # sessions polling through Playwright would load this machine themselves.
            await page.wait_for_function(CHANGED, arg=before, polling=25,
                                         timeout=60_000)
            latencies.append(time.perf_counter() - start)
            if await page.get_by_test_id("stException").count():
                errors.append(f"session {k}: exception shown after change {i}")
            await asyncio.sleep(0.3)  # a person reads the map before the next change
    except Exception as exc:  # noqa: BLE001 - every failure is counted as an error
        errors.append(f"session {k}: {type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        await ctx.close()


async def drive(url: str, sessions: int, changes: int, draw_map: bool,
                ) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    latencies: list[float] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(render.CHROMIUM),
                                           args=render.ARGS)
        await asyncio.gather(*(session(browser, url, k, changes, latencies, errors, draw_map)
                               for k in range(sessions)))
        await browser.close()
    return latencies, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--no-map-drawing", action="store_true",
                    help="the browsers do not draw the Leaflet map (its frame is blocked): "
                         "separates the server from 20 map renderers sharing this machine")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    points = boundaries.load_provinces().representative_point().head(2)
    boundaries.locate(points.y, points.x)
    with tempfile.TemporaryDirectory() as tmp:
        url, _rate = build_store(Path(tmp) / "load.sqlite", args.rows)
        log = Path(tmp) / "timings.jsonl"
        with running({"BORDERWATCH_DB_URL": url, "BORDERWATCH_TIMINGS": str(log)}) as srv:
            start, cpu = time.perf_counter(), srv.cpu_seconds()
            latencies, errors = asyncio.run(drive(srv.url, args.sessions, args.changes,
                                                  not args.no_map_drawing))
            wall = time.perf_counter() - start
            server_cpu = srv.cpu_seconds() - cpu
            server = [t["seconds"] for t in timings(log)]
            rss = srv.peak_rss_mb()
    result = {
        "sessions": args.sessions, "map_drawn": not args.no_map_drawing,
        "changes_per_session": args.changes, "rows": args.rows,
        "filter_changes_seen": len(latencies), "errors": len(errors),
        "seen_p50_s": pct(latencies, 50), "seen_p95_s": pct(latencies, 95),
        "seen_max_s": max(latencies, default=float("nan")),
        "server_runs": len(server), "server_p50_s": pct(server, 50),
        "server_p95_s": pct(server, 95), "wall_s": wall, "peak_rss_mb": rss,
        "server_cpu_s": server_cpu, "server_cpu_share": server_cpu / wall,
    }
    print(f"{args.sessions} sessions × {args.changes} filter changes, {args.rows:,} "
          f"SYNTHETIC incidents (+ curated), one server, "
          f"map drawn: {not args.no_map_drawing}")
    print("| changes seen | errors | seen p50 s | seen p95 s | seen max s | server p50 s "
          "| server p95 s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {len(latencies)} | {len(errors)} | {result['seen_p50_s']:.2f} | "
          f"{result['seen_p95_s']:.2f} | {result['seen_max_s']:.2f} | "
          f"{result['server_p50_s']:.3f} | {result['server_p95_s']:.3f} | {rss:.0f} |")
    print(f"wall {wall:.0f} s; server CPU {server_cpu:.0f} s ({server_cpu / wall:.0%} of one "
          f"core); the rest of the {os.cpu_count()} cores ran the browsers")
    for e in errors:
        print("error:", e)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
