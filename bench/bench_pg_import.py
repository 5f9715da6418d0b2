"""A 100,000-row import into PostgreSQL, in wall time and in CPU time on both sides.

    .venv/bin/python bench/bench_pg_import.py [--rows 100000] [--repeat 3]

The file and the steps are bench_import.py's (SYNTHETIC incidents in ACLED layout; validate
against the store, then commit), into a fresh schema each time. Besides the wall time of
each step it reports the CPU time of this process and of the PostgreSQL server processes
serving its connections (read from /proc: the server must run on this machine). On a
machine whose cores are shared with other work, the wall time varies from run to run far
more than the CPU time does; their sum is what the step costs when nothing else runs
(less time waiting for the disk). Medians of ``--repeat``. Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import borderwatch
from borderwatch.data import db, ingest
from borderwatch.geo import boundaries
from borderwatch.testing import synth

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Wall, client CPU and server CPU (every backend this engine opened) of a step."""

    def __init__(self, engine: sa.Engine) -> None:
        self.pids: set[int] = set()

        @sa.event.listens_for(engine, "connect")
        def _record(dbapi_conn: Any, _record: Any) -> None:
            self.pids.add(dbapi_conn.info.backend_pid)

    def server(self) -> float:
        return sum(cpu_s(p) for p in self.pids if Path(f"/proc/{p}").exists())

    def __call__(self, step: Any) -> tuple[Any, dict[str, float]]:
        wall, client, server = time.perf_counter(), time.process_time(), self.server()
        result = step()
        return result, {"wall": time.perf_counter() - wall,
                        "client": time.process_time() - client,
                        "server": self.server() - server}


def run(data: bytes) -> dict[str, dict[str, float]]:
    schema = f"bw_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = db.make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
        ingest.seed(engine)
        meter = Meter(engine)
        engine.dispose()  # every connection from here on is measured
        report, validate = meter(lambda: ingest.validate(data, "bench-acled.csv", engine))
        result, commit = meter(lambda: ingest.commit(report, engine))
        assert result.inserted == len(report.valid), result
        engine.dispose()
        return {"validate": validate, "commit": commit}
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    points = boundaries.load_provinces().representative_point().head(2)
    boundaries.locate(points.y, points.x)  # load geodata and build trees before timing
    data = synth.to_acled(synth.synthesize(args.rows, seed=7)).to_csv(index=False).encode()
    print(f"{args.rows:,} SYNTHETIC rows, ACLED layout, {len(data) / 1e6:.1f} MB; "
          f"code: {Path(borderwatch.__file__).parent}")
    runs = [run(data) for _ in range(args.repeat)]
    print("| step | wall s | client CPU s | server CPU s |")
    print("|---|---|---|---|")
    for step in ("validate", "commit"):
        cells = [statistics.median(r[step][k] for r in runs) for k in ("wall", "client",
                                                                        "server")]
        print(f"| {step} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    total = [r["validate"]["wall"] + r["commit"]["wall"] for r in runs]
    cpu = [sum(r[s][k] for s in ("validate", "commit") for k in ("client", "server"))
           for r in runs]
    print(f"| total | {statistics.median(total):.2f} | CPU, both sides: "
          f"{statistics.median(cpu):.2f} | |")
    print("runs (wall s, validate + commit):",
          ", ".join(f"{r['validate']['wall']:.2f} + {r['commit']['wall']:.2f}" for r in runs))


if __name__ == "__main__":
    main()
