"""``borderwatch hotspots`` and ``borderwatch signals``: what is emerging, and what changed."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
from typing import TYPE_CHECKING

from borderwatch.cli.common import engine as _engine

if TYPE_CHECKING:  # pandas only when a command runs: `borderwatch run` starts sooner
    import pandas as pd


def _incidents() -> pd.DataFrame:
    """Every incident of the store, each linked event once, with canonical actors."""
    from borderwatch.data import links

    return links.count_once(links.read_linked(_engine()))


def _hotspots(args: argparse.Namespace) -> int:
    from borderwatch.analysis import hotspots

    settings = hotspots.Settings(unit=args.unit, cell_deg=args.cell_deg, period=args.period,
                                 metric=args.metric)
    result = hotspots.analyse(_incidents(), settings)
    table = result.table()
    if args.json:
        print(json.dumps({
            "settings": dataclasses.asdict(settings),
            "periods": result.periods, "reason": result.reason,
            "locations": [{"location": r.name, "lat": float(r.lat), "lon": float(r.lon),
                           "category": r.category, "label": r.label,
                           "latest_z": float(r.latest_z), "trend_p": float(r.trend_p),
                           "hot_periods": int(r.hot_periods),
                           "cold_periods": int(r.cold_periods), "total": int(r.total)}
                          for r in table.itertuples(index=False)]}, indent=1))
        return 0
    if result.reason:
        print(result.reason)
        return 0
    shown = table[table["category"] != "none"]
    print(f"{len(shown)} of {len(table)} locations classified, {result.periods[0]} to "
          f"{result.periods[-1]}")
    for r in shown.itertuples(index=False):
        print(f"  {r.label:<24} {r.name:<40} z={r.latest_z:+.2f}  trend p={r.trend_p:.3f}")
    return 0


def _signals(args: argparse.Namespace) -> int:
    import urllib.parse

    from borderwatch.analysis import signals
    from borderwatch.data.records import is_synthetic
    from borderwatch.ui.text import md_escape

    df = _incidents()
    since = dt.date.fromisoformat(args.since) if args.since else None
    found = signals.evaluate(df, signals.months_since(df, since))
    base = os.environ.get("BORDERWATCH_BASE_URL", "http://localhost:8501").rstrip("/")
    synthetic = bool(is_synthetic(df).any())
    if args.json:
        print(json.dumps({"synthetic": synthetic, "signals": [
            {**s.as_dict(), "link": f"{base}/?{urllib.parse.urlencode(s.params, doseq=True)}"}
            for s in found]}, indent=1, default=str))
        return 0
    months = sorted({s.month for s in found})
    title = "Borderwatch: what changed" + (f" ({months[0]} to {months[-1]})" if months else "")
    if args.markdown:
        print(f"# {'SYNTHETIC DATA: ' if synthetic else ''}{title}\n")
        for s in found:
            url = f"{base}/?{urllib.parse.urlencode(s.params, doseq=True)}"
            print(f"- **{signals.RULES[s.rule]}**: {md_escape(s.text)} [Open]({url})")
        if not found:
            print("No rule fired.")
        print("\nRules: " + " ".join(signals.Settings.from_env().describe()))
        return 0
    print(("SYNTHETIC DATA: " if synthetic else "") + title)
    for s in found:
        print(f"  [{s.rule}] {s.text}")
    if not found:
        print("  no rule fired")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The parsers of these commands."""
    hs = sub.add_parser("hotspots", help="emerging hot spot analysis of every incident "
                                         "(docs/hotspots.md)")
    hs.add_argument("--unit", choices=["cells", "provinces"], default="cells")
    hs.add_argument("--cell-deg", type=float, default=0.5, help="cell size in degrees")
    hs.add_argument("--period", choices=["month", "week"], default="month")
    hs.add_argument("--metric", choices=["incidents", "fatalities"], default="incidents")
    hs.add_argument("--json", action="store_true",
                    help="each location's category, latest z-score and trend p-value")
    hs.set_defaults(func=_hotspots)

    sg = sub.add_parser("signals", help="what changed: rules per province and month, ranked "
                                        "(a digest for a scheduled job)")
    sg.add_argument("--since", help="first month to evaluate (YYYY-MM-DD); default: the "
                                    "latest month of the data")
    out = sg.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--markdown", action="store_true")
    sg.set_defaults(func=_signals)
