"""Place names on the map: countries, provinces and towns, offline and without overlaps.

The server decides which towns may appear at which zoom (``town_zooms``): at each zoom the
map is cut into cells of about ``CELL_PX`` pixels, and the most important towns of each
cell (capitals, then provincial and district centres, then by population; towns where
curated incidents happened count for more) may show from that zoom on. The browser then
places labels in order of priority (countries, provinces, towns) and skips any that would
overlap one already placed (templates/map.js, bwLabels), again after every zoom and pan.
Labels lie above the boundaries and below the incidents, and take no clicks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from jinja2.utils import htmlsafe_json_dumps

from borderwatch.data.records import load_curated
from borderwatch.geo import gazetteer
from borderwatch.geo.boundaries import load_countries, load_provinces
from borderwatch.geo.geocode import province_points
from borderwatch.geo.sphere import haversine_km
from borderwatch.present.maps import base
from borderwatch.present.maps.layers import Call

CELL_PX = 110  # cell size, in screen pixels, in which one town may be labelled per zoom
PER_CELL = 2
ZOOMS = range(4, 12)  # towns appear from zoom 4 (the whole region) to 11
PROVINCE_ZOOM = 6  # province names from this zoom on
CITY_AREA = 0.1  # square degrees: a province smaller than this is a city's
LABELLED = ("PPLC", "PPLA", "PPLA2", "PPLA3", "PPL", "PPLS", "PSTB")  # not ruins, sections
ATTRIBUTION = ("Places: GeoNames (CC BY 4.0) · Afghanistan's borders: © OpenStreetMap "
               "contributors (ODbL) · Provinces: Natural Earth")


NEAR_KM = 1.0


def _incidents_at(places: pd.DataFrame) -> np.ndarray:
    """How many curated incidents lie within ``NEAR_KM`` of each town (curated rows are
    placed at the named town's coordinates)."""
    curated = load_curated()
    lat, lon = curated["latitude"].to_numpy(float), curated["longitude"].to_numpy(float)
    return np.array([int((haversine_km(a, b, lat, lon) <= NEAR_KM).sum())
                     for a, b in zip(places["lat"].to_numpy(float),
                                     places["lon"].to_numpy(float), strict=True)])


def town_zooms(places: pd.DataFrame, score: np.ndarray) -> np.ndarray:
    """The lowest zoom at which each town may be labelled (99: never), the higher
    ``score`` first within each cell."""
    order = (-score).argsort(kind="stable").argsort()
    lat = np.radians(places["lat"].to_numpy(float))
    # Web Mercator pixels at zoom 0 (256 px for the world).
    x = (places["lon"].to_numpy(float) + 180) / 360 * 256
    y = (1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / np.pi) / 2 * 256
    out = np.full(len(places), 99)
    for z in ZOOMS:
        size = CELL_PX / 2 ** z
        cell = pd.Series(list(zip((x // size).astype(int), (y // size).astype(int),
                                  strict=True)))
        best = pd.DataFrame({"cell": cell, "rank": order}).sort_values("rank")
        chosen = best.groupby("cell", sort=False).head(PER_CELL).index.to_numpy()
        out[chosen] = np.minimum(out[chosen], z)
    return out


def label_json() -> str:
    """Every label the map may show, as compact JSON (kept by ``base``): countries
    and provinces ``[lat, lon, name]``, towns ``[lat, lon, name, min zoom, capital]`` most
    important first; script-safe. Names are placed with textContent, never as markup."""
    from shapely.ops import polylabel  # here: kept by base, rarely made

    countries = []
    for r in load_countries().itertuples(index=False):
        geom = max(getattr(r.geometry, "geoms", [r.geometry]), key=lambda g: g.area)
        p = polylabel(geom, tolerance=0.05)
        countries.append([round(p.y, 3), round(p.x, 3), str(r.country)])
    # City-provinces (Dushanbe, Tashkent, Islamabad...) are named by their town's label.
    small = {(r.country, r.name) for r in load_provinces().itertuples(index=False)
             if r.geometry.area < CITY_AREA}
    provinces = [[lat, lon, name] for (c, name), (lat, lon) in province_points().items()
                 if (c, name) not in small]
    places = gazetteer.places()
    places = places[places["feature"].isin(LABELLED)].reset_index(drop=True)
    # A town where curated incidents happened counts as if ten times its size per ten-fold
    # incidents (log10 of 1 + their number).
    score = places["score"].to_numpy() + np.log10(1 + _incidents_at(places))
    zooms = town_zooms(places, score)
    towns = []  # most important first: the browser places them in this order
    for i in (-score).argsort(kind="stable"):
        r = places.iloc[i]
        if zooms[i] < 99:
            towns.append([float(r["lat"]), float(r["lon"]), str(r["label"]), int(zooms[i]),
                          int(r["feature"] == "PPLC")])
    return str(htmlsafe_json_dumps({"countries": countries, "provinces": provinces,
                                    "towns": towns, "provinceZoom": PROVINCE_ZOOM,
                                    "attribution": ATTRIBUTION}, separators=(",", ":")))


class Labels(Call):
    """The label layer: one call of bwLabels with the (cached) label data."""

    def __init__(self) -> None:
        super().__init__("Labels", "bwLabels")
        # The served script's bwBase.labels, or the labels inline.
        self.data = "bwBase.labels" if base.served() else base.layers().labels

    @property
    def json_args(self) -> list[str]:
        return [self.data]  # already script-safe JSON
