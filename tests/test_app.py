"""AppTest smoke and URL round trips for every page."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, XSS

PAGES = ["dashboard.py", "pages/trends.py", "pages/incidents.py"]


def app(page: str = "dashboard.py", **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    if page != "dashboard.py":
        at.switch_page(page)
    return at.run()


def shown(at: AppTest) -> int:
    return int(at.metric[0].value.replace(",", ""))


def qp(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key)
    return [] if value is None else value if isinstance(value, list) else [value]


def folium_args(at: AppTest) -> dict:
    [el] = [e for e in at.main if type(e).__name__ == "UnknownElement"
            and "st_folium" in str(getattr(e.proto, "component_name", ""))]
    return json.loads(el.proto.json_args)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_and_shows_the_count(page, sample):
    at = app(page)
    assert not at.exception
    assert shown(at) == len(sample)
    caption = at.main.markdown[0].value
    assert f"**{len(sample)}** of {len(sample)} incidents" in caption
    # Where the data come from, and how complete the tolls are, on every page.
    assert "data: SYNTHETIC \\(test data\\)" in caption
    assert "tolls unknown for 3 of 16 incidents" in caption
    assert "SYNTHETIC DATA" in at.main.warning[0].value


def map_js(at: AppTest) -> str:
    """The map's script, its view's (the feature group st_folium sends apart) and the
    served script it loads (the map's functions and base layers)."""
    args = folium_args(at)
    served = ROOT / args["js_links"][-1].removeprefix("/app/")
    return args["script"] + (args["feature_group"] or "") + served.read_text()


def test_map_page_embeds_the_incidents_with_local_assets(sample):
    at = app()
    args = folium_args(at)
    *vendor, served = args["js_links"]  # Leaflet, then the map's functions and base layers
    assert vendor and all(link.startswith("/app/static/vendor/") for link in vendor)
    assert re.fullmatch(r"/app/static/generated/map-base-[0-9a-f]{20}\.js", served)
    assert all(link.startswith("/app/static/vendor/") for link in args["css_links"])
    script = map_js(at)
    assert script.count("bw-incident") >= 1
    assert "Synthetic place 7 near Darvoz" in script
    assert "https://example.org/synthetic/7" in script
    # A click comes back (the canvas layer's records); pan and zoom do not rerun the page.
    assert args["returned_objects"] == ["last_object_clicked", "last_object_clicked_count"]


def test_a_filter_or_display_change_sends_only_a_new_view():
    """The map's own script is the same whatever the view: streamlit-folium keeps the map
    document and swaps the view's feature group."""
    views = [app(), app(type="Battles"), app(mode="choropleth-incidents"),
             app(mode="clusters", country="Tajikistan")]
    args = [folium_args(at) for at in views]
    assert len({a["script"] for a in args}) == 1
    assert len({a["feature_group"] for a in args}) == len(views)
    assert "Synthetic place 7 near Darvoz" not in args[0]["script"]  # incidents: the view
    # Nor does each run send the boundaries, labels and functions again (0.5 MB): the map
    # loads them once, from the served script.
    assert len(args[0]["script"]) < 20_000
    assert "bwBase.provinces" in args[0]["script"] and "bwDots" not in args[0]["script"]


def test_the_map_list_and_the_share_link_are_drawn_when_opened(sample):
    """Both are behind expanders that rerun when opened: a page view does not pay for a
    200-row table or the code highlighter's script until someone asks."""
    at = app(type="Battles")
    assert not at.table and not at.code
    at.session_state["map_list_open"] = True
    at.session_state["share_open"] = True
    at.run()
    assert not at.exception
    [listed] = at.table
    assert len(listed.value) == 4  # the map's incidents: the four battles
    [link] = at.code
    assert "type=Battles" in link.value
    assert any(e.label == "Map as a list" for e in at.expander)


def test_url_filters_are_applied_on_every_page():
    for page in PAGES:
        at = app(page, type="Battles", country="Tajikistan")
        assert shown(at) == 1, page
        assert "event type: Battles; country: Tajikistan" in at.main.markdown[0].value


def test_changing_a_filter_updates_count_and_url():
    at = app()
    at.multiselect(key="w_event_types").set_value(["Battles"]).run()
    assert shown(at) == 4
    assert qp(at, "type") == ["Battles"]
    at.text_input(key="w_text").input("Darvoz").run()
    assert shown(at) == 1
    assert qp(at, "q") == ["Darvoz"]
    at.number_input(key="w_min_fatalities").set_value(5).run()
    assert shown(at) == 0  # its toll is unknown, which is not "at least 5"
    at.checkbox(key="w_include_unknown").check().run()
    assert shown(at) == 1 and qp(at, "unknown") == ["1"]
    at.button[0].click().run()  # reset
    assert shown(at) > 1 and "type" not in at.query_params


def test_the_url_is_written_once_a_change_and_not_when_it_is_the_same(monkeypatch):
    """Each write makes the browser change its address and redraw every element of the
    page: a filter change writes it once (not from its callback and again as the page
    begins), a run that changes nothing does not write it."""
    from streamlit.runtime.state.query_params import QueryParams

    writes = []
    original = QueryParams.from_dict
    monkeypatch.setattr(QueryParams, "from_dict",
                        lambda self, d: (writes.append(dict(d)), original(self, d))[1])
    at = app(type="Battles")
    assert writes == []  # the link is already the view
    at.number_input(key="w_min_fatalities").set_value(5).run()
    assert writes == [{"type": ["Battles"], "minfat": "5"}]
    assert qp(at, "minfat") == ["5"] and qp(at, "type") == ["Battles"]
    at.run()
    assert len(writes) == 1
    at.query_params.clear()  # as a page change in the browser does: put back
    at.switch_page("pages/trends.py").run()
    assert len(writes) == 2 and qp(at, "minfat") == ["5"]


def test_filters_survive_a_page_change_and_links_carry_them():
    at = app(type="Battles")
    at.switch_page("pages/trends.py").run()
    assert shown(at) == 4
    assert qp(at, "type") == ["Battles"]
    links = [pl for pl in at.get("page_link")]
    assert links and all("type=Battles" in pl.proto.query_string for pl in links)


def test_display_choices_live_in_the_url():
    at = app(mode="heat")
    assert at.selectbox(key="w_mode").value == "heat"
    at.selectbox(key="w_mode").set_value("clusters").run()
    assert qp(at, "mode") == ["clusters"]
    assert "L.markerClusterGroup" in map_js(at)


def test_malformed_url_falls_back_with_a_visible_notice(sample):
    at = app(**{"from": "2023-02-31", "actor": "Nobody", "minfat": "x", "mode": "3d"})
    assert not at.exception
    notices = [w.value for w in at.main.warning if "SYNTHETIC DATA" not in w.value]
    assert len(notices) == 4
    assert "Nobody" in " ".join(notices)
    assert shown(at) == len(sample)


def test_a_stale_link_date_range_outside_the_data_shows_no_incidents_not_an_error():
    at = app(**{"from": "1999-01-01", "to": "1999-12-31"})
    assert not at.exception and shown(at) == 0


def test_incidents_page_offers_a_csv_of_the_view():
    at = app("pages/incidents.py", country="Tajikistan")
    assert not at.exception
    [table] = at.dataframe
    assert len(table.value) == shown(at) == 2


def test_hostile_text_is_inert_on_every_page(hostile_csv, monkeypatch, tmp_path):
    monkeypatch.setenv("BORDERWATCH_INCIDENTS", str(hostile_csv))
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'hostile.sqlite'}")
    for page in PAGES:
        at = app(page)
        assert not at.exception
    assert XSS not in map_js(app())


def test_upload_page_validates_then_imports_then_undoes(tmp_path, monkeypatch):
    from tests.conftest import synthetic_row, write_csv

    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'upload.sqlite'}")
    path = write_csv(tmp_path / "new.csv", [synthetic_row(101), synthetic_row(102, latitude="x")])
    at = app("pages/upload.py")
    assert not at.exception
    assert "200 MB" in at.markdown[0].value
    before = shown(at)
    [uploader] = at.get("file_uploader")
    uploader.set_value(("new.csv", path.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception
    assert "1 errors" in " ".join(s.value for s in at.header)
    at.button(key="import").click().run()
    assert not at.exception
    assert "1 inserted" in at.success[0].value
    assert shown(at) == before + 1
    picker = at.selectbox(key="undo_batch_0")
    assert picker.value is None  # nothing chosen until the analyst chooses
    assert picker.options[0].startswith("#2 · new.csv · 2 rows · ")  # newest first
    picker.set_value(2).run()
    at.button(key="undo").click().run()
    assert shown(at) == before + 1  # not until confirmed
    at.button(key="undo_confirm").click().run()
    assert shown(at) == before


def test_brief_page_shows_figures_summary_and_sources():
    at = app("pages/brief.py", **{"from": "2023-09-01", "to": "2023-09-30"})
    assert not at.exception
    metrics = {m.label: m for m in at.metric}
    assert metrics["Incidents"].value == "3"
    assert metrics["Reported fatalities"].value == "0 known"  # one toll unknown: not 0
    assert metrics["Reported fatalities"].delta == "tolls unknown for 1 of 3 incidents"
    texts = " ".join(md.value.replace("\\", "") for md in at.markdown)
    assert ("SYNTHETIC DATA: 3 of these 3 incidents are synthetic test data, not real events. "
            "From 1 September to 30 September 2023, 3 incidents in Badakhshan, Dushanbe and "
            "Gorno-Badakhshan caused no deaths where the toll is known; tolls unknown for 1 of "
            "3 incidents") in texts
    # Numbered references, newest incident first, each a link to its report.
    assert "1. [SYNTHETIC test data (example wire 2), 2023-09-15]" \
           "(https://example.org/synthetic/8)" in texts
    assert "3. [" in texts and "4. [" not in texts
    labels = [b.label for b in at.get("download_button")]
    assert {"CSV", "GeoJSON", "Map (HTML, works offline)", "PNG",
            "Briefing PDF"} <= set(labels)


def test_presentation_mode_hides_controls_and_states_the_filters():
    at = app("pages/brief.py", country="Tajikistan", present="1")
    assert not at.exception
    assert len(at.sidebar.children) == 0 or not at.sidebar.get("multiselect")
    assert "country: Tajikistan" in at.info[0].value
    assert "SYNTHETIC DATA" in at.warning[0].value
    at.button[0].click().run()  # exit presentation mode
    assert "present" not in at.query_params
    assert at.sidebar.get("multiselect")


def test_an_unreachable_database_gives_a_clear_error_page(monkeypatch):
    monkeypatch.setenv("BORDERWATCH_DB_URL",
                       "postgresql+psycopg://bw:s3cret@127.0.0.1:1/nowhere?connect_timeout=2")
    for page in ("dashboard.py", "pages/upload.py"):
        at = app(page)
        assert not at.exception
        [error] = at.error
        assert "cannot be reached" in error.value and "127.0.0.1:1" in error.value
        assert "BORDERWATCH_DB_URL" in error.value and "s3cret" not in error.value
        assert not at.metric


def test_an_oversized_file_is_refused_with_a_message(tmp_path, monkeypatch):
    from borderwatch.data import ingest
    from tests.conftest import synthetic_row, write_csv

    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'big.sqlite'}")
    monkeypatch.setattr(ingest, "MAX_BYTES", 1024 * 1024)
    rows = [synthetic_row(i, notes="x" * 1000) for i in range(1, 1200)]  # ~1.3 MB
    data = write_csv(tmp_path / "big.csv", rows).read_bytes()
    at = app("pages/upload.py")
    before = shown(at)
    [uploader] = at.get("file_uploader")
    uploader.set_value(("big.csv", data, "text/csv"))
    at.run()
    assert not at.exception
    [error] = at.error
    assert "MB; files of up to 1.0 MB can be imported" in error.value.replace("\\", "")
    assert "import" not in [b.key for b in at.button]
    assert shown(at) == before


def test_the_server_does_no_housekeeping_between_runs():
    """Streamlit's full garbage collection after every run (~150 ms with the data in
    memory) and its source watching (every module's path, every run) both delayed each
    filter change; the dashboard's config turns them off."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"
