"""Signals: simple, explainable rules, evaluated per province and month, each with the
numbers behind it (docs/hotspots.md gives the rules, their defaults and their limits).

- **level**: incidents (or known fatalities) in a month at a level not seen in the
  previous ``lookback`` months, and at least the floor;
- **first**: the first incident in a province after ``quiet`` months without one;
- **actor**: an actor never seen in the province before (generic names excluded);
- **hotspot**: the province becomes a new, consecutive or intensifying hot spot in the
  emerging hot spot analysis by province and month (``hotspots.py``);
- **rise**: a sharp rise against the same month a year earlier.

A rule that looks back needs the data to reach back that far: a month is only compared
with months the data cover.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from borderwatch.analysis import hotspots
from borderwatch.data.actors import GENERIC

RULES = {"hotspot": "Became an emerging hot spot", "level": "Level not seen in a year or more",
         "rise": "Sharp rise on the same month last year",
         "first": "First incident after a quiet year", "actor": "Actor new to the province"}
WEIGHT = {"hotspot": 5.0, "level": 4.0, "rise": 3.0, "first": 2.0, "actor": 1.0}
EMERGING = ("new-hot", "consecutive-hot", "intensifying-hot")


@dataclass(frozen=True)
class Settings:
    """Thresholds, settable as ``BORDERWATCH_SIGNAL_<NAME>`` (e.g. _LOOKBACK=24)."""

    lookback: int = 12  # months a "level" must exceed
    floor_incidents: int = 3  # a level signal needs at least this many incidents
    floor_fatalities: int = 10  # ... or this many known fatalities
    quiet: int = 12  # months without an incident before a "first" signal
    rise_ratio: float = 2.0  # "rise": at least this multiple of the same month last year
    rise_floor: int = 3  # ... and at least this many more incidents

    @classmethod
    def from_env(cls) -> Settings:
        """The defaults, with any ``BORDERWATCH_SIGNAL_*`` variable applied."""
        values = {}
        for f in cls.__dataclass_fields__.values():
            raw = os.environ.get(f"BORDERWATCH_SIGNAL_{f.name.upper()}")
            if raw:
                values[f.name] = type(getattr(cls(), f.name))(raw)
        return cls(**values)

    def describe(self) -> list[str]:
        """The rules in words, with these thresholds."""
        return [
            "Hot spot: the province becomes a new, consecutive or intensifying hot spot "
            "(emerging hot spot analysis by province and month).",
            f"Level: incidents (at least {self.floor_incidents}) or known fatalities (at "
            f"least {self.floor_fatalities}) higher than in any of the previous "
            f"{self.lookback} months.",
            f"Rise: at least {self.rise_ratio:g} times the incidents of the same month a year "
            f"earlier, and at least {self.rise_floor} more.",
            f"First: an incident after {self.quiet} months without one.",
            "Actor: a named actor never seen in the province before (generic names such as "
            "civilians or unidentified groups are left out).",
        ]


@dataclass(frozen=True)
class Signal:
    """One rule that fired: where, when, the numbers and a link to the view."""

    rule: str
    month: str  # YYYY-MM
    country: str
    province: str
    text: str  # plain words, with the numbers
    value: float
    baseline: float | None
    score: float
    params: dict[str, str | list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Plain data (``borderwatch signals --json``)."""
        return {**asdict(self), "rule_title": RULES[self.rule]}


def _month(ts: pd.Period) -> str:
    return ts.strftime("%B %Y")


def _n(count: float, noun: str) -> str:
    return f"{count:,.0f} {noun}{'' if count == 1 else 's'}"


def _monthly(df: pd.DataFrame, months: pd.PeriodIndex
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per province (rows: country, province) and month: incidents, the sum of the known
    tolls (an unknown toll adds nothing to it), and incidents whose toll is unknown."""
    period = pd.to_datetime(df["event_date"]).dt.to_period("M")
    keys = [df["country"].astype(str), df["admin1"].astype(str), period]
    toll = df["fatalities"].astype("Float64")
    grouped = df.assign(f=toll, u=toll.isna()).groupby(keys, observed=True)

    def table(s: pd.Series) -> pd.DataFrame:
        return s.unstack(fill_value=0).reindex(columns=months, fill_value=0).astype(float)

    return table(grouped.size()), table(grouped["f"].sum()), table(grouped["u"].sum())


def evaluate(df: pd.DataFrame, months: list[pd.Period] | None = None,
             settings: Settings | None = None) -> list[Signal]:
    """The signals of ``months`` (default: the latest month of ``df``), ranked.

    Parameters
    ----------
    df : pandas.DataFrame
        Incidents, with every filter but the dates applied (the rules look back).
    months : list of pandas.Period, optional
        The months to evaluate.
    settings : Settings, optional
        Thresholds (default: ``Settings.from_env()``).

    Returns
    -------
    list of Signal
        Strongest first.
    """
    s = settings or Settings.from_env()
    if df.empty:
        return []
    dates = pd.to_datetime(df["event_date"])
    first, last = dates.min().to_period("M"), dates.max().to_period("M")
    months = months or [last]
    axis = pd.period_range(first, last, freq="M")
    inc, fat, unknown = _monthly(df, axis)
    out: list[Signal] = []
    for m in months:
        if m < first or m > last:
            continue
        i = axis.get_loc(m)
        out += _levels(inc, fat, unknown, i, axis, s)
        out += _rises(inc, i, axis, s)
        out += _firsts(inc, i, axis, s)
    out += _actors(df, [m for m in months if first <= m <= last], first, s)
    out += _hotspots(df, [m for m in months if first <= m <= last])
    return sorted(out, key=lambda x: (-x.score, x.month, x.country, x.province))


def _params(country: str, province: str, m: pd.Period, **extra: str
            ) -> dict[str, str | list[str]]:
    start, end = m.start_time.date(), m.end_time.date()
    return {"country": [country], "province": [province], "from": start.isoformat(),
            "to": end.isoformat(), **{k: [v] for k, v in extra.items()}}


def _levels(inc: pd.DataFrame, fat: pd.DataFrame, unknown: pd.DataFrame, i: int,
            axis: pd.PeriodIndex, s: Settings) -> list[Signal]:
    out = []
    for what, table, floor in (("incidents", inc, s.floor_incidents),
                               ("known fatalities", fat, s.floor_fatalities)):
        if i < s.lookback:  # the data do not reach back far enough
            continue
        now = table.iloc[:, i]
        before = table.iloc[:, i - s.lookback:i]
        fired = (now >= floor) & (now > before.max(axis=1))
        for (country, province), value in now[fired].items():
            history = table.loc[(country, province)].iloc[:i]
            higher = np.flatnonzero(history.to_numpy() >= value)
            since = (f"the highest since {_month(axis[higher[-1]])}" if len(higher)
                     else f"the highest since the data begin ({_month(axis[0])})")
            peak = before.loc[(country, province)]
            # Known tolls are lower bounds: say so where earlier months had unknown ones.
            gaps = int(unknown.loc[(country, province)].iloc[i - s.lookback:i].sum()
                       ) if what == "known fatalities" else 0
            caveat = (f" (tolls unknown for {gaps:,} incidents in those months: the "
                      "comparison is with known tolls only)" if gaps else "")
            out.append(Signal(
                "level", str(axis[i]), country, province,
                f"{province}: {value:,.0f} {what} in {_month(axis[i])}, {since}; the most in "
                f"the previous {s.lookback} months was {peak.max():,.0f}{caveat}.",
                float(value), float(peak.max()), WEIGHT["level"] + np.log1p(value),
                _params(country, province, axis[i])))
    return out


def _rises(inc: pd.DataFrame, i: int, axis: pd.PeriodIndex, s: Settings) -> list[Signal]:
    if i < 12:
        return []
    now, year_ago = inc.iloc[:, i], inc.iloc[:, i - 12]
    fired = (now >= s.rise_ratio * year_ago) & (now - year_ago >= s.rise_floor)
    return [Signal("rise", str(axis[i]), c, p,
                   f"{p}: {now[(c, p)]:,.0f} incidents in {_month(axis[i])} against "
                   f"{year_ago[(c, p)]:,.0f} in {_month(axis[i - 12])}.",
                   float(now[(c, p)]), float(year_ago[(c, p)]),
                   WEIGHT["rise"] + np.log1p(now[(c, p)] - year_ago[(c, p)]),
                   _params(c, p, axis[i]))
            for c, p in now[fired].index]


def _firsts(inc: pd.DataFrame, i: int, axis: pd.PeriodIndex, s: Settings) -> list[Signal]:
    if i < s.quiet:
        return []
    now = inc.iloc[:, i]
    quiet = inc.iloc[:, i - s.quiet:i].sum(axis=1) == 0
    fired = (now > 0) & quiet
    out = []
    for c, p in now[fired].index:
        history = np.flatnonzero(inc.loc[(c, p)].iloc[:i].to_numpy() > 0)
        last = (f"the last was in {_month(axis[history[-1]])}" if len(history)
                else f"none since the data begin ({_month(axis[0])})")
        out.append(Signal("first", str(axis[i]), c, p,
                          f"{p}: {_n(now[(c, p)], 'incident')} in {_month(axis[i])} after "
                          f"{s.quiet} months without one; {last}.", float(now[(c, p)]), 0.0,
                          WEIGHT["first"] + np.log1p(now[(c, p)]), _params(c, p, axis[i])))
    return out


def _actors(df: pd.DataFrame, months: list[pd.Period], first: pd.Period,
            s: Settings) -> list[Signal]:
    cols = [c for c in ("actor1_canonical", "actor2_canonical") if c in df] or ["actor1",
                                                                               "actor2"]
    period = pd.to_datetime(df["event_date"]).dt.to_period("M")
    long = pd.concat([pd.DataFrame({"country": df["country"].astype(str),
                                    "province": df["admin1"].astype(str),
                                    "actor": df[c].astype("string"), "month": period})
                      for c in cols]).dropna()
    long = long[(long["actor"] != "") & ~long["actor"].map(lambda a: bool(GENERIC.match(a)))]
    seen = long.groupby(["country", "province", "actor"], observed=True)["month"].min()
    out = []
    for m in months:
        if (m - first).n < s.lookback:  # "never seen before" needs a year of history
            continue
        new = seen[seen == m]
        for (c, p, actor), _ in new.items():
            n = int(((long["country"] == c) & (long["province"] == p) & (long["actor"] == actor)
                     & (long["month"] == m)).sum())
            out.append(Signal("actor", str(m), c, p,
                              f"{p}: {actor} appears for the first time ({_n(n, 'incident')} in "
                              f"{_month(m)}; none before, in data from {_month(first)}).",
                              float(n), 0.0, WEIGHT["actor"] + np.log1p(n),
                              _params(c, p, m, actor=actor)))
    return out


def _hotspots(df: pd.DataFrame, months: list[pd.Period]) -> list[Signal]:
    settings = hotspots.Settings(unit="provinces", period="month", min_locations=10)
    period = pd.to_datetime(df["event_date"]).dt.to_period("M")
    out = []
    for m in months:
        now = hotspots.analyse(df[period <= m], settings)
        before = hotspots.analyse(df[period <= m - 1], settings)
        if now.reason is not None:
            continue
        old = (dict(zip(before.locations["name"], before.category, strict=True))
               if before.reason is None else {})
        table = now.table().assign(this_month=now.counts[:, -1])
        # A province lit only by its neighbours is not news of its own.
        table = table[table["category"].isin(EMERGING) & (table["this_month"] > 0)]
        for r in table.itertuples():
            if old.get(r.name) == r.category:
                continue
            label = hotspots.CATEGORIES[r.category].lower()
            out.append(Signal(
                "hotspot", str(m), str(r.country), str(r.province),
                f"{r.province}: now a {label} (significant in {r.recent_hot} of the last "
                f"{min(12, len(now.periods))} months; was "
                f"{hotspots.CATEGORIES.get(old.get(r.name, 'none'), 'no pattern').lower()}); "
                f"{_n(r.this_month, 'incident')} in {_month(m)}, {r.total:,} since "
                f"{_month(pd.Period(now.periods[0]))}.",
                float(r.recent_hot), None, WEIGHT["hotspot"] + np.log1p(r.total),
                _params(str(r.country), str(r.province), m)))
    return out


def months_since(df: pd.DataFrame, since: dt.date | None) -> list[pd.Period]:
    """The months from ``since`` to the latest month of ``df`` (just the latest without)."""
    if df.empty:
        return []
    last = pd.to_datetime(df["event_date"]).max().to_period("M")
    if since is None:
        return [last]
    return list(pd.period_range(pd.Period(since, "M"), last, freq="M"))
