"""Place search and geocoding against the gazetteer (``gazetteer.py``).

``search`` finds places by any of their spellings, ignoring case, accents, spaces and
punctuation, and tolerating typos: one edit in names of four or five letters, two in longer
ones (Damerau's optimal string alignment, so "Davraz" is two edits from "Darvaz").
``resolve`` places one incident from its location, district and province names, and says
how: a town (geo precision 1), a district through its centre (2), or a point inside the
province (3). Nothing is guessed silently: a name that matches nothing, or two places of one
name in one province, comes back as such, with the candidates.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from borderwatch.geo import names as place_names
from borderwatch.geo.boundaries import load_provinces
from borderwatch.geo.gazetteer import fold, name_index, places, strip_district
from borderwatch.geo.sphere import haversine_km

SAME_PLACE_KM = 5.0  # two gazetteer entries of one name closer than this are one place
PRECISION = {"town": 1, "district": 2, "province": 3}


@dataclass(frozen=True)
class Candidate:
    """A place that answers to a name."""

    id: int  # GeoNames id
    name: str
    matched: str  # the spelling that matched
    kind: str  # "town" or "district" (a district, through its centre)
    latitude: float
    longitude: float
    province: str
    country: str
    population: int
    edits: float  # 0 exact, 1-2 typos; 0.5 a name that starts with the query
    score: float  # 0-100, higher is closer
    primary: bool = False  # matched the place's own name, not an alternate

    def within(self, country: str | None, province: str | None) -> bool:
        """Whether the place lies in ``country`` and ``province`` (when given); a place on
        a border lies in both its countries."""
        return ((not country or country in self.country.split("|"))
                and (not province or province in self.province.split("|")))

    @property
    def title(self) -> str:
        """How the place is named to users: "Darvoz district (centre Qalaikhumb), ..."."""
        own = (f"{self.matched} district (centre {self.name})" if self.kind == "district"
               else self.name)
        return f"{own}, {self.province.replace('|', ' / ')}, {self.country.replace('|', ' / ')}"


def max_edits(key: str) -> int:
    """Typos tolerated in a folded name of this length."""
    return 0 if len(key) < 4 else 1 if len(key) < 6 else 2


@functools.cache
def _keys() -> tuple[list[str], dict[str, np.ndarray]]:
    index = name_index()
    groups = index.groupby("key").indices
    return list(groups), {k: np.asarray(v) for k, v in groups.items()}


def search(query: str, country: str | None = None, province: str | None = None,
           limit: int = 8, prefix: bool = True) -> list[Candidate]:
    """Places answering to ``query``, closest first.

    Parameters
    ----------
    query : str
        A place name in any spelling; words for "district" are ignored.
    country, province : str, optional
        Only places there (names as in geodata/, or any known spelling of them).
    limit : int
        At most this many candidates.
    prefix : bool
        Also names that start with the query (suggestions while typing).

    Returns
    -------
    list of Candidate
        One per place, sorted by edits, then importance.
    """
    text, district_word = strip_district(query)
    key = fold(text)
    if not key:
        return []
    keys, rows = _keys()
    found: dict[str, float] = {key: 0.0} if key in rows else {}
    limit_edits = max_edits(key)
    if limit_edits:
        from rapidfuzz import process  # here: loaded when someone looks a place up
        from rapidfuzz.distance import OSA

        for other, edits, _ in process.extract(key, keys, scorer=OSA.distance,
                                               score_cutoff=limit_edits, limit=None):
            found.setdefault(other, float(edits))
    if prefix and len(key) >= 3:
        for other in keys:
            if other.startswith(key) and other not in found:
                found[other] = 0.5
    return _candidates(found, rows, district_word, country, province)[:limit]


def _candidates(found: dict[str, float], rows: dict[str, np.ndarray], district_word: bool,
                country: str | None, province: str | None) -> list[Candidate]:
    index, table = name_index(), places()
    country = place_names.canonical_country(country) if country else None
    province = place_names.canonical_province(province) if province else None
    best: dict[int, Candidate] = {}
    for key, edits in found.items():
        for r in index.iloc[rows[key]].itertuples(index=False):
            p = table.loc[r.id]
            c = Candidate(int(r.id), str(p["name"]), str(r.matched), str(r.kind),
                          float(p["lat"]), float(p["lon"]), str(p["province"]),
                          str(p["country"]), int(p["population"]), edits,
                          round(max(0.0, 100 - 20 * edits), 1),
                          r.kind == "town" and fold(r.matched) in (fold(p["name"]),
                                                                  fold(p["label"])))
            if not c.within(country, province):
                continue
            old = best.get(c.id)
            if old is None or _better(c, old, district_word):
                best[c.id] = c
    return sorted(best.values(), key=lambda c: (c.edits, not c.primary,
                                                int(table.loc[c.id, "rank"])))


def _better(c: Candidate, old: Candidate, district_word: bool) -> bool:
    """Which of two matches of one place to keep: fewer edits, then the kind the query
    asked for ("... district"), then the place's own name."""
    if c.edits != old.edits:
        return c.edits < old.edits
    if (c.kind == "district") != (old.kind == "district"):
        return (c.kind == "district") == district_word
    return c.primary and not old.primary


def closest(query: str, country: str | None = None, limit: int = 3) -> list[Candidate]:
    """The nearest names however far (for an error message): ranked by similarity."""
    key = fold(strip_district(query)[0])
    if not key:
        return []
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import OSA

    keys, rows = _keys()
    scored = process.extract(key, keys, scorer=fuzz.ratio, limit=40)
    found = {k: float(OSA.distance(key, k)) for k, _, _ in scored}
    out = _candidates(found, rows, False, country, None)
    return sorted(out, key=lambda c: c.edits)[:limit]


@functools.cache
def province_points() -> dict[tuple[str, str], tuple[float, float]]:
    """A point inside each province (its pole of inaccessibility), by (country, name)."""
    from shapely.ops import polylabel

    out = {}
    for r in load_provinces().itertuples(index=False):
        geom = max(getattr(r.geometry, "geoms", [r.geometry]), key=lambda g: g.area)
        p = polylabel(geom, tolerance=0.01)
        out[(str(r.country), str(r.name))] = (round(p.y, 5), round(p.x, 5))
    return out


@dataclass(frozen=True)
class Resolution:
    """How one row's place names resolve.

    ``status``: "placed"; "ambiguous" (two or more places of the name: the analyst
    chooses); "confirm" (no exact match, only near spellings: the analyst confirms one);
    "unknown" (a name that matches nothing; ``candidates`` are the closest); "elsewhere"
    (the name exists, but not in the row's province or country); "none" (no name at all).
    """

    status: str
    column: str = ""
    query: str = ""
    kind: str = ""
    place: Candidate | None = None
    latitude: float | None = None
    longitude: float | None = None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)

    @property
    def precision(self) -> int | None:
        """The geo precision the match supports."""
        return PRECISION.get(self.kind)

    def note(self) -> str:
        """What the row's ``geocode`` column records."""
        if self.kind == "province":
            return f"province {self.query}: a point inside it (no place name given)"
        p = self.place
        assert p is not None
        what = (f"district {p.matched}, at its centre {p.name}" if self.kind == "district"
                else f"town {p.name}")
        return f"{what} (GeoNames {p.id}), from {self.column} {self.query!r}"


def choice_key(country: str | None, province: str | None, name: str) -> tuple[str, str, str]:
    """The key under which an analyst's choice for an ambiguous name is stored."""
    return (place_names.canonical_country(country) or "",
            place_names.canonical_province(province) or "", fold(strip_district(name)[0]))


def resolve(location: str | None, admin2: str | None, admin1: str | None,
            country: str | None, choices: dict[tuple[str, str, str], int] | None = None
            ) -> Resolution:
    """Place one row from its names: ``location``, else ``admin2`` (a district), else
    ``admin1`` (a point inside the province). ``choices`` holds analysts' choices for
    ambiguous names (``choice_key`` to GeoNames id)."""
    choices = choices or {}
    province = place_names.canonical_province(admin1) if _given(admin1) else None
    for column, value in (("location", location), ("admin2", admin2)):
        if _given(value):
            return _resolve_name(column, str(value).strip(), province, country, choices)
    if province:
        point = province_points().get((place_names.canonical_country(country) or "",
                                       province))
        if point is None:
            return Resolution("unknown", "admin1", province)
        return Resolution("placed", "admin1", province, "province", None, *point)
    return Resolution("none")


def _given(value: str | None) -> bool:
    return value is not None and not pd.isna(value) and bool(str(value).strip())


def _resolve_name(column: str, text: str, province: str | None, country: str | None,
                  choices: dict[tuple[str, str, str], int]) -> Resolution:
    district = column == "admin2" or strip_district(text)[1]
    country = place_names.canonical_country(country) if country else None
    found = search(text, country, None, limit=50, prefix=False)
    chosen = choices.get(choice_key(country, province, text))
    pick = [c for c in found if c.id == chosen]
    if pick:
        return _placed(column, text, pick[0], district)
    here = [c for c in found if c.within(None, province)]
    if not here:
        exact = [c for c in found if c.edits == 0]
        if exact:  # the name exists, but not where the row says
            return Resolution("elsewhere", column, text, candidates=tuple(exact[:5]))
        return Resolution("unknown", column, text,
                          candidates=tuple(closest(text, country)))
    top = [c for c in here if c.edits == here[0].edits]
    if top[0].edits > 0:  # only near spellings: the analyst confirms one
        return Resolution("confirm", column, text, candidates=tuple(_distinct(here)[:8]))
    primary = [c for c in top if c.primary]
    distinct = _distinct(primary if len(_distinct(primary)) == 1 else top)
    if len(distinct) > 1:
        return Resolution("ambiguous", column, text, candidates=tuple(distinct[:8]))
    return _placed(column, text, distinct[0], district)


def _placed(column: str, text: str, place: Candidate, district: bool) -> Resolution:
    kind = "district" if district or place.kind == "district" else "town"
    return Resolution("placed", column, text, kind, place, place.latitude, place.longitude)


def _distinct(cands: list[Candidate]) -> list[Candidate]:
    """Candidates that are different places: entries within ``SAME_PLACE_KM`` of a better
    one are the same place."""
    kept: list[Candidate] = []
    for c in cands:
        if all(_km(c, k) > SAME_PLACE_KM for k in kept):
            kept.append(c)
    return kept


def _km(a: Candidate, b: Candidate) -> float:
    return float(haversine_km(a.latitude, a.longitude, b.latitude, b.longitude))
