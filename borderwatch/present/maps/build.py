"""The incident map: boundaries, the incidents in the display mode chosen, the legend."""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
from folium.plugins import FastMarkerCluster, HeatMap

from borderwatch.analysis import hotspots as hs
from borderwatch.analysis.aggregate import PerFrame, province_totals
from borderwatch.present.maps import assets, base, hotspot_layer, layers
from borderwatch.present.maps.labels import Labels
from borderwatch.present.maps.legend import (
    choropleth_bins,
    choropleth_colour,
    data_line,
    legend_html,
)
from borderwatch.present.maps.modes import HEAT_CELLS, LAYER_BYTES, resolve_mode
from borderwatch.present.maps.rows import (
    dots,
    dots_at,
    esc,
    fits,
    grid_rows,
    heat_points,
    incident_rows,
    playback_frames,
    toll_text,
)
from borderwatch.present.maps.style import CENTER, HEAT_PANE, LAND, ZOOM

# Each view's province totals, once per frame: a new session's first map of a million
# incidents summed them again (70 ms of its 150 ms page run), as did each display change.
# The totals are read, never modified (_provinces merges them into a new frame).
view_totals = PerFrame(province_totals)

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
    view: folium.FeatureGroup | None = None  # the view, when drawn apart (build_map)

    def get_bounds(self) -> list[list[float | None]]:
        if self.data_bounds is None:
            return [[None, None], [None, None]]
        return [list(corner) for corner in self.data_bounds]


def drawn_mode(m: folium.Map) -> str:
    """The display mode a map from ``build_map`` was drawn in."""
    return str(getattr(m, "drawn_mode", ""))


def _provinces(totals: pd.DataFrame, metric: str | None,
               styles: dict[tuple[str, str], tuple[str, str]] | None = None
               ) -> tuple[layers.Call, list[int] | None]:
    """The provinces' colours and hover texts with each one's totals: filled by ``metric``
    if given, or by ``styles`` ((country, province) to fill and hover text). Returns the
    view's call and the choropleth's class edges."""
    provinces = pd.DataFrame(base.layers().province_names, columns=["name", "country"])
    merged = provinces.merge(totals, on=["country", "name"], how="left")
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
    return layers.provinces(fills, tips, focusable=bool(metric or styles)), edges


def _base_boundaries(m: folium.Map) -> None:
    """Boundaries with province names only (a view colours them and adds its totals)."""
    names = base.layers().province_names
    tips = [f"<b>{esc(name)}</b>, {esc(country)}" for name, country in names]
    layers.Boundaries([LAND] * len(names), tips).add_to(m)


def _lighter_if_too_big(df: pd.DataFrame, drawn: str) -> tuple[str, Any]:
    """Points whose texts exceed the byte budget go on the canvas, and clusters become
    the grid. Returns the mode and its rows (a packed spec for the canvas)."""
    rows: Any = []
    if drawn == "points":
        rows = incident_rows(df)
        if not fits(rows):
            drawn = "dots"
    if drawn == "dots":
        rows = dots(df)
        if len(rows["data"]) > LAYER_BYTES:
            drawn = "grid"
    if drawn == "clusters":
        rows = incident_rows(df, "brief")
        if not fits(rows):
            drawn = "grid"
    return drawn, rows


# Most records shown for one clicked point of the canvas layer (the rest: the table).
SELECTED_ROWS = 20


def _selection(df: pd.DataFrame, at: tuple[float, float]) -> dict[str, Any] | None:
    """The records at a clicked point of the canvas layer, for its popup."""
    here = dots_at(df, *at)
    if here.empty:
        return None
    return {"ll": list(at), "rows": incident_rows(here.head(SELECTED_ROWS)),
            "more": max(len(here) - SELECTED_ROWS, 0)}


def _add_incidents(view: folium.FeatureGroup, df: pd.DataFrame, drawn: str, rows: Any,
                   period: str, selected: tuple[float, float] | None) -> float | None:
    """The incident layer of ``drawn``; returns the grid's cell size, if a grid."""
    if drawn == "playback":
        frames, labels = playback_frames(df, period)
        if labels:
            layers.playback(frames, labels).add_to(view)
    elif drawn == "points":
        layers.points(rows).add_to(view)
    elif drawn == "dots":
        if selected is not None:
            rows = {**rows, "selected": _selection(df, selected)}
        layers.dots(rows).add_to(view)
    elif drawn == "clusters":
        FastMarkerCluster(rows, callback=_CLUSTER_CALLBACK,
                          name="Incidents (clusters)").add_to(view)
    elif drawn == "heat":
        # In its own pane above the filled provinces (Leaflet's overlay pane would put the
        # canvas beneath their fill, leaving only a halo around the region visible).
        HeatMap(heat_points(df, HEAT_CELLS), name="Incidents (heat)", radius=18, blur=14,
                min_opacity=0.35, max_zoom=10, pane=HEAT_PANE).add_to(view)
    elif drawn == "grid":
        size, cells = grid_rows(df)
        layers.cells(cells, size).add_to(view)
        return size
    return None


def base_map(basemap: str = "none", presenting: bool = False) -> IncidentMap:
    """What every view of the map shares: boundaries, place names, controls, basemap.
    The same arguments give the same map script, so the dashboard keeps the map (with
    its pan and zoom) while only the view changes."""
    if not assets.configured():
        raise RuntimeError("call borderwatch.present.maps.assets.configure() at start-up: "
                           "without it the map would load Leaflet from a CDN")
    # maxZoom and minZoom as Leaflet options: folium gives max_zoom to the tile layer only,
    # and markercluster refuses a map without maxZoom.
    m = IncidentMap(location=CENTER, zoom_start=ZOOM, tiles=None, maxZoom=18, minZoom=3,
                    control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    layers.Setup(presenting=presenting).add_to(m)
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    _base_boundaries(m)
    Labels().add_to(m)
    return m


def build_map(df: pd.DataFrame, mode: str = "auto", basemap: str = "none",
              period: str = "month", place: Place | None = None,
              hotspots: hs.Result | None = None, presenting: bool = False,
              context: list[str] | None = None, selected: tuple[float, float] | None = None,
              split: bool = False) -> IncidentMap:
    """The incident map of ``df`` (already filtered) in the given display mode; opened on
    ``place`` if given, else fitted to the incidents. The Hotspots display draws
    ``hotspots`` (analysed here, by month and 0.5° cells, if not given). ``presenting``
    sets larger legend and label text, for a projector; ``context`` (plain lines: title,
    filters, date, sources...) is printed on the map, for exports. ``selected`` is a
    clicked point of the canvas layer, whose records open in a popup.

    The view (incidents, province colours, legend, framing) is one feature group. With
    ``split`` it is left off the map, as ``m.view``, for the dashboard to send on its own
    (streamlit-folium's ``feature_group_to_add``); otherwise it is on the map."""
    m = base_map(basemap, presenting)
    view = folium.FeatureGroup(name="View", control=False)
    # The framing before the incidents: they are then drawn once, where they will be seen.
    if len(df):
        south, north = float(df["latitude"].min()), float(df["latitude"].max())
        west, east = float(df["longitude"].min()), float(df["longitude"].max())
        pad = 0.6
        m.data_bounds = [[south - pad, west - pad], [north + pad, east + pad]]
        if place is None:
            layers.fit(m.data_bounds).add_to(view)
    if place is not None:
        layers.Call("Place", "bwPlace", place=list(place)).add_to(view)
    drawn = resolve_mode(mode, len(df))
    if drawn == "hotspots":
        result = hotspots or hs.analyse(df, hs.Settings(period=period))
        cells = result.settings.unit == "cells"
        call, _edges = _provinces(view_totals(df), None,
                                  None if cells else hotspot_layer.province_styles(result))
        call.add_to(view)
        if cells:
            layers.Call("Hotspots", "bwHotspots",
                        rows=hotspot_layer.cell_rows(result)).add_to(view)
        legend = layers.legend(hotspot_layer.legend(result) + data_line(df))
    else:
        metric = {"choropleth-incidents": "incidents",
                  "choropleth-fatalities": "fatalities"}.get(drawn)
        call, edges = _provinces(view_totals(df), metric)
        call.add_to(view)
        drawn, rows = _lighter_if_too_big(df, drawn)
        size = _add_incidents(view, df, drawn, rows, period, selected)
        legend = layers.legend(legend_html(df, drawn, edges, size))
    # The legend comes first: the framing then leaves room for it at once (the browser
    # draws the whole view in one go, so nothing is seen before the incidents are drawn).
    legend.add_to(view)
    view._children.move_to_end(legend.get_name(), last=False)
    m.drawn_mode = drawn
    if context:
        layers.context(context).add_to(view)
    if split:
        m.view = view
    else:
        view.add_to(m)
    return m


def candidates_map(places: list[tuple[float, float, str]]) -> folium.Map:
    """A small map of candidate places (numbered in the order given), with boundaries and
    place names: for an analyst choosing which place a name means."""
    if not assets.configured():
        raise RuntimeError("call borderwatch.present.maps.assets.configure() at start-up")
    m = folium.Map(location=CENTER, zoom_start=ZOOM, tiles=None, maxZoom=14, minZoom=3,
                   control_scale=True, zoom_snap=0.25)
    layers.Setup().add_to(m)
    _base_boundaries(m)
    Labels().add_to(m)
    layers.Call("Candidates", "bwCandidates", places=[list(p) for p in places]).add_to(m)
    return m
