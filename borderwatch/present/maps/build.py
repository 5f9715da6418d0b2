"""The incident map: boundaries, the incidents in the display mode chosen, the legend."""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
from folium.plugins import FastMarkerCluster, HeatMap

from borderwatch.analysis import hotspots as hs
from borderwatch.analysis.aggregate import province_totals
from borderwatch.geo import boundaries
from borderwatch.present.maps import assets, hotspot_layer, layers
from borderwatch.present.maps.labels import Labels
from borderwatch.present.maps.legend import (
    choropleth_bins,
    choropleth_colour,
    data_line,
    legend_html,
)
from borderwatch.present.maps.modes import HEAT_CELLS, resolve_mode
from borderwatch.present.maps.rows import (
    esc,
    fits,
    grid_rows,
    heat_points,
    incident_rows,
    playback_frames,
    toll_text,
)
from borderwatch.present.maps.style import CENTER, HEAT_PANE, LAND, ZOOM

# A clustered incident: its circle with the short tooltip (templates/map.js).
_CLUSTER_CALLBACK = ("function (row) { return bwMarker(row, 5).bindTooltip(bwTip(row, 5), "
                     "{sticky: true}).bindPopup(bwPopup(row, 5), {maxWidth: 360}); };")


# A place to open the map on: latitude, longitude, its name (as text), zoom.
Place = tuple[float, float, str, int]


class IncidentMap(folium.Map):
    """A folium map that knows what it shows: the display mode it was drawn in, and the
    extent of its incidents (folium would find the bounds by walking every vertex of
    every layer in Python, which st_folium asks for on each run)."""

    drawn_mode: str = ""
    data_bounds: list[list[float]] | None = None

    def get_bounds(self) -> list[list[float | None]]:
        if self.data_bounds is None:
            return [[None, None], [None, None]]
        return [list(corner) for corner in self.data_bounds]


def drawn_mode(m: folium.Map) -> str:
    """The display mode a map from ``build_map`` was drawn in."""
    return str(getattr(m, "drawn_mode", ""))


def _add_boundaries(m: folium.Map, totals: pd.DataFrame | None, metric: str | None,
                    styles: dict[tuple[str, str], tuple[str, str]] | None = None
                    ) -> list[int] | None:
    """Boundaries with each province's totals (names only without ``totals``); filled by
    ``metric`` if given, or by ``styles`` ((country, province) to fill and hover text).
    Returns the choropleth's class edges."""
    provinces = boundaries.display_layer("provinces")
    if totals is None:
        tips = [f"<b>{esc(r.name)}</b>, {esc(r.country)}" for r in provinces.itertuples()]
        layers.Boundaries([LAND] * len(provinces), tips).add_to(m)
        return None
    merged = provinces[["name", "country"]].merge(totals, on=["country", "name"], how="left")
    for col in ("incidents", "fatalities", "unknown"):  # provinces with no incident: 0
        merged[col] = merged[col].fillna(0).astype(int)
    edges = choropleth_bins(merged[metric]) if metric else None
    fills, tips = [], []
    for row in merged.itertuples(index=False):
        fills.append(choropleth_colour(getattr(row, metric), edges)
                     if metric and edges else LAND)
        tips.append(f"<b>{esc(row.name)}</b>, {esc(row.country)}<br>"
                    f"Incidents: {row.incidents:,}<br>Fatalities: "
                    f"{toll_text(row.fatalities, row.unknown, row.incidents)}")
        if styles and (row.country, row.name) in styles:
            fills[-1], tips[-1] = styles[(row.country, row.name)]
    layers.Boundaries(fills, tips, focusable=bool(metric or styles)).add_to(m)
    return edges


def _lighter_if_too_big(df: pd.DataFrame, drawn: str) -> tuple[str, list[list[Any]]]:
    """Points whose texts exceed the byte budget become clusters, and clusters the grid."""
    rows: list[list[Any]] = []
    if drawn == "points":
        rows = incident_rows(df)
        if not fits(rows):
            drawn = "clusters"
    if drawn == "clusters":
        rows = incident_rows(df, "brief")
        if not fits(rows):
            drawn = "grid"
    return drawn, rows


def _add_incidents(m: folium.Map, df: pd.DataFrame, drawn: str, rows: list[list[Any]],
                   period: str) -> float | None:
    """The incident layer of ``drawn``; returns the grid's cell size, if a grid."""
    if drawn == "playback":
        frames, labels = playback_frames(df, period)
        if labels:
            layers.playback(frames, labels).add_to(m)
    elif drawn == "points":
        layers.points(rows).add_to(m)
    elif drawn == "clusters":
        FastMarkerCluster(rows, callback=_CLUSTER_CALLBACK,
                          name="Incidents (clusters)").add_to(m)
    elif drawn == "heat":
        # In its own pane above the filled provinces (Leaflet's overlay pane would put the
        # canvas beneath their fill, leaving only a halo around the region visible).
        HeatMap(heat_points(df, HEAT_CELLS), name="Incidents (heat)", radius=18, blur=14,
                min_opacity=0.35, max_zoom=10, pane=HEAT_PANE).add_to(m)
    elif drawn == "grid":
        size, cells = grid_rows(df)
        layers.cells(cells, size).add_to(m)
        return size
    return None


def build_map(df: pd.DataFrame, mode: str = "auto", basemap: str = "none",
              period: str = "month", place: Place | None = None,
              hotspots: hs.Result | None = None, presenting: bool = False,
              context: list[str] | None = None) -> IncidentMap:
    """The incident map of ``df`` (already filtered) in the given display mode; opened on
    ``place`` if given, else fitted to the incidents. The Hotspots display draws
    ``hotspots`` (analysed here, by month and 0.5° cells, if not given). ``presenting``
    sets larger legend and label text, for a projector; ``context`` (plain lines: title,
    filters, date, sources...) is printed on the map, for exports."""
    if not assets.configured():
        raise RuntimeError("call borderwatch.present.maps.assets.configure() at start-up: "
                           "without it the map would load Leaflet from a CDN")
    drawn = resolve_mode(mode, len(df))
    # maxZoom and minZoom as Leaflet options: folium gives max_zoom to the tile layer only,
    # and markercluster refuses a map without maxZoom.
    m = IncidentMap(location=CENTER, zoom_start=ZOOM, tiles=None, maxZoom=18, minZoom=3,
                    control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    layers.Setup(presenting=presenting).add_to(m)
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    metric = {"choropleth-incidents": "incidents",
              "choropleth-fatalities": "fatalities"}.get(drawn)
    if drawn == "hotspots":
        result = hotspots or hs.analyse(df, hs.Settings(period=period))
        cells = result.settings.unit == "cells"
        edges = _add_boundaries(m, province_totals(df), None,
                                None if cells else hotspot_layer.province_styles(result))
        if cells:
            layers.Call("Hotspots", "bwHotspots", rows=hotspot_layer.cell_rows(result)).add_to(m)
        Labels().add_to(m)
        m.drawn_mode = drawn
        layers.legend(hotspot_layer.legend(result) + data_line(df)).add_to(m)
    else:
        edges = _add_boundaries(m, province_totals(df), metric)
        Labels().add_to(m)
        drawn, rows = _lighter_if_too_big(df, drawn)
        size = _add_incidents(m, df, drawn, rows, period)
        m.drawn_mode = drawn
        layers.legend(legend_html(df, drawn, edges, size)).add_to(m)
    if len(df):
        south, north = float(df["latitude"].min()), float(df["latitude"].max())
        west, east = float(df["longitude"].min()), float(df["longitude"].max())
        pad = 0.6
        m.data_bounds = [[south - pad, west - pad], [north + pad, east + pad]]
        if place is None:
            layers.fit(m.data_bounds).add_to(m)
    if place is not None:
        layers.Call("Place", "bwPlace", place=list(place)).add_to(m)
    if context:
        layers.context(context).add_to(m)
    return m


def candidates_map(places: list[tuple[float, float, str]]) -> folium.Map:
    """A small map of candidate places (numbered in the order given), with boundaries and
    place names: for an analyst choosing which place a name means."""
    if not assets.configured():
        raise RuntimeError("call borderwatch.present.maps.assets.configure() at start-up")
    m = folium.Map(location=CENTER, zoom_start=ZOOM, tiles=None, maxZoom=14, minZoom=3,
                   control_scale=True, zoom_snap=0.25)
    layers.Setup().add_to(m)
    _add_boundaries(m, None, None)
    Labels().add_to(m)
    layers.Call("Candidates", "bwCandidates", places=[list(p) for p in places]).add_to(m)
    return m
