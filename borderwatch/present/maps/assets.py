"""Offline assets: folium pointed at the copies of Leaflet and its plugins in
static/vendor/ (served by Streamlit under /app/static/), and the map's own JavaScript.

``configure()`` changes folium's and branca's class attributes, which every session of
the process shares: it is called once, explicitly, when the app (or a command, or the
test session) starts; nothing is changed on import. ``build_map`` refuses to draw before
it, so that no map ever falls back to a CDN.
"""

from __future__ import annotations

import functools
from pathlib import Path

import branca.element
import folium
import jinja2
from folium.plugins import FastMarkerCluster, HeatMap, MarkerCluster

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
IMAGE_PATH = f"{STATIC_URL}/leaflet/images/"
TEMPLATES = Path(__file__).resolve().parent / "templates"

_configured = False


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> jinja2.Template:
    """A jinja2 template compiled once per distinct source (immutable, thread-safe)."""
    return jinja2.Template(source)


def configure() -> None:
    """Point folium at the local assets, and compile branca's element templates once.

    folium makes a new element, with its template as a string, for every script and
    stylesheet link of every map, and jinja2 would compile each again every time: most of
    a large map-page run. Idempotent.
    """
    global _configured
    folium.Map.default_js = LEAFLET_JS
    folium.Map.default_css = LEAFLET_CSS
    MarkerCluster.default_js = CLUSTER_JS
    MarkerCluster.default_css = CLUSTER_CSS
    FastMarkerCluster.default_js = CLUSTER_JS
    FastMarkerCluster.default_css = CLUSTER_CSS
    HeatMap.default_js = HEAT_JS
    branca.element.Template = _compiled  # type: ignore[assignment,misc]
    _configured = True


def configured() -> bool:
    """Whether ``configure`` has run in this process."""
    return _configured


@functools.cache
def script(name: str) -> str:
    """A JavaScript file of templates/, read once per process."""
    return (TEMPLATES / name).read_text(encoding="utf-8")
