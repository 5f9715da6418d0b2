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
# Leaflet alone: folium's default also loads jQuery, which nothing here uses.
LEAFLET_JS = [("leaflet", f"{STATIC_URL}/leaflet/leaflet.js")]
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


# The one template branca makes at run time (a Div's children); every other string it
# passes to ``Template`` at run time is rendered output, which is never a template.
RUN_TIME_TEMPLATES = frozenset({
    "{% for name, element in this._children.items() %}{{element.render(**kwargs)}}"
    "{% endfor %}",
})


class Literal:
    """Text that renders to itself, as jinja2 renders text without markup (newlines made
    ``\\n``, one trailing newline dropped), and is never compiled.

    branca wraps every rendered script in a new ``Element(script)`` and passes its text
    to ``Template`` again. That text holds the data: compiled, a ``{{ ... }}`` in an
    incident's notes would be run on the server (jinja2 is not sandboxed), and compiling
    it (the boundaries' 400 KB among it, unique to each run) was most of a page run.
    """

    __slots__ = ("text",)

    def __init__(self, source: str) -> None:
        text = source.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, *args: object, **kwargs: object) -> str:
        return self.text

    @property
    def module(self) -> object:  # what MacroElement reads: text defines no macros
        return jinja2.Template("").module


def template(source: str) -> jinja2.Template | Literal:
    """What branca's ``Template`` becomes once configured: rendered output stays text;
    only the known run-time template is compiled (once)."""
    if source in RUN_TIME_TEMPLATES:
        return _compiled(source)
    return Literal(source)


@functools.lru_cache(maxsize=16)
def _compiled(source: str) -> jinja2.Template:
    """A jinja2 template compiled once per distinct source (immutable, thread-safe)."""
    return jinja2.Template(source)


def configure() -> None:
    """Point folium at the local assets, and make branca keep rendered output as text
    (see ``Literal``). Idempotent."""
    global _configured
    folium.Map.default_js = LEAFLET_JS
    folium.Map.default_css = LEAFLET_CSS
    MarkerCluster.default_js = CLUSTER_JS
    MarkerCluster.default_css = CLUSTER_CSS
    FastMarkerCluster.default_js = CLUSTER_JS
    FastMarkerCluster.default_css = CLUSTER_CSS
    HeatMap.default_js = HEAT_JS
    branca.element.Template = template  # type: ignore[assignment,misc]
    _configured = True


def configured() -> bool:
    """Whether ``configure`` has run in this process."""
    return _configured


@functools.cache
def script(name: str) -> str:
    """A JavaScript file of templates/, read once per process."""
    return (TEMPLATES / name).read_text(encoding="utf-8")
