"""Validate-and-import throughput of an ACLED-layout file of SYNTHETIC incidents.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--pg]

Prints one row per database: seconds to validate (read, type, check, province join,
border distance, compare with the store) and to import (one transaction), and their sum.
Not a test: run it by hand; the figures go in the README.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from borderwatch.data import db, ingest, store
from borderwatch.geo import boundaries
from borderwatch.testing import synth

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def run(url: str, data: bytes) -> dict[str, float]:
    engine = db.make_engine(url)
    ingest.seed(engine)
    t0 = time.perf_counter()
    report = ingest.validate(data, "bench-acled.csv", engine)
    t1 = time.perf_counter()
    result = ingest.commit(report, engine)
    t2 = time.perf_counter()
    assert result.inserted == len(report.valid), result
    t3 = time.perf_counter()
    again = ingest.commit(ingest.validate(data, "bench-acled.csv", engine), engine)
    t4 = time.perf_counter()
    assert again.inserted == 0
    undone = store.undo(engine, result.batch_id or 0)
    t5 = time.perf_counter()
    assert undone["deleted"] == result.inserted
    engine.dispose()
    return {"validate": t1 - t0, "import": t2 - t1, "total": t2 - t0,
            "re-import": t4 - t3, "undo": t5 - t4}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--pg", action="store_true", help="also PostgreSQL at " + PG_URL)
    args = ap.parse_args()
    points = boundaries.load_provinces().representative_point().head(2)
    boundaries.locate(points.y, points.x)  # load geodata and build trees before timing
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled.csv"
        synth.to_acled(synth.synthesize(args.rows, seed=7)).to_csv(path, index=False)
        data = path.read_bytes()
        print(f"{args.rows:,} SYNTHETIC rows, ACLED layout, {len(data) / 1e6:.1f} MB")
        urls = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.sqlite'}"}
        if args.pg:
            schema = f"bw_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            urls["postgresql"] = f"{PG_URL}?options=-csearch_path%3D{schema}"
        print(f"{'database':<11} {'validate s':>10} {'import s':>9} {'total s':>8} "
              f"{'re-import s':>11} {'undo s':>7}")
        try:
            for name, url in urls.items():
                r = run(url, data)
                print(f"{name:<11} {r['validate']:>10.2f} {r['import']:>9.2f} "
                      f"{r['total']:>8.2f} {r['re-import']:>11.2f} {r['undo']:>7.2f}")
        finally:
            if args.pg:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
