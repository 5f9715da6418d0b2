"""Incident maps as folium objects: boundaries, incidents in four display modes, legend.

Everything the browser needs comes from this server: importing this module points
folium (process-wide, once) at the copies of Leaflet and its plugins in static/vendor/,
which Streamlit serves under /app/static/. Every string that came from a file is
HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import functools
import html
import json
import math
from typing import Any

import branca.element
import folium
import jinja2
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster, HeatMap, MarkerCluster
from folium.template import Template

from borderwatch import geodata, grid
from borderwatch.schema import EVENT_COLOURS, GEO_PRECISION, OTHER_COLOUR, TIME_PRECISION

STATIC_URL = "/app/static/vendor"
LEAFLET_JS = [
    ("leaflet", f"{STATIC_URL}/leaflet/leaflet.js"),
    ("jquery", f"{STATIC_URL}/jquery/jquery.min.js"),
]
LEAFLET_CSS = [("leaflet_css", f"{STATIC_URL}/leaflet/leaflet.css")]
CLUSTER_JS = [("markerclusterjs", f"{STATIC_URL}/markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [
    ("markerclustercss", f"{STATIC_URL}/markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", f"{STATIC_URL}/markercluster/MarkerCluster.Default.css"),
]
HEAT_JS = [("leaflet-heat.js", f"{STATIC_URL}/leaflet-heat/leaflet_heat.min.js")]


def configure_offline() -> None:
    """Point folium's class-level asset lists at static/vendor (no CDN)."""
    folium.Map.default_js = LEAFLET_JS
    folium.Map.default_css = LEAFLET_CSS
    MarkerCluster.default_js = CLUSTER_JS
    MarkerCluster.default_css = CLUSTER_CSS
    FastMarkerCluster.default_js = CLUSTER_JS
    FastMarkerCluster.default_css = CLUSTER_CSS
    HeatMap.default_js = HEAT_JS


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> jinja2.Template:
    return jinja2.Template(source)


def cache_element_templates() -> None:
    """Compile each of branca's per-element templates once per process, not per element.

    folium makes a new Element, with its template as a string, for every script and
    stylesheet link of every map; jinja2 then compiles it again each time: 17 compiles,
    70 % of a 100,000-incident map-page run. A compiled jinja2 Template is immutable and
    safe to share between threads.
    """
    branca.element.Template = _compiled  # type: ignore[assignment,misc]


configure_offline()
cache_element_templates()

# The page sent to the browser stays under MAX_PAYLOAD bytes at any number of incidents:
# incidents are drawn one by one only up to these counts (each one costs bytes), and as
# grid cells (grid.py) beyond them. In "auto" the next, lighter mode takes over.
MAX_PAYLOAD = 1_500_000
POINTS_LIMIT = 1_000  # points with full popups, about 1 KB each at most
CLUSTERS_LIMIT = 5_000  # clustered points with a short tooltip, about 120 bytes each
PLAYBACK_LIMIT = 5_000  # playback of single incidents; beyond it, of grid cells
GRID_CELLS = 3_000  # circles in the grid mode
HEAT_CELLS = 20_000  # weighted points in the heat map
PLAYBACK_CELLS = 8_000  # (cell, period) circles in a playback of cells
# Most bytes of incident data in one map: boundaries and code take the rest of
# MAX_PAYLOAD. Incidents whose texts are so long that they would exceed it are drawn in
# the next, lighter mode (points → clusters → grid).
LAYER_BYTES = 900_000
# Longest text of each field shown in a popup; the Incidents table has the full text.
CLIP = {"notes": 300, "source": 150, "actor": 100, "place": 120, "type": 60}
CENTER = (36.5, 66.0)
ZOOM = 5
CHOROPLETH_COLOURS = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")
LAND = "#f3f1ea"
SEA = "#e4e7eb"  # outside the covered countries
CELL_COLOUR = "#d94801"  # grid cells
HEAT_PANE = "bwHeat"  # a map pane above the provinces' fill


def resolve_mode(mode: str, n: int) -> str:
    """The display mode to draw for ``n`` incidents: ``auto`` picks the richest one that
    stays light; points and clusters beyond their limits become the grid."""
    if mode == "auto":
        if n <= POINTS_LIMIT:
            return "points"
        if n <= CLUSTERS_LIMIT:
            return "clusters"
        return "choropleth-incidents"
    if (mode == "points" and n > POINTS_LIMIT) or (mode == "clusters" and n > CLUSTERS_LIMIT):
        return "grid"
    return mode


def fallback_note(requested: str, drawn: str, n: int) -> str | None:
    """Why the map is not drawn in the display asked for, if it is not."""
    limit = {"points": POINTS_LIMIT, "clusters": CLUSTERS_LIMIT,
             "playback": PLAYBACK_LIMIT}.get(requested)
    if limit is None or (drawn == requested and (requested != "playback" or n <= limit)):
        return None
    shown = {"playback": "grid cells, period by period",
             "clusters": "clusters"}.get(drawn, "a grid of cells")
    why = (f"more than the {limit:,} this display draws one by one" if n > limit
           else "their texts are too long to draw each one")
    return (f"{n:,} incidents match: {why}, so they are shown as {shown}. Narrow the "
            "filters to see each incident.")


def _esc(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def radius(fatalities: float | None) -> float:
    """Marker radius in pixels: 4 px with no deaths, growing with the square root."""
    f = 0.0 if fatalities is None or pd.isna(fatalities) else float(fatalities)
    return round(min(4 + 2 * math.sqrt(max(f, 0)), 22), 1)


def _clip(value: Any, field: str) -> Any:
    """Text cut to the popup's length for ``field`` (the map's size must stay bounded)."""
    if not isinstance(value, str) or len(value) <= CLIP[field]:
        return value
    return value[: CLIP[field] - 1].rstrip() + "…"


def _place(row: Any) -> str:
    parts = [row.location, row.admin2, row.admin1, row.country]
    seen: list[str] = []
    for p in parts:
        if p is not None and not pd.isna(p) and p not in seen:
            seen.append(p)
    return _clip(", ".join(seen), "place")


def _fatalities(value: Any) -> str:
    return "not reported" if value is None or pd.isna(value) else str(int(value))


# An incident travels to the browser as escaped fields, and the two templates below turn
# them into its tooltip and popup. Fields: date, type, place, fatalities (the tooltip),
# then time precision, sub-event type, actors, geo precision, source, notes, id.
_TEMPLATES = """
window.bwTip = function (r, i) {
    return '<b>' + r[i] + '</b> · ' + r[i + 1] + '<br>' + r[i + 2] +
           '<br>Fatalities: ' + r[i + 3];
};
window.bwPopup = function (r, i) {
    var rows = [['Date', r[i] + ' <small>(' + r[i + 4] + ')</small>'],
                ['Type', r[i + 1] + (r[i + 5] ? ' / ' + r[i + 5] : '')],
                ['Actors', r[i + 6]],
                ['Place', r[i + 2] + ' <small>(' + r[i + 7] + ')</small>'],
                ['Fatalities', r[i + 3]], ['Source', r[i + 8]], ['Notes', r[i + 9]],
                ['ID', r[i + 10]]];
    return '<table class="bw-popup">' + rows.map(function (x) {
        return '<tr><th>' + x[0] + '</th><td>' + x[1] + '</td></tr>'; }).join('') +
        '</table>';
};
"""


def incident_fields(row: Any, full: bool = True) -> list[str]:
    """The escaped fields of an incident's tooltip and (``full``) popup."""
    date = _esc(row.event_date.strftime("%d %B %Y"))
    tip = [date, _esc(_clip(row.event_type, "type")), _esc(_place(row)),
           _esc(_fatalities(row.fatalities))]
    if not full:
        return tip
    tp = TIME_PRECISION.get(int(row.time_precision), "") if not pd.isna(row.time_precision) else ""
    gp = GEO_PRECISION.get(int(row.geo_precision), "") if not pd.isna(row.geo_precision) else ""
    actors = _esc(_clip(row.actor1, "actor")) + (
        f" vs {_esc(_clip(row.actor2, 'actor'))}" if not pd.isna(row.actor2) else "")
    sub = _esc(_clip(row.sub_event_type, "type")) if not pd.isna(row.sub_event_type) else ""
    return [*tip, _esc(tp), sub, actors, _esc(gp), _esc(_clip(row.source, "source")),
            _esc(_clip(row.notes, "notes")), _esc(row.event_id)]


def incident_rows(df: pd.DataFrame, full: bool = True) -> list[list[Any]]:
    """[lat, lon, colour, radius, *fields] per incident."""
    return [[round(float(row.latitude), 5), round(float(row.longitude), 5),
             EVENT_COLOURS.get(row.event_type, OTHER_COLOUR), radius(row.fatalities),
             *incident_fields(row, full)]
            for row in df.itertuples(index=False)]


def cell_tip(incidents: int, fatalities: int) -> str:
    """Tooltip of a grid cell: numbers only, nothing from a file."""
    noun = "incident" if incidents == 1 else "incidents"
    return f"<b>{incidents:,}</b> {noun}<br>Fatalities: {fatalities:,}"


def cell_radius(incidents: np.ndarray, most: int) -> np.ndarray:
    """Circle radius in pixels of grid cells: area grows with the count, 3 to 16 px."""
    return np.round(3 + 13 * np.sqrt(incidents / max(most, 1)), 1)


_CLUSTER_CALLBACK = """
function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: row[3], color: '#333', weight: 1, fillColor: row[2], fillOpacity: 0.85,
        className: 'bw-incident'});
    marker.bindTooltip(bwTip(row, 4), {sticky: true});
    return marker;
};
"""


class Points(MacroElement):
    """Each incident as a circle, from one array of ``incident_rows``: the tooltip on
    hover, the full record on click."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var layer = L.featureGroup().addTo({{ this._parent.get_name() }});
            {{ this.rows | tojson }}.forEach(function (r) {
                L.circleMarker([r[0], r[1]], {radius: r[3], color: '#333', weight: 1,
                    fillColor: r[2], fillOpacity: 0.85, className: 'bw-incident'})
                    .bindTooltip(bwTip(r, 4), {sticky: true})
                    .bindPopup(bwPopup(r, 4), {maxWidth: 360})
                    .on('mouseover', function () { this.setStyle({weight: 3}); })
                    .on('mouseout', function () { this.setStyle({weight: 1}); })
                    .addTo(layer);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list[list[Any]]) -> None:
        super().__init__()
        self._name = "Incidents"
        self.rows = rows


def _fits(rows: list[list[Any]]) -> bool:
    return len(json.dumps(rows)) <= LAYER_BYTES


def _add_heat(m: folium.Map, df: pd.DataFrame) -> None:
    """Heat of incidents counted per grid cell (at most HEAT_CELLS weighted points)."""
    _size, cells = grid.cells(df, HEAT_CELLS)
    most = int(cells["incidents"].max()) if len(cells) else 1
    weight = np.sqrt(cells["incidents"].to_numpy() / most).round(3)
    data = np.column_stack([cells["lat"].round(4), cells["lon"].round(4), weight]).tolist()
    # In its own pane above the filled provinces (Leaflet's overlay pane would put the
    # canvas beneath their fill, leaving only a halo around the region visible).
    HeatMap(data, name="Incidents (heat)", radius=18, blur=14, min_opacity=0.35,
            max_zoom=10, pane=HEAT_PANE).add_to(m)


class Cells(MacroElement):
    """Grid cells as circles sized by their count, from one array [lat, lon, radius,
    tooltip]; the tooltips hold numbers only. Click a cell to zoom to it."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var size = {{ this.size }};
            var layer = L.featureGroup().addTo(map);
            {{ this.rows | tojson }}.forEach(function (r) {
                L.circleMarker([r[0], r[1]], {radius: r[2], color: '#7f2704', weight: 1,
                    fillColor: {{ this.colour | tojson }}, fillOpacity: 0.6,
                    className: 'bw-cell'})
                    .bindTooltip(r[3], {sticky: true})
                    .on('click', function () {
                        map.fitBounds([[r[4], r[5]], [r[4] + size, r[5] + size]],
                                      {maxZoom: 11});
                    })
                    .addTo(layer);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list[list[Any]], size: float) -> None:
        super().__init__()
        self._name = "Cells"
        self.colour = CELL_COLOUR
        self.rows = rows
        self.size = size


def grid_rows(df: pd.DataFrame, max_cells: int = GRID_CELLS) -> tuple[float, list[list[Any]]]:
    """The cell size and, per non-empty cell, [lat, lon, radius, tooltip, south, west]."""
    size, cells = grid.cells(df, max_cells)
    if cells.empty:
        return size, []
    radii = cell_radius(cells["incidents"].to_numpy(), int(cells["incidents"].max()))
    rows = [[round(float(c.lat), 4), round(float(c.lon), 4), float(r),
             cell_tip(int(c.incidents), int(c.fatalities)), round(float(c.south), 4),
             round(float(c.west), 4)]
            for c, r in zip(cells.itertuples(index=False), radii, strict=True)]
    return size, rows


def province_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Incidents and fatalities per (country, province) of the given incidents."""
    grouped = df.groupby(["country", "admin1"], dropna=True, observed=True)
    return pd.DataFrame({
        "incidents": grouped.size(),
        "fatalities": grouped["fatalities"].sum(min_count=1).fillna(0).astype(int),
    }).reset_index().rename(columns={"admin1": "name"})


def choropleth_bins(values: pd.Series, k: int = len(CHOROPLETH_COLOURS) - 1) -> list[int]:
    """Upper edges of ``k`` classes (0 has its own colour), rounded, strictly rising."""
    positive = values[values > 0]
    if positive.empty:
        return [1]
    qs = positive.quantile([i / k for i in range(1, k + 1)]).round().astype(int).tolist()
    edges: list[int] = []
    for q in qs:
        q = max(q, 1)
        if not edges or q > edges[-1]:
            edges.append(q)
    return edges


def _choropleth_colour(value: int, edges: list[int]) -> str:
    if value <= 0:
        return CHOROPLETH_COLOURS[0]
    for i, edge in enumerate(edges):
        if value <= edge:
            return CHOROPLETH_COLOURS[i + 1]
    return CHOROPLETH_COLOURS[-1]


@functools.cache
def _layer_json(name: str) -> str:
    """A display layer as compact GeoJSON, each feature's ``id`` its row number; made once
    per process. Only numbers and fixed keys: safe to place in a script as it is."""
    gdf = geodata.display_layer(name)
    if name == "borders":
        gdf = gdf[gdf["afghan"] == 1]
    features = [{"type": "Feature", "id": i, "geometry": g.__geo_interface__, "properties": {}}
                for i, g in enumerate(gdf.geometry)]
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))


@functools.cache
def _border_tips() -> tuple[str, ...]:
    borders = geodata.display_layer("borders")
    return tuple(f"{_esc(r.country_a)}–{_esc(r.country_b)} border ({r.length_km:,.0f} km)"
                 for r in borders.itertuples(index=False) if r.afghan)


class Boundaries(MacroElement):
    """Provinces (filled by ``fills``, with escaped ``tips``), country outlines and
    Afghanistan's borders. The geometries are serialised once per process; each page
    run sends them with only its own colours and tooltips."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var fills = {{ this.fills | tojson }};
            var tips = {{ this.tips | tojson }};
            var base = {fillOpacity: 0.9, color: '#9a9a9a', weight: 0.6};
            L.geoJSON({{ this.provinces }}, {
                style: function (f) { return L.extend({fillColor: fills[f.id]}, base); },
                onEachFeature: function (f, layer) {
                    layer.bindTooltip(tips[f.id], {sticky: true})
                         .bindPopup(tips[f.id], {maxWidth: 360})
                         .on('mouseover', function () {
                             layer.setStyle({weight: 2, color: '#333'}); })
                         .on('mouseout', function () { layer.setStyle(base); });
                }
            }).addTo(map);
            L.geoJSON({{ this.countries }}, {interactive: false,
                style: {fill: false, color: '#555', weight: 1.2}}).addTo(map);
            var borderTips = {{ this.border_tips | tojson }};
            L.geoJSON({{ this.borders }}, {
                style: {color: '#1a1a1a', weight: 3.5, opacity: 0.9},
                onEachFeature: function (f, layer) {
                    layer.bindTooltip(borderTips[f.id], {sticky: true});
                }
            }).addTo(map);
        })();
        {% endmacro %}
    """)

    def __init__(self, fills: list[str], tips: list[str]) -> None:
        super().__init__()
        self._name = "Boundaries"
        self.fills = fills
        self.tips = tips
        self.provinces = _layer_json("provinces")
        self.countries = _layer_json("countries")
        self.borders = _layer_json("borders")
        self.border_tips = list(_border_tips())


def _add_boundaries(m: folium.Map, totals: pd.DataFrame, metric: str | None
                    ) -> list[int] | None:
    """Boundaries with each province's totals; filled by ``metric`` if given. Returns the
    choropleth's class edges."""
    provinces = geodata.display_layer("provinces")
    merged = provinces[["name", "country"]].merge(totals, on=["country", "name"], how="left")
    merged[["incidents", "fatalities"]] = merged[["incidents", "fatalities"]].fillna(0).astype(int)
    edges = choropleth_bins(merged[metric]) if metric else None
    fills, tips = [], []
    for row in merged.itertuples(index=False):
        fills.append(_choropleth_colour(getattr(row, metric), edges)
                     if metric and edges else LAND)
        tips.append(f"<b>{_esc(row.name)}</b>, {_esc(row.country)}<br>"
                    f"Incidents: {row.incidents:,}<br>Fatalities: {row.fatalities:,}")
    Boundaries(fills, tips).add_to(m)
    return edges


class _Css(MacroElement):
    """Page-level CSS and Leaflet settings for the map document."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
          .leaflet-container { background: {{ this.sea }}; font: 13px/1.35 system-ui, sans-serif; }
          .bw-legend { background: rgba(255,255,255,.94); padding: 8px 10px; border-radius: 6px;
                       box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 13px; line-height: 1.5; }
          .bw-legend b { display: block; margin-bottom: 2px; }
          .bw-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%;
                       border: 1px solid #333; margin-right: 6px; vertical-align: -1px; }
          .bw-box { display: inline-block; width: 14px; height: 12px; border: 1px solid #999;
                    margin-right: 6px; vertical-align: -1px; }
          .bw-popup th { text-align: left; padding-right: 8px; vertical-align: top; }
          .bw-popup td { overflow-wrap: anywhere; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
          L.Icon.Default.imagePath = {{ this.image_path | tojson }};
          {{ this._parent.get_name() }}.createPane({{ this.heat_pane | tojson }})
              .style.zIndex = 450;
          {{ this.templates }}
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self.sea = SEA
        self.image_path = f"{STATIC_URL}/leaflet/images/"
        self.templates = _TEMPLATES
        self.heat_pane = HEAT_PANE


class Legend(MacroElement):
    """A fixed legend in the map's lower-left corner (HTML built from escaped strings)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: 'bottomleft'});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div', 'bw-legend');
                div.innerHTML = {{ this.html | tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html_text


class FitData(MacroElement):
    """Fit the map to the incidents, and again whenever the frame is resized until the
    user pans or zooms (Streamlit sizes the iframe after the script has run)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var bounds = {{ this.bounds | tojson }};
            var touched = false;
            function fit() {
                // Keep every incident clear of the legend in the lower-left corner
                // (Leaflet pads top-left and bottom-right: reserve the legend's width on
                // the left and its height at the bottom).
                var legend = map.getContainer().querySelector('.bw-legend');
                var w = legend ? legend.offsetWidth + 12 : 12;
                var h = legend ? legend.offsetHeight + 12 : 12;
                var size = map.getSize();
                // Not laid out yet, or too small to pad: the resize observer fits again.
                if (size.x < 2 * w || size.y < 2 * h) {
                    if (size.x > 0 && size.y > 0) {
                        map.fitBounds(bounds, {maxZoom: 8, animate: false});
                    }
                    return;
                }
                map.fitBounds(bounds, {maxZoom: 8, paddingTopLeft: [w, 12],
                                       paddingBottomRight: [12, h], animate: false});
            }
            fit();
            map.getContainer().addEventListener('pointerdown', function () { touched = true; });
            map.getContainer().addEventListener('wheel', function () { touched = true; });
            var observer = new ResizeObserver(function () {
                map.invalidateSize();
                if (!touched) { fit(); }
            });
            observer.observe(map.getContainer());
            // The legend may be laid out after the map: refit when its size is known.
            var legend = map.getContainer().querySelector('.bw-legend');
            if (legend) { observer.observe(legend); }
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitData"
        self.bounds = bounds


def legend_html(df: pd.DataFrame, mode: str, edges: list[int] | None,
                cell_size: float | None = None) -> str:
    if mode.startswith("choropleth"):
        metric = "Incidents" if mode.endswith("incidents") else "Fatalities"
        rows = [f'<span class="bw-box" style="background:{CHOROPLETH_COLOURS[0]}"></span>0']
        lower = 1
        for colour, edge in zip(CHOROPLETH_COLOURS[1:], edges or [], strict=False):
            label = f"{lower}" if lower == edge else f"{lower}–{edge}"
            rows.append(f'<span class="bw-box" style="background:{colour}"></span>{label}')
            lower = edge + 1
        return f"<b>{metric} per province</b>" + "<br>".join(rows)
    if mode == "heat":
        return "<b>Incident density</b>low → high"
    if mode == "grid" or (mode == "playback" and len(df) > PLAYBACK_LIMIT):
        cell = f"{cell_size:g}° cells" if cell_size else "grid cells"
        head = ("<b>Incidents per cell</b>" if mode == "grid" else
                "<b>Incidents per cell</b><small>one period at a time: press Play</small><br>")
        return (f'{head}<span class="bw-swatch" style="background:{CELL_COLOUR}"></span>'
                f"{cell}<br><small>Size: number of incidents</small>")
    head = {"clusters": "<b>Event type</b><small>numbered circles group nearby incidents"
                        "</small><br>",
            "playback": "<b>Event type</b><small>one period at a time: press Play</small><br>",
            }.get(mode, "<b>Event type</b>")
    types = set(df["event_type"].dropna().unique().tolist())
    present = [t for t in EVENT_COLOURS if t in types]
    others = sorted(types - set(EVENT_COLOURS))
    rows = [f'<span class="bw-swatch" style="background:{EVENT_COLOURS[t]}"></span>{_esc(t)}'
            for t in present]
    if others:  # one colour for every type outside ACLED's six, so one line for them
        label = (_esc(_clip(others[0], "type")) if len(others) == 1
                 else f"{len(others)} other types")
        rows.append(f'<span class="bw-swatch" style="background:{OTHER_COLOUR}"></span>{label}')
    size = "Size: fatalities (small = none reported)"
    return head + "<br>".join(rows) + f"<br><small>{size}</small>"


class Playback(MacroElement):
    """Animates incidents period by period (week or month): play/pause, a slider, the
    period's label. Plain Leaflet, so it works offline; tooltips arrive escaped."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var rows = {{ this.rows | tojson }};
            var labels = {{ this.labels | tojson }};
            var layer = L.layerGroup().addTo(map);
            var byPeriod = labels.map(function () { return []; });
            rows.forEach(function (r) { byPeriod[r[4]].push(r); });
            var ctl = L.control({position: 'topright'});
            var state = {i: 0, timer: null};
            ctl.onAdd = function () {
                var div = L.DomUtil.create('div', 'bw-legend bw-playback');
                div.innerHTML = '<button type="button" class="bw-play">▶ Play</button> ' +
                    '<input type="range" min="0" value="0" class="bw-slider"> ' +
                    '<b class="bw-period"></b> <span class="bw-count"></span>';
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            ctl.addTo(map);
            var root = ctl.getContainer();
            var slider = root.querySelector('.bw-slider');
            var button = root.querySelector('.bw-play');
            slider.max = String(labels.length - 1);
            function show(i) {
                state.i = i;
                slider.value = String(i);
                layer.clearLayers();
                byPeriod[i].forEach(function (r) {
                    L.circleMarker([r[0], r[1]], {radius: r[3], color: '#333', weight: 1,
                        fillColor: r[2], fillOpacity: 0.85, className: 'bw-incident'})
                        .bindTooltip(r.length > 6 ? bwTip(r, 5) : r[5], {sticky: true})
                        .addTo(layer);
                });
                root.querySelector('.bw-period').textContent = labels[i];
                root.querySelector('.bw-count').textContent =
                    byPeriod[i].length + (byPeriod[i].length === 1 ? ' incident' : ' incidents');
            }
            function stop() { clearInterval(state.timer); state.timer = null;
                              button.textContent = '▶ Play'; }
            button.addEventListener('click', function () {
                if (state.timer) { stop(); return; }
                if (state.i >= labels.length - 1) { show(0); }
                button.textContent = '❚❚ Pause';
                state.timer = setInterval(function () {
                    if (state.i >= labels.length - 1) { stop(); return; }
                    show(state.i + 1);
                }, {{ this.interval }});
            });
            slider.addEventListener('input', function () { stop(); show(+slider.value); });
            show(0);
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list[list[Any]], labels: list[str], interval_ms: int = 800):
        super().__init__()
        self._name = "Playback"
        self.rows = rows
        self.labels = labels
        self.interval = int(interval_ms)


def playback_frames(df: pd.DataFrame, period: str) -> tuple[list[list[Any]], list[str]]:
    """Rows [lat, lon, colour, radius, period index, tooltip fields] and one label per period
    (every period from the first incident's to the last's, empty ones included).

    Up to PLAYBACK_LIMIT incidents, one row per incident; beyond it, one row per grid
    cell and period (at most PLAYBACK_CELLS), sized by its count."""
    if df.empty:
        return [], []
    from borderwatch.charts import FREQ, period_index

    starts = period_index(df["event_date"], period)
    periods = pd.date_range(starts.min(), starts.max(), freq=FREQ[period])
    fmt = "Week of %d %b %Y" if period == "week" else "%B %Y"
    labels = [p.strftime(fmt) for p in periods]
    index = pd.Index(periods).get_indexer(starts)
    if len(df) <= PLAYBACK_LIMIT:
        rows = [[*r[:4], int(i), *r[4:]]
                for r, i in zip(incident_rows(df, full=False), index, strict=True)]
        return rows, labels
    _size, cells = grid.cells(df, PLAYBACK_CELLS, groups=index, n_groups=len(periods))
    radii = cell_radius(cells["incidents"].to_numpy(), int(cells["incidents"].max()))
    rows = [[round(float(c.lat), 4), round(float(c.lon), 4), CELL_COLOUR, float(r),
             int(c.group), cell_tip(int(c.incidents), int(c.fatalities))]
            for c, r in zip(cells.itertuples(index=False), radii, strict=True)]
    return rows, labels


class IncidentMap(folium.Map):
    """A folium map that knows what it shows: the display mode it was drawn in, and the
    extent of its incidents. (folium would find the bounds by walking every vertex of
    every layer in Python: 0.12 s per page run, asked for by st_folium.)"""

    drawn_mode: str = ""
    data_bounds: list[list[float]] | None = None

    def get_bounds(self) -> list[list[float | None]]:
        if self.data_bounds is None:
            return [[None, None], [None, None]]
        return [list(corner) for corner in self.data_bounds]


def drawn_mode(m: folium.Map) -> str:
    """The display mode a map from ``build_map`` was drawn in."""
    return str(getattr(m, "drawn_mode", ""))


def build_map(df: pd.DataFrame, mode: str = "auto", basemap: str = "none",
              period: str = "month") -> IncidentMap:
    """The incident map of ``df`` (already filtered) in the given display mode."""
    drawn = resolve_mode(mode, len(df))
    # maxZoom and minZoom as Leaflet options: folium gives max_zoom to the tile layer only,
    # and markercluster refuses a map without maxZoom.
    m = IncidentMap(location=CENTER, zoom_start=ZOOM, tiles=None, maxZoom=18, minZoom=3,
                     control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    _Css().add_to(m)
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    metric = {"choropleth-incidents": "incidents",
              "choropleth-fatalities": "fatalities"}.get(drawn)
    edges = _add_boundaries(m, province_totals(df), metric)
    size: float | None = None
    rows: list[list[Any]] = []
    if drawn == "points":
        rows = incident_rows(df)
        if not _fits(rows):
            drawn = "clusters"
    if drawn == "clusters":
        rows = incident_rows(df, full=False)
        if not _fits(rows):
            drawn = "grid"
    if drawn == "playback":
        frames, labels = playback_frames(df, period)
        if labels:
            Playback(frames, labels).add_to(m)
    elif drawn == "points":
        Points(rows).add_to(m)
    elif drawn == "clusters":
        FastMarkerCluster(rows, callback=_CLUSTER_CALLBACK,
                          name="Incidents (clusters)").add_to(m)
    elif drawn == "heat":
        _add_heat(m, df)
    elif drawn == "grid":
        size, cells = grid_rows(df)
        Cells(cells, size).add_to(m)
    m.drawn_mode = drawn
    Legend(legend_html(df, drawn, edges, size)).add_to(m)
    if len(df):
        south, north = float(df["latitude"].min()), float(df["latitude"].max())
        west, east = float(df["longitude"].min()), float(df["longitude"].max())
        pad = 0.6
        m.data_bounds = [[south - pad, west - pad], [north + pad, east + pad]]
        FitData(m.data_bounds).add_to(m)
    return m
