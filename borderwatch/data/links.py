"""One event, many reports: linking records of the same event across sources.

The approach of the event-matching literature (meltt, Donnay et al. 2018): two records are
candidates when they lie within a distance window and a time window of each other, their
event types are compatible, and they come from different sources (two records of one source
are never linked: a source does not report its own event twice). Less precise records match
more loosely: each record's windows follow its precision, and a pair uses the wider of its
two records' windows. Pairs are accepted closest first, and never so that a group would hold
two records of one source. Analysts can unlink a wrong pair; the decision is stored and
outlives re-imports (it is keyed on event ids).

Defaults, and why:

- distance: 10 km for an exact place (ACLED and UCDP geocode to the nearest named town, a
  few km from where things happened); 25 km for "near a place or a district" (UCDP's
  where_prec 2 means within 25 km); 100 km for a province-level point (a province's
  representative point can be that far from the event);
- time: 1 day for an exact day (sources date overnight events either side of midnight, and
  report them a day late); 7 days for a known week; 31 days for a known month;
- types: UCDP has three types where ACLED has six: state-based and non-state violence
  (our Battles) may be ACLED's Explosions/Remote violence (an air strike, a shelling), and
  one-sided violence (Violence against civilians) may be a bombing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

from borderwatch.data import actors, db, table
from borderwatch.data.db import link_decisions
from borderwatch.data.readers import COUNTRY_LEVEL_NOTE
from borderwatch.geo.sphere import haversine_km

DISTANCE_KM = {1: 10.0, 2: 25.0, 3: 100.0}
TIME_DAYS = {1: 1, 2: 7, 3: 31}
COMPATIBLE: dict[str, set[str]] = {
    "Battles": {"Battles", "Explosions/Remote violence"},
    "Explosions/Remote violence": {"Explosions/Remote violence", "Battles",
                                   "Violence against civilians"},
    "Violence against civilians": {"Violence against civilians", "Explosions/Remote violence"},
    "Protests": {"Protests", "Riots"},
    "Riots": {"Riots", "Protests"},
    "Strategic developments": {"Strategic developments"},
}
# Which record of a linked group stands for it: the curated record (read by a person),
# then UCDP (reviewed before release), then ACLED, then uploads; then the most precise.
PRIORITY = {"curated": 0, "ucdp": 1, "acled": 2, "upload": 3, "seed": 4, "synthetic": 5}
_KM_PER_DAY = 10.0  # how days and km are weighed in the search (the exact test follows)
_KM_PER_DEGREE = 111.32

@dataclass(frozen=True)
class Windows:
    """The matching windows in use (settings, with the defaults above)."""

    distance_km: dict[int, float] = field(default_factory=lambda: dict(DISTANCE_KM))
    time_days: dict[int, int] = field(default_factory=lambda: dict(TIME_DAYS))

    @classmethod
    def from_env(cls) -> Windows:
        """The windows set by ``BORDERWATCH_LINK_KM`` and ``BORDERWATCH_LINK_DAYS`` (three
        numbers each, for precision 1, 2 and 3, e.g. "10,25,100"), else the defaults."""
        return cls(_setting("BORDERWATCH_LINK_KM", DISTANCE_KM, float, "positive"),
                   _setting("BORDERWATCH_LINK_DAYS", TIME_DAYS, int, "non-negative"))


class SettingError(ValueError):
    """A linking setting that cannot be read (the message says which and how to fix it)."""


def _setting(name: str, default: dict, kind: type, sign: str) -> dict:
    """Three numbers from the environment variable ``name``; ``sign`` is "positive" (a
    distance: the search's cells are this size) or "non-negative" (days)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return dict(default)
    try:
        values = [kind(v) for v in raw.split(",")]
    except ValueError:
        values = []
    low = 0 if sign == "positive" else -1
    if len(values) != 3 or any(not v > low for v in values):
        raise SettingError(f"{name} must be three {sign} numbers for precision 1, 2 and 3 "
                         f"(e.g. {','.join(str(v) for v in default.values())}); it is {raw!r}")
    return dict(zip((1, 2, 3), values, strict=True))


def _xy_km(df: pd.DataFrame) -> np.ndarray:
    """Kilometre-like coordinates that never exceed true distances: longitude is scaled by
    the cosine of the data's highest latitude, so a window's box always holds the pairs
    within the window (the exact test follows)."""
    lat = df["latitude"].to_numpy(float)
    lon = df["longitude"].to_numpy(float)
    top = np.radians(np.nanmax(np.abs(lat))) if len(lat) else 0.0
    return np.column_stack([lon * _KM_PER_DEGREE * np.cos(top), lat * _KM_PER_DEGREE])


def candidate_pairs(df: pd.DataFrame, windows: Windows | None = None,
                    unlinked: set[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Every pair of records that may be one event.

    Parameters
    ----------
    df : pandas.DataFrame
        Incidents with ``source_key`` (which source each row comes from).
    windows : Windows, optional
        The distance and time windows by precision.
    unlinked : set of (str, str), optional
        Pairs of event ids an analyst has unlinked (sorted within each pair).

    Returns
    -------
    pandas.DataFrame
        ``i``, ``j`` (row positions), ``km``, ``days``, sorted closest first.
    """
    windows = windows or Windows.from_env()
    if len(df) < 2 or df["source_key"].nunique() < 2:
        return pd.DataFrame({"i": [], "j": [], "km": [], "days": []})
    gp = df["geo_precision"].fillna(3).astype(int).clip(1, 3).to_numpy()
    tp = df["time_precision"].fillna(3).astype(int).clip(1, 3).to_numpy()
    dist = np.vectorize(windows.distance_km.get)(gp).astype(float)
    days = np.vectorize(windows.time_days.get)(tp).astype(float)
    when = df["event_date"].to_numpy("datetime64[D]").astype(np.int64).astype(float)
    source = df["source_key"].astype(str).to_numpy()
    i, j = _boxes(_xy_km(df), when, dist, days, pd.factorize(source)[0])
    if "notes" in df:  # a point that stands for a whole country locates nothing
        rows = np.unique(np.concatenate([i, j]))
        vague = np.zeros(len(df), dtype=bool)
        vague[rows] = (df["notes"].iloc[rows].astype("string")
                       .str.contains(COUNTRY_LEVEL_NOTE, regex=False).fillna(False).to_numpy(bool))
        keep = ~(vague[i] | vague[j])
        i, j = i[keep], j[keep]
    types, etype = np.unique(df["event_type"].astype(str).to_numpy(), return_inverse=True)
    fits = np.array([[b in COMPATIBLE.get(a, {a}) for b in types] for a in types], dtype=bool)
    ok = (source[i] != source[j]) & fits[etype[i], etype[j]]
    i, j = i[ok], j[ok]
    lat, lon = df["latitude"].to_numpy(float), df["longitude"].to_numpy(float)
    km = haversine_km(lat[i], lon[i], lat[j], lon[j])
    gap = np.abs(when[i] - when[j])
    ok = (km <= np.maximum(dist[i], dist[j])) & (gap <= np.maximum(days[i], days[j]))
    out = pd.DataFrame({"i": i[ok], "j": j[ok], "km": km[ok], "days": gap[ok]})
    if unlinked and len(out):
        ids = df["event_id"].astype(str).to_numpy()
        ids_ = [tuple(sorted(p)) for p in zip(ids[out["i"]], ids[out["j"]], strict=True)]
        out = out[[p not in unlinked for p in ids_]]
    return out.sort_values(["km", "days"], kind="stable").reset_index(drop=True)


def _boxes(xy: np.ndarray, when: np.ndarray, dist: np.ndarray, days: np.ndarray,
           source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (i < j) of different sources whose points lie within the pair's wider
    windows on each axis (the exact test follows).

    Rows fall into parts by source and window class (one per precision pair). For two
    parts of different sources, space is divided by the pair's distance window and time
    by its time window, so the windows become the unit box of the max-norm: k-d trees
    find the pairs without Python loops. A part much smaller than the other is instead
    looked up in the larger part's own tree, with the box grown to hold both windows:
    a few curated rows against a million ACLED rows cost almost nothing.
    """
    from scipy.spatial import cKDTree  # here: the dashboard seldom links (a snapshot has it)

    windows, cls = np.unique(np.column_stack([dist, days]), axis=0, return_inverse=True)
    part = cls.astype(np.int64) * (int(source.max(initial=0)) + 1) + source
    keys = np.unique(part)
    members = {int(k): np.flatnonzero(part == k) for k in keys}
    klass = {int(k): int(cls[members[int(k)][0]]) for k in keys}
    src = {int(k): int(source[members[int(k)][0]]) for k in keys}
    own: dict[int, cKDTree] = {}
    found_i, found_j = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for n, p in enumerate(keys):
        for q in keys[n + 1:]:
            p_, q_ = int(p), int(q)
            if src[p_] == src[q_]:
                continue
            small, big = sorted((p_, q_), key=lambda k: len(members[k]))
            d, t = np.maximum(windows[klass[p_]], windows[klass[q_]])
            if len(members[small]) * 20 < len(members[big]):
                i, j = _lookup(xy, when, members[small], members[big], windows[klass[big]],
                               (d, t), own, big)
            else:
                rs, rb = members[small], members[big]
                tree_s = cKDTree(np.column_stack([xy[rs] / d, when[rs] / t]))
                tree_b = cKDTree(np.column_stack([xy[rb] / d, when[rb] / t]))
                hits = tree_s.sparse_distance_matrix(tree_b, 1.0, p=np.inf,
                                                     output_type="ndarray")
                i, j = rs[hits["i"]], rb[hits["j"]]
            found_i.append(np.minimum(i, j))
            found_j.append(np.maximum(i, j))
    return np.concatenate(found_i), np.concatenate(found_j)


def _lookup(xy: np.ndarray, when: np.ndarray, small: np.ndarray, big: np.ndarray,
            big_window: np.ndarray, window: tuple[float, float], own: dict[int, cKDTree],
            key: int) -> tuple[np.ndarray, np.ndarray]:
    """The few rows of ``small`` looked up in ``big``'s tree (scaled by its own window,
    built once) with a box wide enough for ``window`` on both axes."""
    from scipy.spatial import cKDTree

    scale = (float(big_window[0]), float(big_window[1]))
    if key not in own:
        own[key] = cKDTree(np.column_stack([xy[big] / scale[0], when[big] / scale[1]]))
    radius = max(window[0] / scale[0], window[1] / scale[1])
    near = own[key].query_ball_point(np.column_stack([xy[small] / scale[0],
                                                     when[small] / scale[1]]), radius,
                                     p=np.inf)
    counts = np.fromiter(map(len, near), np.int64, len(near))
    flat = np.fromiter((k for hits in near for k in hits), np.int64, int(counts.sum()))
    return np.repeat(small, counts), big[flat]


def groups(df: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """A group number per row (-1: linked to nothing). Pairs are taken closest first; one
    that would put two records of one source in a group is skipped."""
    parent: dict[int, int] = {}
    sources: dict[int, set[str]] = {}
    source = df["source_key"].astype(str).to_numpy()

    def root(k: int) -> int:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i, j in zip(pairs["i"].to_numpy(int), pairs["j"].to_numpy(int), strict=True):
        a, b = root(i), root(j)
        if a == b:
            continue
        sa_, sb = sources.get(a, {source[a]}), sources.get(b, {source[b]})
        if sa_ & sb:
            continue
        parent[b] = a
        sources[a] = sa_ | sb
    out = np.full(len(df), -1)
    for k in parent:  # only rows that appear in a pair
        r = root(k)
        if r in sources:
            out[k] = r
    return out


def unlinked_pairs(engine: Engine) -> set[tuple[str, str]]:
    """The pairs analysts have unlinked."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(link_decisions.c.event_a, link_decisions.c.event_b)
                            .where(link_decisions.c.decision == "unlink")).all()
    return {(min(a, b), max(a, b)) for a, b in rows}


def unlink(engine: Engine, event_a: str, event_b: str, user: str) -> None:
    """Store that two records are not one event; later linking respects it (the data
    version changes, so every view is recomputed)."""
    a, b = sorted((event_a, event_b))
    with db.writing(engine) as conn:
        conn.execute(sa.delete(link_decisions).where(link_decisions.c.event_a == a,
                                                     link_decisions.c.event_b == b))
        conn.execute(sa.insert(link_decisions).values(
            event_a=a, event_b=b, decision="unlink", decided_by=user,
            decided_at=dt.datetime.now(dt.UTC)))
        db.bump_version(conn)


def link(df: pd.DataFrame, engine: Engine | None = None,
         windows: Windows | None = None) -> pd.DataFrame:
    """``df`` with ``link_group`` (-1 when alone) and ``link_size`` for every row."""
    unlinked = unlinked_pairs(engine) if engine is not None else set()
    pairs = candidate_pairs(df, windows, unlinked)
    group = groups(df, pairs) if len(pairs) else np.full(len(df), -1)
    size = pd.Series(group).map(pd.Series(group).value_counts()).to_numpy()
    return df.assign(link_group=group, link_size=np.where(group >= 0, size, 1))


def read_linked(engine: Engine) -> pd.DataFrame:
    """Every record of the store, with canonical actor names and its linked group."""
    return link(actors.with_canonical(table.read_incidents(engine)), engine)


def count_once(df: pd.DataFrame) -> pd.DataFrame:
    """Each linked group as one row: its representative (see ``PRIORITY``), showing the
    representative's toll or, where that is unknown, the lowest toll another record of the
    group reports; ``others`` lists every other record (dataset, toll, source, link)."""
    if "link_group" not in df or not (df["link_group"] >= 0).any():
        return df
    linked = df[df["link_group"] >= 0]
    rank = (linked["source_key"].astype(str).map(PRIORITY).fillna(9)
            + 0.1 * linked["geo_precision"].fillna(3) + 0.01 * linked["time_precision"].fillna(3))
    order = linked.assign(_rank=rank.to_numpy()).sort_values(["link_group", "_rank"],
                                                             kind="stable")
    first = ~order["link_group"].duplicated()
    reps = order[first].drop(columns="_rank")
    lowest = linked.groupby("link_group")["fatalities"].min()
    toll = reps["fatalities"].astype("Int64")
    reps = reps.assign(fatalities=toll.fillna(reps["link_group"].map(lowest).astype("Int64")))
    members = order[~first]
    others = {g: tuple((str(getattr(r, "dataset_label", r.source_key)), r.fatalities,
                        str(r.source),
                        None if pd.isna(r.source_url) else str(r.source_url), str(r.event_id))
                       for r in rows.itertuples(index=False))
              for g, rows in members.groupby("link_group")}
    reps = reps.assign(others=reps["link_group"].map(others))
    return pd.concat([df[df["link_group"] < 0], reps]).sort_index()


@dataclass(frozen=True)
class Member:
    """One record of a linked group."""

    event_id: str
    source: str
    event_date: str
    event_type: str
    latitude: float
    longitude: float
    fatalities: int | None
    source_url: str | None


@dataclass(frozen=True)
class Group:
    """Records linked as one event, and how far apart they are."""

    group: int
    km_apart: float
    days_apart: int
    members: tuple[Member, ...]


def describe(df: pd.DataFrame) -> list[Group]:
    """Each linked group of ``link``'s output (``borderwatch links``, the Upload page)."""
    out = []
    linked = df[df["link_group"] >= 0]
    for g, rows in linked.groupby("link_group", sort=True):
        lat, lon = rows["latitude"].to_numpy(float), rows["longitude"].to_numpy(float)
        km = max((float(haversine_km(lat[a], lon[a], lat[b], lon[b]))
                  for a in range(len(rows)) for b in range(a + 1, len(rows))), default=0.0)
        days = int((rows["event_date"].max() - rows["event_date"].min()).days)
        members = tuple(Member(
            str(r.event_id), str(r.source_key), f"{r.event_date:%Y-%m-%d}",
            str(r.event_type), float(r.latitude), float(r.longitude),
            None if pd.isna(r.fatalities) else int(r.fatalities),
            None if pd.isna(r.source_url) else str(r.source_url))
            for r in rows.itertuples(index=False))
        out.append(Group(int(str(g)), round(km, 1), days, members))
    return out
