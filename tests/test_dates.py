"""Dates that do what you type: one reader (borderwatch.data.dates) for the sidebar's From
and To and for uploaded files, the quick ranges, and the sidebar fields in the app."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from borderwatch.analysis import filters as flt
from borderwatch.analysis.filters import Filters
from borderwatch.data import ingest
from borderwatch.data.dates import date_problem, parse_date
from tests.conftest import ROOT, synthetic_row, write_csv

D = dt.date


@pytest.mark.parametrize("text, day", [
    ("2023-01-01", D(2023, 1, 1)),
    (" 2023-01-01\n", D(2023, 1, 1)),  # as a paste brings it
    ("2024-02-29", D(2024, 2, 29)),  # a leap day
    ("2000-02-29", D(2000, 2, 29)),
    ("1999-12-31", D(1999, 12, 31)),
])
def test_real_dates_are_read(text, day):
    assert parse_date(text) == day
    assert date_problem(text) is None


@pytest.mark.parametrize("text, message", [
    ("2023-02-30",
     "2023-02-30 is not a real date: there is no 30 February 2023 (February 2023 has 28 days)"),
    ("2023-02-29", "there is no 29 February 2023 (February 2023 has 28 days)"),
    ("1900-02-29", "there is no 29 February 1900 (February 1900 has 28 days)"),
    ("2024-02-30", "(February 2024 has 29 days)"),
    ("2023-04-31", "there is no 31 April 2023 (April 2023 has 30 days)"),
    ("2023-13-01", "2023-13-01 is not a real date: there is no month 13"),
    ("2023-00-10", "there is no month 00"),
    ("2023-01-00", "there is no day 00 (January 2023 has days 01 to 31)"),
    ("0000-01-01", "there is no year 0000"),
    ("30/02/2023", "30/02/2023 is not a date in the form YYYY-MM-DD"),
    ("2023-1-5", "is not a date in the form YYYY-MM-DD"),
    ("1 Jan 2023", "is not a date in the form YYYY-MM-DD"),
    ("2023-01-01T00:00", "is not a date in the form YYYY-MM-DD"),
    ("２０２３-０１-０１", "is not a date in the form YYYY-MM-DD"),  # full-width digits
    ("", "Type a date as YYYY-MM-DD"),
    ("x" * 5000, "x" * 30 + "… is not a date in the form YYYY-MM-DD"),  # not echoed whole
    ("   ", "Type a date as YYYY-MM-DD"),
])
def test_anything_else_says_what_is_wrong(text, message):
    with pytest.raises(ValueError) as err:
        parse_date(text)
    assert message in str(err.value)


def test_every_impossible_day_is_named_for_every_month():
    for year in (2023, 2024):
        for month in range(1, 13):
            for day in range(1, 33):
                text = f"{year}-{month:02d}-{day:02d}"
                try:
                    real = dt.date(year, month, day)
                except ValueError:
                    real = None
                if real:
                    assert parse_date(text) == real
                else:
                    with pytest.raises(ValueError, match=f"there is no {day} "):
                        parse_date(text)


def test_a_typed_date_sets_one_bound_and_nothing_else():
    f = Filters(end=D(2024, 6, 30), countries=("Tajikistan",), min_fatalities=2)
    assert flt.with_date(f, "start", "2023-01-01") == Filters(
        start=D(2023, 1, 1), end=D(2024, 6, 30), countries=("Tajikistan",), min_fatalities=2)
    assert flt.with_date(f, "end", "") == Filters(countries=("Tajikistan",),
                                                  min_fatalities=2)  # empty: no bound
    assert flt.with_date(f, "end", " 2024-07-01 ").end == D(2024, 7, 1)


@pytest.mark.parametrize("name, text, message", [
    ("start", "2023-02-30", "there is no 30 February 2023"),
    ("start", "2024-07-01", "2024-07-01 is after To (2024-06-30): change To first"),
    ("end", "2022-12-31", "2022-12-31 is before From (2023-01-01): change From first"),
    ("start", "1989-12-31", "outside the dates this dashboard takes (1990-01-01 to 2100-01-01)"),
    ("end", "2100-01-02", "outside the dates"),
])
def test_a_date_that_cannot_be_used_is_refused_with_its_reason(name, text, message):
    f = Filters(start=D(2023, 1, 1), end=D(2024, 6, 30))
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        flt.with_date(f, name, text)


@pytest.mark.parametrize("key, start, end", [
    ("30d", D(2024, 11, 25), D(2024, 12, 24)),
    ("90d", D(2024, 9, 26), D(2024, 12, 24)),
    ("12m", D(2023, 12, 25), D(2024, 12, 24)),
    ("year", D(2024, 1, 1), D(2024, 12, 24)),
    ("all", None, None),
])
def test_quick_ranges_end_on_the_latest_incident(key, start, end):
    latest = D(2024, 12, 24)
    assert flt.quick_range(key, latest) == (start, end)
    if start is not None and key.endswith("d"):
        assert (end - start).days + 1 == int(key[:-1])  # both ends counted
    assert flt.matching_range(Filters(start=start, end=end), latest) == key


def test_twelve_months_from_a_leap_day_and_unknown_ranges():
    assert flt.quick_range("12m", D(2024, 2, 29)) == (D(2023, 3, 1), D(2024, 2, 29))
    assert flt.matching_range(Filters(start=D(2024, 1, 2)), D(2024, 12, 24)) is None
    with pytest.raises(KeyError):
        flt.quick_range("week", D(2024, 12, 24))


def test_an_uploaded_impossible_day_is_named_not_called_malformed(tmp_path):
    rows = [synthetic_row(1), synthetic_row(2, event_date="2023-02-30"),
            synthetic_row(3, event_date="30/02/2023")]
    report = ingest.validate(write_csv(tmp_path / "u.csv", rows).read_bytes(), "u.csv")
    found = {(e.row, e.value): e.message for e in report.errors if e.column == "event_date"}
    assert found == {
        (3, "2023-02-30"):
            "not a real date: there is no 30 February 2023 (February 2023 has 28 days)",
        (4, "30/02/2023"): "not a date in the form YYYY-MM-DD (e.g. 2023-01-31)"}


# The sidebar, in the app (the SYNTHETIC sample: 16 incidents, 2021-08-26 to 2024-12-24).

def app(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown(at: AppTest) -> int:
    return int(at.metric[0].value.replace(",", ""))


def url(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.sidebar.error]


def test_typing_a_date_into_from_filters_from_that_date():
    at = app()
    assert at.text_input(key="w_start").value == "2021-08-26"  # the first incident
    assert at.text_input(key="w_end").value == "2024-12-24"
    at.text_input(key="w_start").input("2023-01-01").run()
    assert not at.exception and not errors(at)
    assert shown(at) == 14
    assert url(at, "from") == "2023-01-01" and url(at, "to") is None
    assert at.text_input(key="w_start").value == "2023-01-01"
    at.text_input(key="w_end").input(" 2023-12-31 ").run()  # pasted with spaces
    assert shown(at) == 7 and url(at, "to") == "2023-12-31"
    assert at.text_input(key="w_end").value == "2023-12-31"


def test_an_impossible_date_says_so_and_changes_nothing():
    at = app(**{"from": "2023-01-01", "country": "Tajikistan"})
    before = shown(at)
    at.text_input(key="w_start").input("2023-02-30").run()
    assert not at.exception
    [message] = errors(at)
    assert "2023-02-30 is not a real date: there is no 30 February 2023" in message
    assert "The view still uses 2023-01-01" in message
    assert shown(at) == before
    assert url(at, "from") == "2023-01-01" and url(at, "country") == "Tajikistan"
    assert at.text_input(key="w_start").value == "2023-02-30"  # kept, to be corrected
    at.multiselect(key="w_countries").set_value([]).run()  # another filter still works
    assert at.text_input(key="w_start").value == "2023-02-30" and len(errors(at)) == 1
    at.text_input(key="w_start").input("2023-02-28").run()  # corrected
    assert not errors(at) and url(at, "from") == "2023-02-28"


def test_text_that_is_no_date_and_from_after_to_are_refused():
    at = app(to="2023-12-31")
    at.text_input(key="w_start").input("yesterday").run()
    assert "yesterday is not a date in the form YYYY-MM-DD" in errors(at)[0]
    assert url(at, "from") is None and shown(at) == 9
    at.text_input(key="w_start").input("2024-01-01").run()
    assert "2024-01-01 is after To (2023-12-31)" in errors(at)[0]
    assert url(at, "from") is None and shown(at) == 9


def test_emptying_a_date_field_removes_that_bound():
    at = app(**{"from": "2023-01-01"})
    at.text_input(key="w_start").input("").run()
    assert not errors(at) and url(at, "from") is None and shown(at) == 16
    assert at.text_input(key="w_start").value == "2021-08-26"


def test_quick_ranges_set_both_dates_and_clear_a_typing_error():
    at = app()
    quick = at.button_group(key="w_quick_range")
    assert quick.value == "all"  # the default view is every date
    at.text_input(key="w_start").input("2023-02-30").run()
    assert errors(at)
    at.button_group(key="w_quick_range").set_value("12m").run()
    assert not at.exception and not errors(at)
    assert (url(at, "from"), url(at, "to")) == ("2023-12-25", "2024-12-24")
    assert shown(at) == 7
    assert at.text_input(key="w_start").value == "2023-12-25"
    assert at.button_group(key="w_quick_range").value == "12m"
    at.button_group(key="w_quick_range").set_value("30d").run()
    assert (url(at, "from"), shown(at)) == ("2024-11-25", 1)
    at.text_input(key="w_start").input("2024-02-01").run()  # no longer a quick range
    assert at.button_group(key="w_quick_range").value is None
    at.button_group(key="w_quick_range").set_value("all").run()
    assert url(at, "from") is None and url(at, "to") is None and shown(at) == 16


def test_a_link_with_dates_fills_the_fields_and_the_km_shows_whole():
    at = app(**{"from": "2024-01-01", "to": "2024-12-24", "border": "25"})
    assert at.text_input(key="w_start").value == "2024-01-01"
    assert at.button_group(key="w_quick_range").value == "year"
    km = at.number_input(key="w_max_border_km")
    assert km.value == 25 and km.proto.format % km.value == "25"  # not "25.00"
    assert km.proto.format % 12.5 == "12.5"
