import json
import re

import pandas as pd
import pytest

from borderwatch import incidents, maps
from borderwatch.schema import EVENT_COLOURS
from tests.conftest import XSS


def render(m) -> str:
    return m.get_root().render()


def layers(m) -> dict:
    """The data of each named layer of a folium map."""
    return {child.layer_name: child.data for child in m._children.values()
            if hasattr(child, "layer_name") and hasattr(child, "data")}


def incident_texts(m) -> list[str]:
    data = layers(m)
    if "Incidents" in data:
        return [f["properties"][k] for f in data["Incidents"]["features"] for k in ("tip", "popup")]
    return [text for row in data["Incidents (clusters)"] for text in row[4:6]]


@pytest.fixture
def hostile(hostile_csv):
    return incidents.read_csv(hostile_csv)


@pytest.mark.parametrize("n, mode", [(0, "points"), (2_000, "points"), (2_001, "clusters"),
                                     (20_000, "clusters"), (20_001, "choropleth-incidents")])
def test_automatic_mode_keeps_the_map_light_as_volume_grows(n, mode):
    assert maps.resolve_mode("auto", n) == mode
    assert maps.resolve_mode("heat", n) == "heat"


def test_radius_grows_with_fatalities_and_is_capped():
    assert maps.radius(None) == maps.radius(0) == 4
    assert maps.radius(1) < maps.radius(9) < maps.radius(100) <= 22
    assert maps.radius(10_000) == 22


@pytest.mark.parametrize("mode", ["points", "clusters", "heat", "choropleth-incidents",
                                  "choropleth-fatalities"])
def test_every_mode_loads_only_local_assets(curated, mode):
    html = render(maps.build_map(curated, mode))
    assert not re.search(r"(src|href)=\"https?://", html)
    assert "/app/static/vendor/leaflet/leaflet.js" in html


def test_online_tiles_only_when_asked(curated):
    assert "tile.openstreetmap.org" not in render(maps.build_map(curated, "points", "none"))
    assert "tile.openstreetmap.org" in render(maps.build_map(curated, "points", "osm"))


def test_points_mode_draws_each_incident_in_its_type_colour(curated):
    features = layers(maps.build_map(curated, "points"))["Incidents"]["features"]
    assert len(features) == len(curated)
    by_id = dict(zip(curated.event_id, curated.event_type, strict=False))
    for feature in features:
        event_id = re.search(r"<th>ID</th><td>([^<]+)</td>", feature["properties"]["popup"])[1]
        assert feature["properties"]["colour"] == EVENT_COLOURS[by_id[event_id]]
    darvoz = [f for f in features if "Darvoz district" in f["properties"]["tip"]]
    assert darvoz[0]["geometry"]["coordinates"] == [70.78, 38.46]


def test_tooltips_and_popups_escape_file_contents(hostile):
    for mode in ("points", "clusters"):
        m = maps.build_map(hostile, mode)
        assert XSS not in render(m)
        texts = incident_texts(m)
        assert not any("<img" in t for t in texts)
        assert sum("&lt;img src=x onerror=alert(1)&gt;" in t for t in texts) == 2


def test_popup_shows_the_full_record(curated):
    row = next(curated[curated.event_id == "BW-0008"].itertuples(index=False))
    popup = maps.popup_html(row)
    for text in ("04 September 2023", "Battles / Armed clash", "Jamaat Ansarullah",
                 "Gorno-Badakhshan", "Tajikistan", ">3<", "BW-0008", "district"):
        assert text in popup
    blank = next(curated[curated.event_id == "BW-0011"].itertuples(index=False))
    assert "not reported" in maps.popup_html(blank)


def test_province_totals_and_choropleth(curated):
    totals = maps.province_totals(curated).set_index("name")
    assert totals.loc["Khyber Pakhtunkhwa", "incidents"] == 4
    assert totals.loc["Khyber Pakhtunkhwa", "fatalities"] == 84 + 54 + 7 + 6
    m = maps.build_map(curated, "choropleth-fatalities")
    assert "Fatalities per province" in render(m)
    tips = [f["properties"]["tip"] for f in layers(m)["Provinces"]["features"]]
    assert "<b>Khyber Pakhtunkhwa</b>, Pakistan<br>Incidents: 4<br>Fatalities: 151" in tips
    fills = {f["properties"]["tip"].split("<")[1]: f["properties"]["fill"]
             for f in layers(m)["Provinces"]["features"]}
    assert fills["b>Kabul"] == maps.CHOROPLETH_COLOURS[-1]  # 189, the most
    assert fills["b>Zabul"] == maps.CHOROPLETH_COLOURS[0]


def test_choropleth_bins_rise_strictly():
    assert maps.choropleth_bins(pd.Series([0, 0])) == [1]
    edges = maps.choropleth_bins(pd.Series([0, 1, 1, 2, 5, 40, 300]))
    assert edges == sorted(set(edges)) and edges[0] >= 1 and edges[-1] == 300


def test_afghan_borders_are_drawn_and_labelled(curated):
    html = render(maps.build_map(curated))
    assert "Afghanistan\\u2013Tajikistan border" in html or "Afghanistan–Tajikistan border" in html


def test_empty_view_still_draws_the_boundaries():
    empty = incidents.empty_frame()
    html = render(maps.build_map(empty))
    assert "Provinces" in html or "Badakhshan" in html
    assert "fitBounds" not in html


def test_map_payload_stays_small_for_the_curated_data(curated):
    assert len(render(maps.build_map(curated)).encode()) < 700_000


def test_cluster_and_heat_data_are_single_arrays(curated):
    html = render(maps.build_map(curated, "clusters"))
    assert "L.markerClusterGroup" in html and "leaflet.markercluster.js" in html
    html = render(maps.build_map(curated, "heat"))
    assert "L.heatLayer" in html and "leaflet_heat.min.js" in html
    data = json.loads(re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", html, re.S).group(1))
    assert len(data) == len(curated)
