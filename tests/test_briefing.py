"""Brief figures against values computed by hand on synthetic fixture data."""

import datetime as dt

import pandas as pd
import pytest

from borderwatch.analysis import briefing
from borderwatch.analysis import filters as flt
from borderwatch.data import records
from tests.conftest import synthetic_row, write_csv


@pytest.fixture
def fixture_df(tmp_path) -> pd.DataFrame:
    rows = [
        synthetic_row(1, event_date="2023-06-10", country="Tajikistan", admin1="Gorno-Badakhshan",
                      actor1="Synthetic JA", actor2="Synthetic Border Troops", fatalities=3),
        synthetic_row(2, event_date="2023-07-01", actor1="Synthetic JA", actor2="",
                      fatalities=5),
        synthetic_row(3, event_date="2023-09-30", actor1="Synthetic Other",
                      actor2="Synthetic JA", fatalities=""),
        synthetic_row(4, event_date="2023-05-31", actor1="Synthetic JA", fatalities=10),
        synthetic_row(5, event_date="2023-02-01", admin1="Khost", actor1="Synthetic X",
                      fatalities=7),
        synthetic_row(6, event_date="2023-01-29", fatalities=100),  # before both periods
    ]
    df = records.read_csv(write_csv(tmp_path / "b.csv", rows))
    return df.assign(border_km=[2.0, 40.0, 8.0, 1.0, 5.0, 3.0])


JUNE_SEPT = flt.Filters(start=dt.date(2023, 6, 1), end=dt.date(2023, 9, 30))


def test_previous_period_has_the_same_length():
    p = briefing.Period(dt.date(2023, 6, 1), dt.date(2023, 9, 30))
    assert p.days == 122
    assert p.previous() == briefing.Period(dt.date(2023, 1, 30), dt.date(2023, 5, 31))


def test_headline_counts_this_and_the_previous_period(fixture_df):
    h = briefing.headline(fixture_df, JUNE_SEPT)
    assert (h.now.incidents, h.now.fatalities, h.now.unknown) == (3, 8, 1)
    assert h.now.fatalities_text() == "at least 8"
    assert h.now.unknown_text() == "tolls unknown for 1 of 3 incidents"
    assert (h.before.incidents, h.before.fatalities, h.before.unknown) == (2, 17, 0)
    assert briefing.change(h.now.incidents, h.before.incidents) == "+1 (+50%) vs previous period"
    assert briefing.change(3, 0, 122) == "+3 vs previous 122 days (0 then)"


def test_no_comparison_before_the_data_begin(fixture_df):
    """The whole span of the data has no previous period in the data: say so, no arrow."""
    h = briefing.headline(fixture_df, flt.Filters())
    assert h.before is None
    assert h.no_comparison == "no data before 29 Jan 2023"
    # A period that starts one day after the data do: its previous period is not covered.
    f = flt.Filters(start=dt.date(2023, 1, 30), end=dt.date(2023, 2, 28))
    assert briefing.headline(fixture_df, f).before is None


def test_summary_sentence(fixture_df):
    assert briefing.summary(fixture_df, JUNE_SEPT) == (
        "From 1 June to 30 September 2023, 3 incidents in Badakhshan and Gorno-Badakhshan "
        "killed at least 8 people; tolls unknown for 1 of 3 incidents; 3 involved Synthetic "
        "JA; 2 were within 10 km of an Afghan border.")


def test_summary_with_every_toll_unknown_says_so(fixture_df):
    f = flt.Filters(start=dt.date(2023, 9, 30), end=dt.date(2023, 9, 30))
    assert briefing.summary(fixture_df, f) == (
        "On 30 September 2023, 1 incident in Badakhshan with no reported toll; "
        "1 was within 10 km of an Afghan border.")


def test_summary_follows_the_other_filters(fixture_df):
    f = flt.Filters(start=dt.date(2023, 6, 1), end=dt.date(2023, 9, 30),
                    countries=("Tajikistan",))
    assert briefing.summary(fixture_df, f) == (
        "From 1 June to 30 September 2023, 1 incident in Gorno-Badakhshan killed 3 people; "
        "1 was within 10 km of an Afghan border.")
    f = flt.Filters(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 1))
    assert briefing.summary(fixture_df, f) == "On 1 January 2024, no incidents match the filters."


def test_unbounded_view_uses_the_span_of_the_data(fixture_df):
    h = briefing.headline(fixture_df, flt.Filters())
    assert h.period == briefing.Period(dt.date(2023, 1, 29), dt.date(2023, 9, 30))
    assert (h.now.incidents, h.now.fatalities) == (6, 125)
    assert briefing.summary(fixture_df, flt.Filters(min_fatalities=50)).startswith(
        "From 29 January to 30 September 2023, 1 incident in Badakhshan killed 100 people")


def test_a_view_with_synthetic_rows_says_so(sample):
    text = briefing.summary(sample, flt.Filters(countries=("Tajikistan",)))
    assert text.startswith("SYNTHETIC DATA: 2 of these 2 incidents are synthetic test data")
