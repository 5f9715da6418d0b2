"""Cold start: the dashboard's data load with and without the store's snapshot
(borderwatch/data/snapshot.py), on a SQLite store of SYNTHETIC incidents.

    .venv/bin/python bench/bench_cold.py [--rows 1000000] [--store FILE] [--repeat 3]
                                         [--modes ...] [--browser]

Builds (or reuses, with --store) a SQLite store of the curated incidents plus ``--rows``
SYNTHETIC ones, then runs each way of loading in a fresh Python process, ``--repeat`` times:

- store: no snapshot (BORDERWATCH_SNAPSHOT_DIR=off): read the store, link, count once (what
  every cold start did before the snapshot);
- rebuild: no current snapshot: the same, then the snapshot written (the first start after
  an import or undo);
- snapshot: a current snapshot, read memory-mapped.

Each prints the seconds (wall and CPU) of the load (the store's state, the two frames, the
filter vocabulary: what ui/data.load does before the first page is drawn) and the process's
peak RSS (VmHWM). With --browser, also a real server's cold start (process launch to the map
drawn in headless Chromium) and its peak RSS, without and with the snapshot, and the same
for a store of the 302 curated incidents alone (the floor: server, imports, page, map).
Medians.
Not a test: run it by hand; the figures go in the README.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from pathlib import Path
def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
from borderwatch.analysis import filters
from borderwatch.data import db, snapshot
engine = db.make_engine(sys.argv[1])
if sys.argv[2] == "rebuild":  # no current snapshot (as after an import): written
    path = snapshot.location(engine.url)
    for p in (path, path.with_name(path.name.replace(".arrow", ".counted.arrow"))):
        p.unlink(missing_ok=True)
before_mb = peak_mb()
wall, cpu = time.perf_counter(), time.process_time()
frames = snapshot.load(engine, db.data_state(engine))
vocabulary = filters.Vocabulary.of(frames.columns(filters.Vocabulary.COLUMNS))
out = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
       "source": frames.source, "rows": len(frames.columns(["event_id"])),
       "counted": len(frames.counted),
       "baseline_rss_mb": before_mb, "peak_rss_mb": peak_mb()}
print(json.dumps(out))
"""


def build(path: Path, rows: int) -> str:
    from bench_scale import build_store

    from borderwatch.geo import boundaries

    points = boundaries.load_provinces().representative_point().head(2)
    boundaries.locate(points.y, points.x)
    url, rate = build_store(path, rows)
    print(f"store of {rows:,} SYNTHETIC incidents built ({rate:,.0f} rows/s)", file=sys.stderr)
    return url


def load_once(url: str, mode: str) -> dict:
    env = {**os.environ, "BORDERWATCH_SNAPSHOT_DIR": "off" if mode == "store" else ""}
    done = subprocess.run([sys.executable, "-c", CHILD, url, mode], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def curated_store(tmp: Path) -> str:
    """A store of the curated incidents alone: the floor of a cold start (the server, its
    imports, the page and the map, with next to no data)."""
    from borderwatch.data import db, ingest

    url = f"sqlite:///{tmp / 'curated.sqlite'}"
    engine = db.make_engine(url)
    ingest.seed(engine)
    engine.dispose()
    return url


def server_once(url: str, snapshot: bool, browser) -> dict:
    from borderwatch.testing.server import MAP_IFRAME, running

    env = {"BORDERWATCH_DB_URL": url, "BORDERWATCH_SNAPSHOT_DIR": "" if snapshot else "off"}
    with running(env, timeout=900) as srv:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        page.goto(srv.url)
        page.frame_locator(MAP_IFRAME).locator("path.leaflet-interactive").first.wait_for(
            state="visible", timeout=900_000)
        cold = time.perf_counter() - srv.started
        ctx.close()
        return {"cold_s": cold, "peak_rss_mb": srv.peak_rss_mb()}


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--store", type=Path, help="a SQLite store to use (built if missing)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--browser", action="store_true",
                    help="also a server's cold start to the map drawn, in Chromium")
    ap.add_argument("--modes", nargs="+", default=["store", "rebuild", "snapshot"],
                    choices=["store", "rebuild", "snapshot"],
                    help="which loads to time (snapshot needs a current one: after rebuild)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / f"store-{args.rows}.sqlite"
        url = f"sqlite:///{path}" if path.exists() else build(path, args.rows)
        results: dict[str, list[dict]] = {}
        for mode in args.modes:
            for _ in range(args.repeat):
                r = load_once(url, mode)
                assert r["source"] == ("snapshot" if mode == "snapshot" else "store"), r
                results.setdefault(mode, []).append(r)
                print(f"  {mode}: {r}", file=sys.stderr, flush=True)
        rows = next(iter(results.values()))[0]["rows"]
        print(f"{rows:,} incidents ({rows - 302:,} SYNTHETIC + 302 curated), SQLite; "
              f"medians of {args.repeat} fresh processes")
        print("| load | wall s | CPU s | peak RSS MB (process baseline before the load) |")
        print("|---|---|---|---|")
        for mode, label in (("store", "from the store, no snapshot (before)"),
                            ("rebuild", "from the store, snapshot written (after an import)"),
                            ("snapshot", "from the snapshot")):
            runs = results.get(mode)
            if not runs:
                continue
            print(f"| {label} | {med(runs, 'wall_s'):.2f} | {med(runs, 'cpu_s'):.2f} | "
                  f"{med(runs, 'peak_rss_mb'):.0f} ({med(runs, 'baseline_rss_mb'):.0f}) |")
        if args.browser:
            from playwright.sync_api import sync_playwright

            from borderwatch.present import render

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(render.CHROMIUM),
                                             args=render.ARGS)
                load_once(url, "current")  # the snapshot, written if it is not current
                floor = curated_store(Path(tmp))
                server_once(floor, True, browser)  # writes its snapshot
                for name, store, snap in (("server, no snapshot", url, False),
                                          ("server, snapshot", url, True),
                                          ("server, 302 curated incidents", floor, True)):
                    for _ in range(args.repeat):
                        r = server_once(store, snap, browser)
                        results.setdefault(name, []).append(r)
                        print(f"  {name}: {r}", file=sys.stderr, flush=True)
                browser.close()
            print("\n| server | cold start to map drawn s | server peak RSS MB |")
            print("|---|---|---|")
            for name in ("server, no snapshot", "server, snapshot",
                         "server, 302 curated incidents"):
                runs = results[name]
                print(f"| {name} | {med(runs, 'cold_s'):.1f} | "
                      f"{med(runs, 'peak_rss_mb'):.0f} |")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
