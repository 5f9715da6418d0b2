import dataclasses
import datetime as dt

import pytest

from borderwatch.analysis import filters as flt
from borderwatch.geo import boundaries
from borderwatch.present import view


@pytest.fixture
def vocab(curated):
    return flt.Vocabulary.of(curated)


def test_no_filter_keeps_everything(curated):
    assert len(flt.apply(curated, flt.Filters())) == len(curated)


def test_each_filter_narrows_as_a_user_expects(curated):
    f = flt.Filters(start=dt.date(2023, 9, 1), end=dt.date(2023, 9, 30))
    assert set(flt.apply(curated, f).event_id) == {"BW-0008", "BW-0009", "BW-0010"}
    # the end date is inclusive
    f = flt.Filters(start=dt.date(2023, 9, 4), end=dt.date(2023, 9, 4))
    assert list(flt.apply(curated, f).event_id) == ["BW-0008"]
    # actor matches either side
    f = flt.Filters(actors=("Jamaat Ansarullah",))
    assert set(flt.apply(curated, f).event_id) == {"BW-0008", "BW-0009"}
    f = flt.Filters(event_types=("Battles",))
    assert (flt.apply(curated, f).event_type == "Battles").all()
    f = flt.Filters(sub_event_types=("Air/drone strike",), provinces=("Paktika",))
    assert set(flt.apply(curated, f).event_id) == {"BW-0013", "BW-0017"}
    f = flt.Filters(countries=("Tajikistan",))
    assert set(flt.apply(curated, f).country) == {"Tajikistan"}
    f = flt.Filters(min_fatalities=50)
    assert set(flt.apply(curated, f).event_id) == {"BW-0001", "BW-0003", "BW-0007"}
    # text search: case-insensitive, in notes and place names, no regex
    assert list(flt.apply(curated, flt.Filters(text="darvoz")).event_id) == ["BW-0008"]
    assert flt.apply(curated, flt.Filters(text="(.*")).empty


def test_filters_combine_with_and(curated):
    f = flt.Filters(countries=("Afghanistan",), min_fatalities=1)
    out = flt.apply(curated, f)
    assert (out.country == "Afghanistan").all() and (out.fatalities >= 1).all()
    assert len(out) < len(flt.apply(curated, flt.Filters(countries=("Afghanistan",))))


def test_url_round_trip_reproduces_the_view(vocab):
    f = flt.Filters(start=dt.date(2023, 1, 1), end=dt.date(2024, 6, 30),
                    actors=("Jamaat Ansarullah", "Military Forces of Pakistan"),
                    event_types=("Battles",), sub_event_types=("Armed clash",),
                    countries=("Tajikistan",), provinces=("Gorno-Badakhshan",),
                    min_fatalities=2, text="border")
    f = dataclasses.replace(f, max_border_km=12.5)
    d = view.Display(mode="clusters", basemap="osm", period="week")
    params = view.to_params(f, d)
    as_lists = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    assert view.from_params(as_lists, vocab) == (f, d, [])


def test_default_view_has_an_empty_url(vocab):
    assert view.to_params(flt.Filters(), view.Display()) == {}
    assert view.from_params({}, vocab) == (flt.Filters(), view.Display(), [])


@pytest.mark.parametrize("params, fragment", [
    ({"from": ["2023-13-01"]}, "Start date '2023-13-01'"),
    ({"to": ["yesterday"]}, "End date 'yesterday'"),
    ({"from": ["2024-01-01"], "to": ["2023-01-01"]}, "after its end date"),
    ({"actor": ["Nobody At All"]}, "Actor 'Nobody At All'"),
    ({"province": ["Atlantis"]}, "Province 'Atlantis'"),
    ({"minfat": ["-3"]}, "Minimum fatalities '-3'"),
    ({"minfat": ["lots"]}, "Minimum fatalities 'lots'"),
    ({"mode": ["3d"]}, "Unknown mode '3d'"),
    ({"utm_source": ["mail"]}, "Unknown link parameter 'utm_source'"),
    ({"q": ["x" * 500]}, "longer than 200"),
])
def test_malformed_or_stale_urls_fall_back_with_a_notice(vocab, params, fragment):
    f, d, notices = view.from_params(params, vocab)
    assert len(notices) == 1 and fragment in notices[0]
    assert f.start is None or f.start <= (f.end or f.start)
    assert len(f.text) <= flt.MAX_TEXT


def test_stale_values_are_dropped_but_good_ones_kept(vocab):
    f, _, notices = view.from_params({"actor": ["Jamaat Ansarullah", "Gone Group"]}, vocab)
    assert f.actors == ("Jamaat Ansarullah",)
    assert len(notices) == 1


def test_describe_says_the_filters_in_words():
    f = flt.Filters(start=dt.date(2023, 6, 1), end=dt.date(2023, 9, 30),
                    countries=("Tajikistan", "Afghanistan"), min_fatalities=1)
    text = flt.describe(f)
    assert text == ("from 2023-06-01 to 2023-09-30; countries: Tajikistan, Afghanistan; "
                    "at least 1 fatality")
    assert flt.describe(flt.Filters(provinces=("Khost",))) == "province: Khost"
    assert flt.describe(flt.Filters()) == "all incidents"


def test_distance_to_the_afghan_border_filter(curated):
    from borderwatch.present import view

    df = curated.join(boundaries.locate(curated.latitude, curated.longitude))
    near = flt.apply(df, flt.Filters(max_border_km=10))
    assert set(near.event_id) == {"BW-0004", "BW-0008", "BW-0013", "BW-0014", "BW-0017"}
    assert flt.describe(flt.Filters(max_border_km=10)) == "within 10 km of an Afghan border"
    _, _, notices = view.from_params({"border": ["near"]}, flt.Vocabulary.of(df))
    assert "Border distance 'near'" in notices[0]


def test_newest_keeps_the_most_recent_incidents(curated):
    top = flt.newest(curated, 3)
    assert list(top["event_date"]) == sorted(curated["event_date"], reverse=True)[:3]
    assert len(flt.newest(curated, 100)) == len(curated)


GARBAGE = ["", " ", "x" * 5_000, "\x00", "<img src=x onerror=alert(1)>", "2023-13-45",
           "-1", "1e999", "nan", "inf", "../../etc/passwd", "%00", "☃", "[]", "{}",
           "'; DROP TABLE incidents; --"]


def test_any_query_string_gives_a_view_and_never_an_error():
    keys = ["from", "to", "actor", "type", "subtype", "country", "province", "minfat", "q",
            "border", "mode", "basemap", "period", "present", "zzz"]
    vocab = flt.Vocabulary(actors=frozenset({"A"}), countries=frozenset({"Afghanistan"}))
    for key in keys:
        for value in GARBAGE:
            f, d, notices = view.from_params({key: [value, value]}, vocab)
            assert len(f.text) <= flt.MAX_TEXT
            assert f.min_fatalities >= 0
            assert d.mode in view.CHOICES["mode"] and d.present in view.PRESENT
            back = {k: v if isinstance(v, list) else [v] for k, v in view.to_params(f, d).items()}
            assert view.from_params(back, vocab)[:2] == (f, d)  # the link it writes is good
            if value.strip() and key not in ("q", "mode", "basemap", "period", "present") \
                    or key == "zzz":
                assert notices or (f, d) != (flt.Filters(), view.Display()), (key, value)
