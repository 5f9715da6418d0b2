import html
import json
import os
import re
import time

import numpy as np
import pandas as pd
import pytest

from borderwatch.analysis import aggregate
from borderwatch.data import records
from borderwatch.data.schema import EVENT_COLOURS
from borderwatch.geo import grid
from borderwatch.present import maps
from borderwatch.present.maps import MODES as MAP_MODES
from borderwatch.present.maps import base
from borderwatch.testing import synth
from tests.conftest import XSS, XSS_URL


def payload(m) -> int:
    """Bytes of the map's page and of its served script (Leaflet aside)."""
    page = m.get_root().render()
    served = base.SERVED_DIR / str(base.served()).rsplit("/", 1)[1]
    return len(page.encode()) + served.stat().st_size


def render(m) -> str:
    """The map's page with its served script inline (as an export has it)."""
    from borderwatch.present.render import inline_assets

    return inline_assets(m.get_root().render())


def element(m, name):
    """The child of a folium map or of its view with the given element name (e.g.
    "Incidents")."""
    view = m.view or next(c for c in m._children.values() if c._name == "FeatureGroup")
    return next(c for c in [*m._children.values(), *view._children.values()]
                if c._name == name)


def incident_rows(m) -> list[list]:
    if maps.drawn_mode(m) == "points":
        return element(m, "Incidents").rows
    return element(m, "FastMarkerCluster").data


def texts(m) -> list[str]:
    return [v for row in incident_rows(m) for v in row[5:]]


@pytest.fixture
def hostile(hostile_csv):
    return records.read_csv(hostile_csv)


@pytest.mark.parametrize("n, mode", [(0, "points"), (1_000, "points"), (1_001, "dots"),
                                     (100_000, "dots"), (100_001, "choropleth-incidents")])
def test_automatic_mode_keeps_the_map_light_as_volume_grows(n, mode):
    assert maps.resolve_mode("auto", n) == mode
    assert maps.resolve_mode("heat", n) == "heat"


def test_one_by_one_modes_become_the_grid_beyond_their_limit():
    assert maps.resolve_mode("points", 1_000) == "points"
    assert maps.resolve_mode("points", 1_001) == "dots"
    assert maps.resolve_mode("points", 100_001) == "grid"
    assert maps.resolve_mode("clusters", 5_001) == "grid"
    assert maps.explain("points", "points", 1_000) is None
    note = maps.explain("points", "grid", 1_234_567).text
    assert "1,234,567 incidents" in note and "100,000" in note and "grid" in note
    assert "one canvas" in maps.explain("points", "dots", 1_001).text
    assert "period by period" in maps.explain("playback", "playback", 5_001).text
    assert maps.explain("playback", "playback", 5_000) is None


def test_radius_grows_with_fatalities_and_is_capped():
    assert maps.radius(None) == maps.radius(0) == 4
    assert maps.radius(1) < maps.radius(9) < maps.radius(100) <= 22
    assert maps.radius(10_000) == 22


@pytest.mark.parametrize("mode", ["points", "clusters", "heat", "choropleth-incidents",
                                  "choropleth-fatalities"])
def test_every_mode_loads_only_local_assets(sample, mode):
    html = maps.build_map(sample, mode).get_root().render()
    assert not re.search(r"(src|href)=\"https?://", html)
    assert "/app/static/vendor/leaflet/leaflet.js" in html


def test_online_tiles_only_when_asked(sample):
    assert "tile.openstreetmap.org" not in render(maps.build_map(sample, "points", "none"))
    assert "tile.openstreetmap.org" in render(maps.build_map(sample, "points", "osm"))


def test_points_mode_draws_each_incident_in_its_type_colour(sample):
    m = maps.build_map(sample, "points")
    rows = incident_rows(m)
    assert len(rows) == len(sample)
    by_id = dict(zip(sample.event_id, sample.event_type, strict=False))
    for row in rows:
        assert row[2] == EVENT_COLOURS[by_id[row[-1]]]
    darvoz = [r for r in rows if "near Darvoz" in r[7]]
    assert darvoz[0][:2] == [38.46, 70.78]
    assert darvoz[0][4] == 0  # its toll is unknown: drawn with a dashed outline
    assert "bwPopup(r, 5)" in render(m) and "window.bwPopup" in render(m)


def test_tooltips_and_popups_escape_file_contents(hostile):
    for mode in ("points", "clusters"):
        m = maps.build_map(hostile, mode)
        assert XSS not in render(m) and XSS_URL not in render(m)
        found = texts(m)
        assert not any("<img" in t or "<svg" in t for t in found)
        # points: place, source, actor, notes; clusters: place and source
        expected = 4 if mode == "points" else 2
        assert sum("&lt;img src=x onerror=alert(1)&gt;" in t for t in found) >= expected
        # The link is kept (it is http) but escaped, so it cannot leave its attribute.
        assert html.escape(XSS_URL, quote=True) in found


def test_only_http_links_reach_a_popup():
    assert maps.safe_url("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&amp;c=2"
    for bad in ("javascript:alert(1)", "data:text/html,x", "ftp://x", "//evil", None,
                "https://x.org/a b"):
        assert maps.safe_url(bad) == ""


def test_popup_shows_the_full_record_with_its_source(sample):
    row = next(sample[sample.event_id == "SYN-00001"].itertuples(index=False))
    popup = " | ".join(maps.incident_fields(row))
    for text in ("26 August 2021", "Suicide bomb", "Synthetic Group K", "Kabul",
                 "Afghanistan", "| 183 |", "SYN-00001", "example wire 1",
                 "https://example.org/synthetic/1", "26 Aug 2021", "SYNTHETIC (test data)"):
        assert text in popup
    blank = next(sample[sample.event_id == "SYN-00007"].itertuples(index=False))
    assert "unknown" in maps.incident_fields(blank)
    assert len(maps.incident_fields(row, "tip")) == 5
    assert len(maps.incident_fields(row, "brief")) == 9


def test_long_texts_are_cut_in_the_popup_only(sample):
    row = next(sample.assign(notes="word " * 500).itertuples(index=False))
    notes = maps.incident_fields(row)[13]
    assert len(notes) == maps.CLIP["notes"] and notes.endswith("…")


def test_province_totals_and_choropleth(sample):
    totals = aggregate.province_totals(sample).set_index("name")
    assert totals.loc["Khyber Pakhtunkhwa", "incidents"] == 4
    assert totals.loc["Khyber Pakhtunkhwa", "fatalities"] == 84 + 54 + 7 + 6
    assert totals.loc["Kerman", ["fatalities", "unknown"]].tolist() == [0, 1]
    m = maps.build_map(sample, "choropleth-fatalities")
    assert "Fatalities per province" in element(m, "Legend").html
    boundaries = element(m, "Provinces")
    assert "<b>Khyber Pakhtunkhwa</b>, Pakistan<br>Incidents: 4<br>Fatalities: 151" \
        in boundaries.tips
    assert "<b>Kerman</b>, Iran<br>Incidents: 1<br>Fatalities: unknown" in boundaries.tips
    fills = {t.split("<")[1]: f for t, f in zip(boundaries.tips, boundaries.fills, strict=True)}
    assert fills["b>Kabul"] == maps.CHOROPLETH_COLOURS[-1]  # 189, the most
    assert fills["b>Zabul"] == maps.CHOROPLETH_COLOURS[0]
    assert len(json.loads(base.layers().provinces)["features"]) == len(boundaries.tips)


def test_choropleth_bins_rise_strictly():
    assert maps.choropleth_bins(pd.Series([0, 0])) == [1]
    edges = maps.choropleth_bins(pd.Series([0, 1, 1, 2, 5, 40, 300]))
    assert edges == sorted(set(edges)) and edges[0] >= 1 and edges[-1] == 300


def test_afghan_borders_are_drawn_and_labelled(sample):
    html = render(maps.build_map(sample))
    assert "Afghanistan\\u2013Tajikistan border" in html or "Afghanistan–Tajikistan border" in html


def test_empty_view_still_draws_the_boundaries():
    empty = records.empty_frame()
    html = render(maps.build_map(empty))
    assert "Provinces" in html or "Badakhshan" in html
    assert not re.search(r"bwFit\(map_", html)  # no incidents: nothing to fit


def test_map_payload_stays_small_for_the_curated_data(sample):
    assert payload(maps.build_map(sample)) < 700_000


def test_cluster_and_heat_data_are_single_arrays(sample):
    html = maps.build_map(sample, "clusters").get_root().render()
    assert "L.markerClusterGroup" in html and "leaflet.markercluster.js" in html
    html = maps.build_map(sample, "heat").get_root().render()
    assert "L.heatLayer" in html and "leaflet_heat.min.js" in html
    data = json.loads(re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", html, re.S).group(1))
    assert 0 < len(data) <= len(sample)  # one weighted point per occupied cell
    assert max(w for _lat, _lon, w in data) == 1.0
    # Drawn above the provinces' fill, in a pane of its own.
    assert '.createPane("bwHeat")' in html and '"pane": "bwHeat"' in html


@pytest.fixture(scope="module")
def many():
    """30,000 SYNTHETIC incidents: enough to cross every per-incident limit."""
    return records.typed(synth.synthesize(30_000, seed=3).astype(str))


@pytest.mark.parametrize("mode", list(MAP_MODES))
@pytest.mark.parametrize("n", [1_000, 5_000, 30_000])
def test_map_payload_is_bounded_at_any_size(many, mode, n):
    assert payload(maps.build_map(many.head(n), mode)) <= maps.MAX_PAYLOAD
    if mode == "points" and n > maps.POINTS_LIMIT:
        assert maps.drawn_mode(maps.build_map(many.head(n), mode)) == "dots"


def test_grid_counts_every_incident_once(many):
    size, rows = maps.grid_rows(many)
    assert len(rows) <= maps.GRID_CELLS and size in grid.CELL_SIZES
    assert sum(int(re.search(r"<b>([\d,]+)</b>", r[3])[1].replace(",", "")) for r in rows) \
        == len(many)
    m = maps.build_map(many, "grid")
    legend = element(m, "Legend").html
    assert "Incidents per cell" in legend and f"{size:g}° cells" in legend


def test_grid_cells_are_the_finest_that_fit():
    df = pd.DataFrame({"latitude": [34.513, 34.517, 36.0], "longitude": [69.113, 69.115, 70.0],
                       "fatalities": pd.array([1, None, 3], "Int64")})
    size, cells = grid.cells(df, 10)
    assert size == grid.CELL_SIZES[0] and len(cells) == 2
    assert cells["incidents"].tolist() == [2, 1] and cells["fatalities"].tolist() == [1, 3]
    assert cells["lat"].iloc[0] == pytest.approx(34.515)  # where its incidents are
    assert cells["south"].iloc[0] == pytest.approx(34.51)
    size, cells = grid.cells(df, 1)  # cannot fit: the coarsest cells
    assert size == grid.CELL_SIZES[-1] and cells["incidents"].sum() == 3
    size, cells = grid.cells(df, 3, groups=np.array([0, 1, 0]), n_groups=2)
    assert size == grid.CELL_SIZES[0] and sorted(cells["group"]) == [0, 0, 1]


def test_playback_of_many_incidents_plays_cells(many):
    rows, labels = maps.playback_frames(many, "month")
    assert len(rows) <= maps.PLAYBACK_CELLS and len(labels) > 100
    assert all(isinstance(r[6], str) and r[6].startswith("<b>") for r in rows)
    few, _ = maps.playback_frames(many.head(50), "month")
    assert len(few) == 50 and len(few[0]) == 15  # one row per incident with its fields


def test_hostile_long_texts_never_break_the_budget(sample):
    """Incidents whose every text is long and full of markup fall back to lighter modes
    rather than exceed the payload."""
    bulky = "<b>&amp;</b>" * 400
    df = pd.concat([sample] * 63, ignore_index=True).head(1_000).assign(
        notes=bulky, source=bulky, actor1=bulky, actor2=bulky, location=bulky,
        event_id=[f"X{i}" for i in range(1_000)])
    m = maps.build_map(df, "points")
    assert maps.drawn_mode(m) == "dots"
    assert "texts are too long" in maps.explain("points", maps.drawn_mode(m), len(df)).text
    assert len(render(m).encode()) <= maps.MAX_PAYLOAD


def test_legend_lists_the_six_types_and_folds_unknown_ones_into_one_line(sample):
    odd = sample.head(12).assign(event_type=[f"Odd type {i}" for i in range(12)])
    legend = maps.legend_html(pd.concat([sample, odd]), "points", None)
    assert legend.count("<svg") == sample["event_type"].nunique() + 1
    assert "12 other types" in legend
    one = maps.legend_html(odd.head(1).assign(event_type=XSS), "points", None)
    assert "&lt;img" in one and "<img" not in one


def test_the_map_itself_has_a_max_zoom(sample):
    """markercluster throws 'Map has no maxZoom specified' (and no map shows) without it."""
    assert '"maxZoom": 18' in render(maps.build_map(sample, "clusters"))


def test_many_points_travel_packed_and_come_back_as_the_same_incidents(many):
    """The canvas layer's data: 8 bytes an incident (base64), positions within ~70 m, types
    and tolls coded (an unknown toll is 0, never a toll of 0); a clicked point finds exactly
    the incidents drawn there."""
    import base64

    df = many.head(5_000).reset_index(drop=True)
    df.loc[0, "fatalities"] = pd.NA
    df.loc[1, "fatalities"] = 0
    df.loc[2, "event_type"] = XSS
    spec = maps.rows.dots(df)
    raw = base64.b64decode(spec["data"])
    n = spec["n"]
    assert n == len(df) and len(raw) == 6 * n and len(spec["data"]) == 8 * n
    south, west, north, east = spec["bbox"]
    ys = np.frombuffer(raw, "<u2", n, 0)
    xs = np.frombuffer(raw, "<u2", n, 2 * n)
    types = np.frombuffer(raw, "u1", n, 4 * n)
    tolls = np.frombuffer(raw, "u1", n, 5 * n)
    lat = south + ys * (north - south) / 65535
    lon = west + xs * (east - west) / 65535
    # Drawn in order of toll (highest on top); each position is within half a step.
    assert list(tolls) == sorted(tolls)
    assert sorted(np.round(lat, 3)) == pytest.approx(sorted(np.round(df["latitude"], 3)),
                                                     abs=2e-3)
    step = max(north - south, east - west) / 65535
    assert step < 0.001  # about 70 m across this region
    assert (tolls == 0).sum() == df["fatalities"].isna().sum() == 1
    assert (tolls == 1).sum() == (df["fatalities"] == 0).sum()
    names = [t[1] for t in spec["types"]]
    assert names[-1] == "Other event type" and XSS not in json.dumps(spec)
    assert types.max() == len(names) - 1  # the hostile type is "other"
    # A clicked point (as the browser sends it back) finds the incidents drawn there.
    i = int(np.argmax(tolls))
    hit = maps.rows.dots_at(df, float(lat[i]), float(lon[i]))
    codes = np.where(hit["fatalities"].isna(), 0, hit["fatalities"].fillna(0).clip(0, 254) + 1)
    assert len(hit) >= 1 and codes.max() == tolls[i]  # the top incident drawn there
    assert maps.rows.dots_at(df, float(lat[i]) + step / 3, float(lon[i])).empty  # not a dot


def test_a_clicked_point_opens_its_escaped_records(hostile):
    df = pd.concat([hostile] * 3, ignore_index=True).assign(latitude=34.5, longitude=69.2)
    many_here = pd.concat([df] * 25, ignore_index=True)
    assert len(many_here) > maps.POINTS_LIMIT
    m = maps.build_map(many_here, "points", selected=(34.5, 69.2))
    spec = element(m, "Dots").spec
    assert maps.drawn_mode(m) == "dots"
    selected = spec["selected"]
    assert len(selected["rows"]) == 20 and selected["more"] == len(many_here) - 20
    page = render(m)
    assert XSS not in page and XSS not in page.replace("\\u003c", "<").replace("\\u003e", ">")
    fields = [v for r in selected["rows"] for v in r[5:] if isinstance(v, str)]
    assert any(html.escape(XSS) in v for v in fields)  # shown as text
    assert not any(XSS in v for v in fields)
    nothing = maps.build_map(many_here, "points", selected=(10.0, 10.0))
    assert element(nothing, "Dots").spec.get("selected") is None


def test_points_up_to_100000_stay_within_the_page_budget():
    df = records.typed(synth.synthesize(100_000, seed=5).astype(str))
    m = maps.build_map(df, "auto", split=True)
    assert maps.drawn_mode(m) == "dots"
    import streamlit_folium as sf

    m.get_root().render()
    # What st_folium sends: the map's script and header, and the view apart.
    sent = len(sf._get_map_string(m)) + len(sf._get_header(m)) + \
        len(sf._get_feature_group_string(m.view, m))
    assert 800_000 < sent <= maps.MAX_PAYLOAD, sent


def test_a_click_selects_until_the_view_changes():
    from borderwatch.present.maps.selection import Selection, update

    first = update(None, {"last_object_clicked": {"lat": 1, "lng": 2},
                          "last_object_clicked_count": 3}, "view A")
    assert first == Selection("view A", 3, None)  # a click before this page's first run
    click = {"last_object_clicked": {"lat": 34.5, "lng": 69.2}, "last_object_clicked_count": 4}
    picked = update(first, click, "view A")
    assert picked.at == (34.5, 69.2)
    assert update(picked, click, "view A") == picked  # another run, no new click
    assert update(picked, click, "view B").at is None  # other filters: nothing selected
    again = update(update(picked, click, "view B"), {**click, "last_object_clicked_count": 5},
                   "view B")
    assert again.at == (34.5, 69.2)
    for bad in ({"lat": "x", "lng": 1}, {"lat": float("nan"), "lng": 1}, {"lat": 95, "lng": 1},
                None, "34,69", {"lng": 1}):
        odd = update(first, {"last_object_clicked": bad, "last_object_clicked_count": 9},
                     "view A")
        assert odd.at is None and odd.count == 9
    assert update(first, {"last_object_clicked_count": "many"}, "view A").count == 0
    assert update(first, "not a mapping", "view A").at is None


def test_rendered_output_is_kept_as_text_as_jinja2_would_render_it(hostile):
    """branca hands every rendered script back to ``Template``: it stays text (jinja2's
    rendering of text without markup: newlines made \\n, one trailing newline dropped)."""
    import branca.element
    import jinja2

    from borderwatch.present.maps import assets

    seen: list[str] = []
    real = branca.element.Template

    def spy(source):
        seen.append(source)
        return real(source)

    branca.element.Template = spy
    try:
        maps.build_map(hostile, "points").get_root().render()
    finally:
        branca.element.Template = real
    assert any("bwBoundaries" in s for s in seen)  # the boundaries' script among them
    for source in [*seen, "", "\n", "a\n\n", "x = 1;\n", "ä {x} }}", "a\r\nb\rc\n"]:
        made = assets.template(source)
        assert isinstance(made, assets.Literal)
        assert made.render() == jinja2.Template(source).render(), source[:80]
    [div] = assets.RUN_TIME_TEMPLATES
    assert "{%" in div and not isinstance(assets.template(div), assets.Literal)


@pytest.mark.parametrize("mode", list(MAP_MODES))
def test_template_markup_in_the_data_is_shown_never_run(sample, mode):
    """jinja2 is not sandboxed: markup from a file that reached it would run on the server.
    Every text of every incident carries some; the map shows it as text."""
    df = sample.copy()
    for column in ("notes", "location", "actor1", "source"):
        df[column] = "{{ 'ran' ~ 'jinja' }} {% for i in range(3) %}Rq{% endfor %} {# c #}"
    page = maps.build_map(df, mode).get_root().render()
    assert "ranjinja" not in page and "RqRqRq" not in page
    if mode in ("points", "auto"):
        assert "{% for i in range(3) %}" in page


def test_the_base_layers_are_kept_and_a_stale_or_damaged_file_is_made_again(tmp_path,
                                                                           caplog):
    from borderwatch.present.maps import base

    made = base.make()
    want = base.key()
    file = tmp_path / "map-base.json"
    base.write(file, want, made)
    assert base.read(file, want) == made
    assert base.read(file, "another key") is None  # stale: inputs or code changed
    whole = file.read_text()
    file.write_text(whole[: len(whole) // 2])  # cut short
    assert base.read(file, want) is None
    assert "not used" in caplog.text
    file.write_text(whole.replace('"labels":"', '"labels":"{', 1))  # not JSON inside
    assert base.read(file, want) is None
    assert base.read(tmp_path / "none.json", want) is None
    # What the map draws from them: every province, named, and the labels.
    assert len(made.province_names) == len(json.loads(made.provinces)["features"])
    assert ("Badakhshan", "Afghanistan") in made.province_names
    assert json.loads(made.labels)["countries"]


def test_the_base_layers_key_follows_the_inputs(tmp_path, monkeypatch):
    from borderwatch.geo import boundaries
    from borderwatch.present.maps import base

    first = base.key()
    copy = tmp_path / "geodata"
    copy.mkdir()
    for f in boundaries.GEODATA_DIR.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(boundaries, "GEODATA_DIR", copy)
    assert base.key() == first  # the same contents
    (copy / "places_extra.csv").write_text("changed\n")
    assert base.key() != first


def test_the_served_script_is_named_by_its_content_and_written_once(tmp_path):
    made = base.layers()
    name = base.write_served(tmp_path, "function bwA() {}", made)
    assert name and re.fullmatch(r"map-base-[0-9a-f]{20}\.js", name)
    text = (tmp_path / name).read_text()
    assert text.startswith("function bwA() {}") and "var bwBase = {provinces: {" in text
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o644  # the server may run as another
    before = (tmp_path / name).stat().st_mtime_ns
    assert base.write_served(tmp_path, "function bwA() {}", made) == name
    assert (tmp_path / name).stat().st_mtime_ns == before  # not written again
    # Other content, another name; a script of another version goes after a day only
    # (another server may still be using it).
    other = base.write_served(tmp_path, "function bwB() {}", made)
    assert other != name and (tmp_path / name).exists()
    old = time.time() - base.SERVED_KEEP_S - 60
    os.utime(tmp_path / name, (old, old))
    assert base.write_served(tmp_path, "function bwB() {}", made) == other
    assert not (tmp_path / name).exists()


def test_a_folder_that_cannot_be_written_leaves_the_map_whole_inline(tmp_path, sample,
                                                                     monkeypatch, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert base.write_served(blocked, "function bwA() {}", base.layers()) is None
    assert "inline" in caplog.text
    monkeypatch.setattr(base, "served", lambda: None)
    page = maps.build_map(sample, "points").get_root().render()
    assert "/app/static/generated/" not in page and "bwBase.provinces" not in page
    assert "window.bwPopup" in page and base.layers().provinces in page
    assert base.layers().labels in page


def test_the_served_script_is_what_an_export_carries(sample):
    page = render(maps.build_map(sample, "points"))  # assets inline, as in an export
    assert "/app/static/generated/" not in page
    assert "var bwBase = {provinces: " + base.layers().provinces in page
    assert "bwBoundaries(" in page and "window.bwDots" in page


def test_the_served_script_holds_no_incident_data(hostile):
    """It is served without sign-in (as the vendored Leaflet is): only the map's functions,
    the boundaries and the place names, whatever the incidents."""
    maps.build_map(hostile, "points").get_root().render()
    served = (base.SERVED_DIR / str(base.served()).rsplit("/", 1)[1]).read_text()
    texts = {t for col in ("notes", "actor1", "location", "event_id")
             for t in hostile[col].dropna().astype(str) if len(t) > 6}
    assert len(texts) > 10
    forms = {f for t in texts for f in (t, html.escape(t), json.dumps(t)[1:-1])}
    assert not [f for f in forms if f in served]
