"""Time to produce each export of a view, for the curated data and for SYNTHETIC data.

    .venv/bin/python bench/bench_exports.py [--rows 100000]

Prints seconds per export. The map uses the automatic display mode (at 100,000 incidents:
the province choropleth). Not a test: run by hand; figures go in the README.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import pandas as pd

from borderwatch.analysis import filters as flt
from borderwatch.data import records
from borderwatch.present import charts, export, maps, render
from borderwatch.testing import synth


def timed(fn: Callable[[], object]) -> tuple[float, int]:
    t = time.perf_counter()
    out = fn()
    size = len(out) if isinstance(out, (bytes, str)) else 0
    return time.perf_counter() - t, size


def exports(df: pd.DataFrame, b) -> dict[str, tuple[float, int]]:
    f = flt.Filters()

    def pdf() -> bytes:
        ctx = export.context(df, f, len(df), "http://127.0.0.1:8501/brief")
        return render.brief_pdf(export.brief(df, f, df, ctx), maps.build_map(df),
                                charts.timeline_figure(df), "A4", b)

    return {
        "CSV": timed(lambda: export.csv_bytes(df)),
        "GeoJSON": timed(lambda: export.geojson_bytes(df)),
        "map HTML": timed(lambda: render.standalone_map_html(maps.build_map(df))),
        "map PNG": timed(lambda: render.map_png(maps.build_map(df), b)),
        "chart PNG (timeline)": timed(lambda: render.chart_png(charts.timeline_figure(df), b)),
        "PDF brief": timed(pdf),
    }


def main() -> None:
    maps.assets.configure()
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    curated = records.load_curated()
    big = records.typed(synth.synthesize(args.rows, seed=11).astype(str))
    def both(b) -> dict[str, dict[str, tuple[float, int]]]:
        exports(curated.head(3), b)  # warm up the browser and caches
        return {"curated (17)": exports(curated, b),
                f"synthetic ({args.rows:,})": exports(big, b)}

    rows = render.with_browser(both)
    names = list(next(iter(rows.values())))
    print(f"{'export':<22}" + "".join(f"{k:>24}" for k in rows))
    for name in names:
        cells = "".join(f"{rows[k][name][0]:>12.2f} s {rows[k][name][1] / 1e6:>7.2f} MB"
                        for k in rows)
        print(f"{name:<22}{cells}")


if __name__ == "__main__":
    main()
