"""How long linking takes: records of two sources at random over the region.

    .venv/bin/python bench/bench_links.py [--rows 1000000]

SYNTHETIC records (uniform over 24-55 N, 45-87 E and ten years; 70/20/10 % at geo
precision 1/2/3, 80/15/5 % at time precision 1/2/3; half "acled", half "ucdp", or with
--small N, N "curated" and the rest "acled"). Prints the
seconds to find candidate pairs and to group them, and how many. Not a test: run it by
hand; the figures go in the README.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from borderwatch.data import links


def records(n: int, seed: int = 1, small: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    source = (rng.choice(["acled", "ucdp"], n) if not small
              else np.array(["curated"] * small + ["acled"] * (n - small)))
    return pd.DataFrame({
        "event_id": [f"SYN{i}" for i in range(n)],
        "event_date": pd.Timestamp("2016-01-01")
        + pd.to_timedelta(rng.integers(0, 3650, n), unit="D"),
        "latitude": rng.uniform(24, 55, n), "longitude": rng.uniform(45, 87, n),
        "event_type": rng.choice(["Battles", "Explosions/Remote violence",
                                  "Violence against civilians", "Protests"], n),
        "geo_precision": rng.choice([1, 2, 3], n, p=[.7, .2, .1]),
        "time_precision": rng.choice([1, 2, 3], n, p=[.8, .15, .05]),
        "source_key": source,
        "fatalities": rng.integers(0, 5, n)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=0,
                        help="instead of two even sources: this many rows of one, the rest "
                             "of the other (curated rows beside a pull)")
    args = parser.parse_args()
    df = records(args.rows, small=args.small)
    t0 = time.perf_counter()
    pairs = links.candidate_pairs(df)
    t1 = time.perf_counter()
    group = links.groups(df, pairs)
    t2 = time.perf_counter()
    split = f"{args.small:,} + {len(df) - args.small:,}" if args.small else "half and half"
    print(f"| {len(df):,} ({split}) | {t1 - t0:.1f} | {t2 - t1:.1f} | {len(pairs):,} | "
          f"{int((group >= 0).sum()):,} |")


if __name__ == "__main__":
    main()
