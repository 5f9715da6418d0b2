import geopandas as gpd
import pandas as pd
import pytest

from borderwatch.data import records
from borderwatch.data.schema import COLUMN_NAMES, EVENT_TYPES
from borderwatch.geo import boundaries
from tests.conftest import synthetic_row, write_csv


def test_curated_file_has_the_schema_columns_in_order():
    header = records.INCIDENTS_CSV.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(COLUMN_NAMES)


def test_curated_rows_are_sourced_and_typed(curated):
    assert len(curated) >= 15
    assert curated["event_id"].is_unique
    assert curated["source"].notna().all()
    assert not curated["source"].str.contains("synthetic", case=False).any()
    for etype, sub in zip(curated.event_type, curated.sub_event_type, strict=False):
        assert sub in EVENT_TYPES[etype]


def test_the_darvoz_crossing_is_there_as_the_brief_tells_it(curated):
    row = curated[curated.admin2 == "Darvoz"].iloc[0]
    assert row.event_date == pd.Timestamp("2023-09-04")
    assert (row.country, row.admin1, row.fatalities) == ("Tajikistan", "Gorno-Badakhshan", 3)
    assert row.actor2 == "Jamaat Ansarullah"
    assert "weapons" in row.notes and "explosives" in row.notes


def test_brief_incidents_are_present(curated):
    brief = curated[curated.source.str.contains("analysis brief")]
    assert {"Gorno-Badakhshan", "Badakhshan", "Khost", "Paktika", "Nimruz", "Dushanbe",
            "Punjab", "Khyber Pakhtunkhwa"} <= set(brief.admin1)


def test_every_point_lies_in_the_country_and_province_it_names(curated):
    points = gpd.GeoDataFrame(curated, crs="EPSG:4326",
                              geometry=gpd.points_from_xy(curated.longitude, curated.latitude))
    joined = gpd.sjoin(points, boundaries.load_provinces()[["name", "country", "geometry"]],
                       how="left", predicate="within")
    bad = joined[(joined.admin1 != joined.name) | (joined.country_left != joined.country_right)]
    assert bad.empty, bad[["event_id", "admin1", "name"]]


def test_uncertain_tolls_are_blank_not_guessed(curated):
    kerman = curated[curated.admin1 == "Kerman"].iloc[0]
    assert pd.isna(kerman.fatalities)


def test_blank_places_stay_blank(tmp_path):
    df = records.read_csv(write_csv(tmp_path / "a.csv", [synthetic_row(1, admin2="")]))
    assert pd.isna(df.admin2[0])


def test_spellings_are_canonicalised_on_read(tmp_path):
    path = write_csv(tmp_path / "a.csv", [synthetic_row(1, admin1="Paktya", admin2="Davraz",
                                                       country="Islamic Republic of Iran")])
    df = records.read_csv(path)
    assert (df.admin1[0], df.admin2[0], df.country[0]) == ("Paktia", "Darvoz", "Iran")


@pytest.mark.parametrize("column, value, message", [
    ("event_date", "2023-02-30", "not a date"),
    ("latitude", "north", "not a number"),
    ("latitude", "95", "between -90 and 90"),
    ("longitude", "-181", "between -180 and 180"),
    ("fatalities", "-1", "cannot be negative"),
    ("fatalities", "2.5", "not a whole number"),
    ("geo_precision", "7", "must be 1, 2 or 3"),
    ("event_type", "", "required value is blank"),
])
def test_bad_cells_are_reported_by_row_and_column(tmp_path, column, value, message):
    rows = [synthetic_row(1), synthetic_row(2, **{column: value})]
    with pytest.raises(records.IncidentFileError) as err:
        records.read_csv(write_csv(tmp_path / "bad.csv", rows))
    [e] = err.value.errors
    assert (e.row, e.column, e.value) == (3, column, value)
    assert message in e.message
    assert f"row 3, column '{column}'" in str(err.value)


def test_missing_column_and_duplicate_ids(tmp_path):
    df = pd.DataFrame([synthetic_row(1)]).drop(columns=["latitude"])
    path = tmp_path / "m.csv"
    df.to_csv(path, index=False)
    with pytest.raises(records.IncidentFileError, match="latitude.*required column"):
        records.read_csv(path)
    path = write_csv(tmp_path / "d.csv", [synthetic_row(1), synthetic_row(1)])
    with pytest.raises(records.IncidentFileError, match="row 3.*duplicate event_id"):
        records.read_csv(path)
