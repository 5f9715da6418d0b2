"""The map's Leaflet layers as folium elements. Their JavaScript lives in templates/map.js
(loaded once by the map: the script ``base.served`` links, or inline); each element only
calls one of its functions with its own data, serialised as JSON."""

from __future__ import annotations

import json
from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

from borderwatch.data.schema import EVENT_COLOURS, OTHER_COLOUR, OTHER_SHAPE, SHAPES, shape_for
from borderwatch.geo import boundaries
from borderwatch.present.maps import assets, base
from borderwatch.present.maps.rows import esc
from borderwatch.present.maps.style import CELL_COLOUR, HEAT_PANE, SEA


class Setup(JSCSSMixin):
    """Page-level CSS, Leaflet settings and the map functions, once per map document: a
    link to the served script (``base.served``), or the functions inline."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
          .leaflet-container { background: {{ this.sea }}; font: 13px/1.35 system-ui, sans-serif; }
          .bw-legend, .bw-context { background: rgba(255,255,255,.94); padding: 8px 10px;
                       border-radius: 6px;
                       box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 13px; line-height: 1.5;
                       max-width: 230px; }
          .bw-synthetic { color: #8a1c00; }
          .bw-legend b { display: block; margin-bottom: 2px; }
          .bw-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%;
                       border: 1px solid #333; margin-right: 6px; vertical-align: -1px; }
          .bw-box { display: inline-block; width: 14px; height: 12px; border: 1px solid #999;
                    margin-right: 6px; vertical-align: -1px; }
          .bw-popup th { text-align: left; padding-right: 8px; vertical-align: top; }
          .bw-popup td { overflow-wrap: anywhere; }
          .bw-label { position: absolute; white-space: nowrap; line-height: 15px;
                      color: #1f1f1f; font: 12px/15px system-ui, sans-serif;
                      text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
          .bw-label-town::before, .bw-label-capital::before {
              content: ""; display: inline-block; width: 5px; height: 5px; margin-right: 4px;
              border-radius: 50%; background: #1f1f1f; border: 1px solid #fff;
              vertical-align: 1px; }
          .bw-label-capital { font-weight: 600; }
          .bw-label-province { font-style: italic; color: #4a4a4a; }
          .bw-label-country { font-weight: 600; font-size: 13px; color: #3a3a3a;
                              letter-spacing: .08em; }
          .bw-place-name { font-weight: 600; }
          .bw-mark { background: none; border: 0; }
          .bw-mark { display: flex; align-items: center; justify-content: center; }
          .bw-mark svg { display: block; overflow: visible; flex: none; }
          .bw-mark:hover path, .bw-mark:focus path { stroke-width: 3; }
          .leaflet-container :focus-visible, .bw-mark:focus {
              outline: 3px solid #0b3d91; outline-offset: 2px; }
          .bw-legend summary { cursor: pointer; font-weight: 600; }
          .bw-legend details:not([open]) summary { margin: 0; }
          .bw-legend svg { width: 14px; height: 14px; margin-right: 6px; vertical-align: -2px; }
          .bw-pan { display: grid; grid-template-columns: repeat(3, 26px); }
          .bw-pan a { font: bold 15px/26px system-ui, sans-serif; text-align: center; }
          .bw-sr { position: absolute; width: 1px; height: 1px; overflow: hidden;
                   clip: rect(0 0 0 0); white-space: nowrap; }
          .bw-context { max-width: 460px; overflow-wrap: anywhere; }
          .bw-context small { display: block; font-size: 12px; line-height: 1.35; }
          .bw-presenting .bw-legend, .bw-presenting .bw-label { font-size: 18px; }
          .bw-presenting .bw-label { line-height: 20px; }
          .bw-presenting .bw-legend { max-width: 320px; }
          /* A narrow map's attribution wraps: beside the scale, not over it. */
          .leaflet-right .leaflet-control-attribution { max-width: calc(100vw - 120px); }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
          L.Icon.Default.imagePath = {{ this.image_path | tojson }};
          {{ this._parent.get_name() }}.createPane({{ this.heat_pane | tojson }})
              .style.zIndex = 450;
          {{ this.functions }}
          bwMarks = {{ this.marks | tojson }};
          bwAccess({map: {{ this._parent.get_name() }}}, {{ this.heading | tojson }},
                   {{ this.presenting | tojson }});
          bwNoOpeningReport();
        {% endmacro %}
    """)

    def __init__(self, heading: str = "Incident map", presenting: bool = False) -> None:
        super().__init__()
        self.heading = heading  # fixed words: the map document's (visually hidden) heading
        self.presenting = presenting  # larger legend and labels, for a projector
        # Each type's colour names its mark's shape (colours are one per type).
        self.marks = {**{c: SHAPES[shape_for(t)] for t, c in EVENT_COLOURS.items()},
                      OTHER_COLOUR: SHAPES[OTHER_SHAPE]}
        self.sea = SEA
        self.image_path = assets.IMAGE_PATH
        served = base.served()
        self.default_js = [("borderwatch_map", served)] if served else []
        self.functions = "" if served else assets.script("map.js")
        self.heat_pane = HEAT_PANE


class Call(MacroElement):
    """One call of a map function, ``fn(t, *args)``, named ``name`` among its parent's
    children; each argument is kept as an attribute and sent as script-safe JSON. The
    parent is the map, or a view's feature group (``t`` is what bwIn in templates/map.js
    gives: the map, the group and a way to add controls that leave with the group)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        bwIn({{ this._parent.get_name() }}, function (t) { {{ this.fn }}(t
            {%- for a in this.json_args %}, {{ a }}{% endfor %}); });
        {% endmacro %}
    """)

    def __init__(self, name: str, fn: str, **args: Any) -> None:
        super().__init__()
        self._name = name
        self.fn = fn
        self.arg_names = list(args)
        for key, value in args.items():
            setattr(self, key, value)

    @property
    def json_args(self) -> list[str]:
        return [str(htmlsafe_json_dumps(getattr(self, n))) for n in self.arg_names]


def points(rows: list[list[Any]]) -> Call:
    """Each incident as its type's mark: the tooltip on hover or focus, the full record on
    click or Enter."""
    return Call("Incidents", "bwPoints", rows=rows)


def cells(rows: list[list[Any]], size: float) -> Call:
    """Grid cells as circles sized by their count (tooltips hold numbers only); a click
    zooms to the cell."""
    return Call("Cells", "bwCells", rows=rows, size=size, colour=CELL_COLOUR)


def provinces(fills: list[str], tips: list[str], focusable: bool) -> Call:
    """A view's colours and escaped hover texts of the provinces (in the order of the
    boundaries' display layer), and whether they are keyboard stops."""
    return Call("Provinces", "bwProvinces", fills=fills, tips=tips, focusable=focusable)


def dots(spec: dict[str, Any]) -> Call:
    """Many incidents on one canvas, from packed arrays (rows.dots)."""
    return Call("Dots", "bwDots", spec=spec)


def legend(html_text: str) -> Call:
    """A fixed legend in the map's lower-left corner (HTML built from escaped strings)."""
    return Call("Legend", "bwLegend", html=html_text)


def context(lines: list[str]) -> Call:
    """What an exported map is (title, filters, date, sources, attribution, address), in
    a box in its upper-right corner; ``lines`` are plain text, escaped here."""
    return Call("Context", "bwContext", lines=[esc(x) for x in lines])


def fit(bounds: list[list[float]]) -> Call:
    """Fit the map to the incidents, and again on resize until the user pans or zooms."""
    return Call("FitData", "bwFit", bounds=bounds)


def playback(rows: list[list[Any]], labels: list[str], interval_ms: int = 800) -> Call:
    """Incidents (or cells) period by period: play/pause, a slider, the period's label."""
    return Call("Playback", "bwPlayback", rows=rows, labels=labels, interval=int(interval_ms))


def layer_json(name: str) -> str:
    """A display layer as compact GeoJSON, each feature's ``id`` its row number (kept by
    ``base``). Only numbers and fixed keys: safe to place in a script as it is."""
    gdf = boundaries.display_layer(name)
    if name == "borders":
        gdf = gdf[gdf["afghan"] == 1]
    features = [{"type": "Feature", "id": i, "geometry": g.__geo_interface__, "properties": {}}
                for i, g in enumerate(gdf.geometry)]
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))


def border_tips() -> list[str]:
    """The escaped hover text of each of Afghanistan's borders (kept by ``base``)."""
    borders = boundaries.display_layer("borders")
    return [f"{esc(r.country_a)}–{esc(r.country_b)} border ({r.length_km:,.0f} km)"
            for r in borders.itertuples(index=False) if r.afghan]


class Boundaries(MacroElement):
    """Provinces (filled by ``fills``, with escaped ``tips``), country outlines and
    Afghanistan's borders. The geometries come serialised from ``base`` (made once, kept
    on disk); a view colours the provinces again (``provinces``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        bwBoundaries({map: {{ this._parent.get_name() }}},
            {provinces: {{ this.provinces }}, countries: {{ this.countries }},
             borders: {{ this.borders }}},
            {{ this.fills | tojson }}, {{ this.tips | tojson }},
            {{ this.border_tips | tojson }}, {{ this.focusable | tojson }});
        {% endmacro %}
    """)

    def __init__(self, fills: list[str], tips: list[str], focusable: bool = False) -> None:
        super().__init__()
        self._name = "Boundaries"
        self.focusable = focusable  # provinces in the tab order (province displays only)
        self.fills = fills
        self.tips = tips
        kept = base.layers()
        served = base.served() is not None  # then the served script defines bwBase
        self.provinces = "bwBase.provinces" if served else kept.provinces
        self.countries = "bwBase.countries" if served else kept.countries
        self.borders = "bwBase.borders" if served else kept.borders
        self.border_tips = kept.border_tips
