from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from borderwatch.geo import boundaries, names
from tests.conftest import need


@pytest.fixture(scope="module")
def provinces():
    return boundaries.load_provinces()


def test_provinces_cover_the_eight_countries(provinces):
    counts = provinces.groupby("adm0").size().to_dict()
    assert counts == {"AFG": 32, "IRN": 31, "KAZ": 16, "KGZ": 8, "PAK": 7, "TJK": 5,
                      "TKM": 5, "UZB": 14}
    assert provinces["iso"].is_unique
    assert provinces["name"].is_unique
    assert shapely.is_valid(provinces.geometry.values).all()


def test_dated_names_are_corrected(provinces):
    names = set(provinces["name"])
    assert {"Sughd", "Districts of Republican Subordination", "Khyber Pakhtunkhwa",
            "Gorno-Badakhshan", "Paktia", "Khost", "Paktika", "Badakhshan"} <= names
    assert not names & {"Leninabad", "Khujand", "Tadzhikistan Territories", "F.A.T.A.",
                        "Federally Administered Tribal Areas", "Nur-Sultan"}
    tj = provinces[provinces.adm0 == "TJK"].set_index("iso")["name"].to_dict()
    assert tj["TJ-RA"] == "Districts of Republican Subordination"


def test_fata_is_inside_khyber_pakhtunkhwa(provinces):
    kp = provinces.set_index("name").loc["Khyber Pakhtunkhwa"].geometry
    miran_shah = shapely.Point(70.07, 33.0)  # North Waziristan, former FATA
    assert kp.contains(miran_shah)


def test_countries_are_dissolved_provinces(provinces):
    countries = boundaries.load_countries()
    assert sorted(countries["country"]) == sorted(boundaries.COUNTRIES.values())
    afg = countries.set_index("adm0").loc["AFG"].geometry
    union = provinces[provinces.adm0 == "AFG"].union_all()
    assert afg.symmetric_difference(union).area < 1e-6


def test_afghan_borders_are_marked_with_plausible_lengths():
    borders = boundaries.load_borders()
    afghan = borders[borders.afghan == 1]
    pairs = {tuple(sorted(ab)) for ab in zip(afghan.country_a, afghan.country_b, strict=True)}
    assert pairs == {("Afghanistan", c) for c in
                     ("Iran", "Pakistan", "Tajikistan", "Turkmenistan", "Uzbekistan")}
    km = dict(zip(afghan.country_b, afghan.length_km, strict=True))
    # Published lengths: Tajik about 1,350 km, Pakistani about 2,640 km (generalised lines).
    assert 1_300 < km["Tajikistan"] < 1_450
    assert 2_300 < km["Pakistan"] < 2_700
    assert (borders[borders.afghan == 0].country_a != "Afghanistan").all()
    assert afghan["source"].str.startswith("OpenStreetMap").all()


def test_the_border_runs_along_the_panj_at_darvoz():
    """Qal'ai Khumb (GeoNames 38.4537 N, 70.7890 E) stands on the Panj, which is the
    border: the OpenStreetMap-derived line passes within a few hundred metres."""
    near = boundaries.locate(pd.Series([38.45373]), pd.Series([70.78902]))
    assert near["border_km"].iloc[0] < 0.5


def test_border_distances_split_across_threads_match_one_thread(monkeypatch):
    rng = np.random.default_rng(3)
    lat = pd.Series(rng.uniform(25, 45, 500))
    lon = pd.Series(rng.uniform(50, 80, 500))
    one = boundaries.locate(lat, lon)
    monkeypatch.setattr(boundaries, "THREADED_NEAREST", 100)  # 5 chunks, capped by cores
    split = boundaries.locate(lat, lon)
    pd.testing.assert_frame_equal(split, one)
    assert one["border_km"].notna().all() and one["border_km"].nunique() > 400


@pytest.mark.parametrize("raw, expected", [
    ("Paktya", "Paktia"), ("PAKTIA", "Paktia"), ("Leninabad", "Sughd"),
    ("GBAO", "Gorno-Badakhshan"),
    ("F.A.T.A.", "Khyber Pakhtunkhwa"), ("Hilmand", "Helmand"), (" Khost ", "Khost"),
    ("Somewhere Else", "Somewhere Else"),
])
def test_province_spellings_match(raw, expected):
    assert names.canonical_province(raw) == expected


def test_district_and_country_spellings_match():
    assert {names.canonical_district(s) for s in ("Davraz", "Darvaz", "Darvoz", "darwaz")} == {
        "Darvoz"}
    assert names.canonical_country("Islamic Republic of Iran") == "Iran"
    assert names.canonical_country("") is None


def test_display_layers_are_light_and_keep_every_feature():
    full, light = boundaries.load_provinces(), boundaries.display_layer("provinces")
    assert len(light) == len(full)
    assert len(light.to_json()) < 0.35 * len(full.to_json())


@pytest.mark.slow
def test_committed_geodata_matches_the_build(tmp_path: Path):
    from borderwatch.geo import borders

    source, osm = boundaries.cached_source_path(), borders.cached_osm_path()
    for path in (source, osm):
        need(path.exists(), f"a boundary source is not cached at {path} "
                            "(run `borderwatch fetch-geodata-source`, or `make test`)")
    boundaries.build_geodata(source, tmp_path, osm)
    for name in ("provinces", "countries", "borders"):
        built = gpd.read_file(tmp_path / f"{name}.shp")
        committed = gpd.read_file(boundaries.GEODATA_DIR / f"{name}.shp")
        assert list(built.columns) == list(committed.columns), name
        assert built.drop(columns="geometry").equals(committed.drop(columns="geometry")), name
        assert built.geometry.geom_equals_exact(committed.geometry, tolerance=0).all(), name
