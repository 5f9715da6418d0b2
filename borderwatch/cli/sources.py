"""``borderwatch`` commands for live sources and the record's review: pull, links,
actors, geocode."""

from __future__ import annotations

import argparse
import json
import sys

from borderwatch.cli.common import engine as _engine


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


def _country_arg(value: str | None) -> str | None:
    """A country given by name or ISO code (AF, AFG) as geodata/ names it."""
    from borderwatch.geo import boundaries, gazetteer, names

    if not value:
        return None
    code = value.strip().upper()
    iso3 = gazetteer.ISO2.get(code, code)
    return boundaries.COUNTRIES.get(iso3) or names.canonical_country(value)


def _geocode(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from borderwatch.data import geocoding, store
    from borderwatch.geo import geocode

    country = _country_arg(args.country)
    found = geocode.search(args.name, country, args.province, limit=args.limit, prefix=False)
    if args.choose is not None:
        if args.choose not in {c.id for c in found}:
            print(f"{args.choose} is not among the places called {args.name!r}",
                  file=sys.stderr)
            return 1
        pending = geocoding.Pending(0, "location", args.name, country or "",
                                    args.province or "", "ambiguous", ())
        geocoding.choose(_engine(), pending, args.choose, args.user or store.current_user())
        print(f"stored: {args.name!r} in {args.province or country or 'the region'} "
              f"is place {args.choose}")
        return 0
    if args.json:
        print(json.dumps([{**asdict(c), "title": c.title} for c in found], indent=1,
                         ensure_ascii=False))
        return 0 if found else 1
    if not found:
        near = geocode.closest(args.name, country)
        print(f"no place called {args.name!r}" + (
            "; closest: " + "; ".join(c.title for c in near) if near else ""))
        return 1
    for c in found:
        print(f"{c.id:>9}  {c.title}  ({c.latitude:.5f}, {c.longitude:.5f}); "
              f"matched {c.matched!r}, score {c.score:g}")
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



def add_commands(sub: argparse._SubParsersAction) -> None:
    """The parsers of these commands."""
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

    gc = sub.add_parser("geocode", help="places of the gazetteer that answer to a name")
    gc.add_argument("name")
    gc.add_argument("--country", help="a country name or ISO code (AF, AFG)")
    gc.add_argument("--province", help="a province (any spelling)")
    gc.add_argument("--limit", type=int, default=8)
    gc.add_argument("--json", action="store_true",
                    help="name, matched alternate, latitude, longitude, province, country, "
                         "population, score, for each candidate")
    gc.add_argument("--choose", type=int, metavar="ID",
                    help="store this place as the answer for the name in --province/"
                         "--country (imports then use it)")
    gc.add_argument("--user", help="who chooses (default: the login name)")
    gc.set_defaults(func=_geocode)

    ac = sub.add_parser("actors", help="list actor names the alias table does not know")
    ac.add_argument("--json", action="store_true")
    ac.set_defaults(func=_actors)

