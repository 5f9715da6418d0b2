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

import folium
import pandas as pd
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster, HeatMap, MarkerCluster
from folium.template import Template
from folium.utilities import JsCode

from borderwatch import geodata
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


configure_offline()

# Above these counts the next, lighter mode is chosen automatically.
POINTS_LIMIT = 2_000
CLUSTERS_LIMIT = 20_000
CENTER = (36.5, 66.0)
ZOOM = 5
CHOROPLETH_COLOURS = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")
LAND = "#f3f1ea"
INCIDENT_CLASS = "bw-incident"  # CSS class of every incident marker (tests find them by it)
SEA = "#e4e7eb"  # outside the covered countries


def resolve_mode(mode: str, n: int) -> str:
    """The display mode to draw: ``auto`` picks the richest one that stays fast at ``n``."""
    if mode != "auto":
        return mode
    if n <= POINTS_LIMIT:
        return "points"
    if n <= CLUSTERS_LIMIT:
        return "clusters"
    return "choropleth-incidents"


def _esc(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def radius(fatalities: float | None) -> float:
    """Marker radius in pixels: 4 px with no deaths, growing with the square root."""
    f = 0.0 if fatalities is None or pd.isna(fatalities) else float(fatalities)
    return round(min(4 + 2 * math.sqrt(max(f, 0)), 22), 1)


def _place(row: Any) -> str:
    parts = [row.location, row.admin2, row.admin1, row.country]
    seen: list[str] = []
    for p in parts:
        if p is not None and not pd.isna(p) and p not in seen:
            seen.append(p)
    return ", ".join(seen)


def _fatalities(value: Any) -> str:
    return "not reported" if value is None or pd.isna(value) else str(int(value))


def tooltip_html(row: Any) -> str:
    """One-glance summary of an incident, escaped."""
    date = row.event_date.strftime("%d %b %Y")
    return (f"<b>{_esc(date)}</b> · {_esc(row.event_type)}<br>{_esc(_place(row))}"
            f"<br>Fatalities: {_esc(_fatalities(row.fatalities))}")


def popup_html(row: Any) -> str:
    """The full record of an incident, escaped."""
    date = row.event_date.strftime("%d %B %Y")
    tp = TIME_PRECISION.get(int(row.time_precision), "") if not pd.isna(row.time_precision) else ""
    gp = GEO_PRECISION.get(int(row.geo_precision), "") if not pd.isna(row.geo_precision) else ""
    actors = _esc(row.actor1) + (f" vs {_esc(row.actor2)}" if not pd.isna(row.actor2) else "")
    sub = f" / {_esc(row.sub_event_type)}" if not pd.isna(row.sub_event_type) else ""
    rows = [
        ("Date", f"{_esc(date)} <small>({_esc(tp)})</small>"),
        ("Type", f"{_esc(row.event_type)}{sub}"),
        ("Actors", actors),
        ("Place", f"{_esc(_place(row))} <small>({_esc(gp)})</small>"),
        ("Fatalities", _esc(_fatalities(row.fatalities))),
        ("Source", _esc(row.source)),
        ("Notes", _esc(row.notes)),
        ("ID", _esc(row.event_id)),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="bw-popup">{body}</table>'


def _incident_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in df.itertuples(index=False):
        out.append({
            "lat": round(float(row.latitude), 5),
            "lon": round(float(row.longitude), 5),
            "colour": EVENT_COLOURS.get(row.event_type, OTHER_COLOUR),
            "radius": radius(row.fatalities),
            "tip": tooltip_html(row),
            "popup": popup_html(row),
        })
    return out


# Bind an already-escaped tooltip and popup to each feature: Leaflet sets them as HTML,
# so the escaping above is what keeps file contents inert.
_BIND = JsCode("""
function(feature, layer) {
    var p = feature.properties;
    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
    if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 360}); }
}
""")

_CLUSTER_CALLBACK = """
function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: row[3], color: '#333', weight: 1, fillColor: row[2], fillOpacity: 0.85,
        className: 'bw-incident'});
    marker.bindTooltip(row[4], {sticky: true});
    marker.bindPopup(row[5], {maxWidth: 360});
    return marker;
};
"""


def _add_points(m: folium.Map, rows: list[dict[str, Any]]) -> None:
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
        "properties": {"colour": r["colour"], "radius": r["radius"], "tip": r["tip"],
                       "popup": r["popup"]},
    } for r in rows]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Incidents",
        marker=folium.CircleMarker(radius=5, weight=1, color="#333", fill=True,
                                   fill_opacity=0.85, className=INCIDENT_CLASS),
        style_function=lambda f: {"fillColor": f["properties"]["colour"],
                                  "radius": f["properties"]["radius"]},
        on_each_feature=_BIND,
        highlight_function=lambda f: {"weight": 3},
        zoom_on_click=False,
    ).add_to(m)


def _add_clusters(m: folium.Map, rows: list[dict[str, Any]]) -> None:
    data = [[r["lat"], r["lon"], r["colour"], r["radius"], r["tip"], r["popup"]] for r in rows]
    FastMarkerCluster(data, callback=_CLUSTER_CALLBACK, name="Incidents (clusters)").add_to(m)


def _add_heat(m: folium.Map, rows: list[dict[str, Any]]) -> None:
    HeatMap([[r["lat"], r["lon"]] for r in rows], name="Incidents (heat)", radius=18,
            blur=14, min_opacity=0.35).add_to(m)


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
def _geometry_json(name: str) -> tuple[str, ...]:
    """Display geometries of a layer as GeoJSON strings, computed once per process."""
    gdf = geodata.display_layer(name)
    return tuple(json.dumps(g.__geo_interface__) for g in gdf.geometry)


def _add_provinces(m: folium.Map, totals: pd.DataFrame, metric: str | None
                   ) -> list[int] | None:
    provinces = geodata.display_layer("provinces")
    merged = provinces[["name", "country"]].merge(totals, on=["country", "name"], how="left")
    merged[["incidents", "fatalities"]] = merged[["incidents", "fatalities"]].fillna(0).astype(int)
    edges = choropleth_bins(merged[metric]) if metric else None
    features = []
    for geom, row in zip(_geometry_json("provinces"), merged.itertuples(index=False), strict=True):
        fill = _choropleth_colour(getattr(row, metric), edges) if metric and edges else LAND
        tip = (f"<b>{_esc(row.name)}</b>, {_esc(row.country)}<br>"
               f"Incidents: {row.incidents}<br>Fatalities: {row.fatalities}")
        features.append({"type": "Feature", "geometry": json.loads(geom),
                         "properties": {"fill": fill, "tip": tip, "popup": tip}})
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Provinces",
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "fillOpacity": 0.9,
                                  "color": "#9a9a9a", "weight": 0.6},
        highlight_function=lambda f: {"weight": 2, "color": "#333"},
        on_each_feature=_BIND,
        zoom_on_click=False,
    ).add_to(m)
    return edges


def _add_countries_and_borders(m: folium.Map) -> None:
    features = [{"type": "Feature", "geometry": json.loads(g), "properties": {}}
                for g in _geometry_json("countries")]
    folium.GeoJson({"type": "FeatureCollection", "features": features}, name="Countries",
                   style_function=lambda f: {"fill": False, "color": "#555", "weight": 1.2},
                   interactive=False, control=False).add_to(m)
    borders = geodata.display_layer("borders")
    afghan = []
    for geom, row in zip(_geometry_json("borders"), borders.itertuples(index=False), strict=True):
        if row.afghan:
            tip = (f"{_esc(row.country_a)}–{_esc(row.country_b)} border "
                   f"({row.length_km:,.0f} km)")
            afghan.append({"type": "Feature", "geometry": json.loads(geom),
                           "properties": {"tip": tip}})
    folium.GeoJson({"type": "FeatureCollection", "features": afghan},
                   name="Afghanistan's borders",
                   style_function=lambda f: {"color": "#1a1a1a", "weight": 3.5,
                                             "opacity": 0.9},
                   on_each_feature=_BIND).add_to(m)


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
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self.sea = SEA
        self.image_path = f"{STATIC_URL}/leaflet/images/"


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


def legend_html(df: pd.DataFrame, mode: str, edges: list[int] | None) -> str:
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
    head = {"clusters": "<b>Event type</b><small>numbered circles group nearby incidents"
                        "</small><br>",
            "playback": "<b>Event type</b><small>one period at a time: press Play</small><br>",
            }.get(mode, "<b>Event type</b>")
    present = [t for t in EVENT_COLOURS if t in set(df["event_type"].dropna())]
    others = sorted(set(df["event_type"].dropna()) - set(EVENT_COLOURS))
    rows = [f'<span class="bw-swatch" style="background:{EVENT_COLOURS[t]}"></span>{_esc(t)}'
            for t in present]
    rows += [f'<span class="bw-swatch" style="background:{OTHER_COLOUR}"></span>{_esc(t)}'
             for t in others]
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
                        .bindTooltip(r[5], {sticky: true}).addTo(layer);
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
    """Rows [lat, lon, colour, radius, period index, tooltip] and one label per period
    (every period from the first incident's to the last's, empty ones included)."""
    if df.empty:
        return [], []
    from borderwatch.charts import FREQ, period_index

    starts = period_index(df["event_date"], period)
    periods = pd.date_range(starts.min(), starts.max(), freq=FREQ[period])
    position = {p: i for i, p in enumerate(periods)}
    fmt = "Week of %d %b %Y" if period == "week" else "%B %Y"
    rows = [[r["lat"], r["lon"], r["colour"], r["radius"], position[s], r["tip"]]
            for r, s in zip(_incident_rows(df), starts, strict=True)]
    return rows, [p.strftime(fmt) for p in periods]


def build_map(df: pd.DataFrame, mode: str = "auto", basemap: str = "none",
              period: str = "month") -> folium.Map:
    """The incident map of ``df`` (already filtered) in the given display mode."""
    drawn = resolve_mode(mode, len(df))
    m = folium.Map(location=CENTER, zoom_start=ZOOM, tiles=None, max_zoom=18, min_zoom=3,
                   control_scale=True, prefer_canvas=False, zoom_snap=0.25)
    _Css().add_to(m)
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False).add_to(m)
    metric = {"choropleth-incidents": "incidents",
              "choropleth-fatalities": "fatalities"}.get(drawn)
    edges = _add_provinces(m, province_totals(df), metric)
    _add_countries_and_borders(m)
    rows = _incident_rows(df) if drawn in ("points", "clusters", "heat") else []
    if drawn == "playback":
        frames, labels = playback_frames(df, period)
        if labels:
            Playback(frames, labels).add_to(m)
    elif drawn == "points":
        _add_points(m, rows)
    elif drawn == "clusters":
        _add_clusters(m, rows)
    elif drawn == "heat":
        _add_heat(m, rows)
    Legend(legend_html(df, drawn, edges)).add_to(m)
    if len(df):
        south, north = float(df["latitude"].min()), float(df["latitude"].max())
        west, east = float(df["longitude"].min()), float(df["longitude"].max())
        pad = 0.6
        FitData([[south - pad, west - pad], [north + pad, east + pad]]).add_to(m)
    return m
