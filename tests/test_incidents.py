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
    """The curated record's quality (never its values: those come from the reports)."""
    assert len(curated) >= 250
    assert curated["event_id"].is_unique
    assert curated["source"].notna().all()
    assert curated["source_url"].str.fullmatch(records.SAFE_URL).all()
    assert curated["source_date"].notna().all()
    # A report is published on or after the day of what it reports.
    assert (curated["source_date"] >= curated["event_date"]).all()
    assert not records.is_synthetic(curated).any()
    assert not curated["notes"].str.contains("synthetic", case=False).any()
    for etype, sub in zip(curated.event_type, curated.sub_event_type, strict=False):
        assert sub in EVENT_TYPES[etype]


def test_curated_record_covers_the_region_and_the_years(curated):
    assert set(curated["country"]) == set(boundaries.COUNTRIES.values())
    per_province = curated["admin1"].value_counts()
    for province in ("Badakhshan", "Gorno-Badakhshan", "Khost", "Paktika"):
        assert per_province[province] >= 10, province
    assert set(range(2021, 2026)) <= set(curated["event_date"].dt.year)


def test_rows_that_rest_on_the_brief_cite_it_as_what_it_is(curated):
    """The analysis brief is a third-party article: rows that use it say so, and link to a
    primary report rather than to the brief."""
    brief = curated[curated["source"].str.contains("analysis brief", case=False)]
    assert len(brief)
    assert brief["source"].str.contains("unattributed").all()
    assert not brief["source_url"].str.contains("tacticsinstitute").any()


def test_every_point_lies_in_the_country_and_province_it_names(curated):
    points = gpd.GeoDataFrame(curated, crs="EPSG:4326",
                              geometry=gpd.points_from_xy(curated.longitude, curated.latitude))
    joined = gpd.sjoin(points, boundaries.load_provinces()[["name", "country", "geometry"]],
                       how="left", predicate="within")
    bad = joined[(joined.admin1 != joined.name) | (joined.country_left != joined.country_right)]
    assert bad.empty, bad[["event_id", "admin1", "name"]]


def test_unknown_tolls_stay_unknown(curated, tmp_path):
    """Blank is unknown, not zero: in the curated file and when any file is read."""
    assert curated["fatalities"].isna().any()
    df = records.read_csv(write_csv(tmp_path / "a.csv", [synthetic_row(1, fatalities=""),
                                                         synthetic_row(2, fatalities=0)]))
    assert pd.isna(df.fatalities[0]) and df.fatalities[1] == 0


def test_blank_places_stay_blank(tmp_path):
    df = records.read_csv(write_csv(tmp_path / "a.csv", [synthetic_row(1, admin2="")]))
    assert pd.isna(df.admin2[0])


def test_spellings_are_canonicalised_on_read(tmp_path):
    path = write_csv(tmp_path / "a.csv", [synthetic_row(1, admin1="Paktya", admin2="Davraz",
                                                       country="Islamic Republic of Iran")])
    df = records.read_csv(path)
    assert (df.admin1[0], df.admin2[0], df.country[0]) == ("Paktia", "Darvoz", "Iran")


@pytest.mark.parametrize("column, value, message", [
    ("event_date", "2023-02-30",
     "not a real date: there is no 30 February 2023 (February 2023 has 28 days)"),
    ("event_date", "2023-13-01", "not a real date: there is no month 13"),
    ("source_date", "2023-04-31", "there is no 31 April 2023 (April 2023 has 30 days)"),
    ("event_date", "30/02/2023", "not a date in the form YYYY-MM-DD"),
    ("source_url", "javascript:alert(1)", "only http:// or https:// links"),
    ("source_url", "www.dawn.com/news/1", "only http:// or https:// links"),
    ("source_date", "yesterday", "not a date"),
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


def test_readme_figures_are_the_data(curated):
    """Every figure the README gives about the curated record is computed from it."""
    from borderwatch.analysis import coverage
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(coverage.START):readme.index(coverage.END) + len(coverage.END)]
    assert block == coverage.readme_figures(curated), \
        "README figures are stale: run `borderwatch readme-figures --write`"
