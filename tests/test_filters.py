import dataclasses
import datetime as dt

import pytest

from borderwatch.analysis import filters as flt
from borderwatch.geo import boundaries
from borderwatch.present import view


@pytest.fixture
def vocab(sample):
    return flt.Vocabulary.of(sample)


def ids(df) -> set[str]:
    return set(df.event_id)


def test_no_filter_keeps_everything(sample):
    assert len(flt.apply(sample, flt.Filters())) == len(sample) == 16


def test_each_filter_narrows_as_a_user_expects(sample):
    f = flt.Filters(start=dt.date(2023, 9, 1), end=dt.date(2023, 9, 30))
    assert ids(flt.apply(sample, f)) == {"SYN-00007", "SYN-00008", "SYN-00009"}
    # the end date is inclusive
    f = flt.Filters(start=dt.date(2023, 9, 5), end=dt.date(2023, 9, 5))
    assert list(flt.apply(sample, f).event_id) == ["SYN-00007"]
    # actor matches either side
    f = flt.Filters(actors=("Synthetic Militants",))
    assert ids(flt.apply(sample, f)) == {"SYN-00007", "SYN-00008"}
    f = flt.Filters(event_types=("Battles",))
    assert ids(flt.apply(sample, f)) == {"SYN-00004", "SYN-00005", "SYN-00007", "SYN-00014"}
    f = flt.Filters(sub_event_types=("Air/drone strike",), provinces=("Paktika",))
    assert ids(flt.apply(sample, f)) == {"SYN-00012", "SYN-00016"}
    f = flt.Filters(countries=("Tajikistan",))
    assert ids(flt.apply(sample, f)) == {"SYN-00007", "SYN-00009"}
    f = flt.Filters(min_fatalities=50)
    assert ids(flt.apply(sample, f)) == {"SYN-00001", "SYN-00003", "SYN-00006"}
    # text search: case-insensitive, in notes, place names and sources, no regex
    assert list(flt.apply(sample, flt.Filters(text="darvoz")).event_id) == ["SYN-00007"]
    assert len(flt.apply(sample, flt.Filters(text="EXAMPLE WIRE 1"))) == 6  # the source
    assert flt.apply(sample, flt.Filters(text="(.*")).empty


def test_an_unknown_toll_is_not_zero_and_can_be_included(sample):
    battles = flt.Filters(event_types=("Battles",), min_fatalities=3)
    assert ids(flt.apply(sample, battles)) == {"SYN-00004", "SYN-00005"}
    both = dataclasses.replace(battles, include_unknown=True)
    assert ids(flt.apply(sample, both)) == {"SYN-00004", "SYN-00005", "SYN-00007",
                                            "SYN-00014"}
    assert flt.describe(both) == "event type: Battles; at least 3 fatalities (or toll unknown)"
    # With no minimum, unknown tolls are simply shown.
    assert len(flt.apply(sample, flt.Filters(event_types=("Battles",)))) == 4


def test_dataset_filter(sample):
    tagged = sample.assign(dataset_key=["curated"] * 10 + ["batch-7"] * 6,
                           dataset_label=["Curated"] * 10 + ["Upload 7"] * 6)
    vocab = flt.Vocabulary.of(tagged)
    assert vocab.datasets == {"curated", "batch-7"}
    assert vocab.dataset_label("batch-7") == "Upload 7"
    assert len(flt.apply(tagged, flt.Filters(datasets=("batch-7",)))) == 6


def test_filters_combine_with_and(sample):
    f = flt.Filters(countries=("Afghanistan",), min_fatalities=1)
    out = flt.apply(sample, f)
    assert (out.country == "Afghanistan").all() and (out.fatalities >= 1).all()
    assert len(out) < len(flt.apply(sample, flt.Filters(countries=("Afghanistan",))))


def test_url_round_trip_reproduces_the_view(vocab):
    f = flt.Filters(start=dt.date(2023, 1, 1), end=dt.date(2024, 6, 30),
                    actors=("Synthetic Militants", "Synthetic Army P"),
                    event_types=("Battles",), sub_event_types=("Armed clash",),
                    countries=("Tajikistan",), provinces=("Gorno-Badakhshan",),
                    datasets=("synthetic",), min_fatalities=2, include_unknown=True,
                    text="border")
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
    f, _, notices = view.from_params({"actor": ["Synthetic Militants", "Gone Group"]}, vocab)
    assert f.actors == ("Synthetic Militants",)
    assert len(notices) == 1


def test_describe_says_the_filters_in_words():
    f = flt.Filters(start=dt.date(2023, 6, 1), end=dt.date(2023, 9, 30),
                    countries=("Tajikistan", "Afghanistan"), min_fatalities=1)
    text = flt.describe(f)
    assert text == ("from 2023-06-01 to 2023-09-30; countries: Tajikistan, Afghanistan; "
                    "at least 1 fatality (toll known)")
    assert flt.describe(flt.Filters(provinces=("Khost",))) == "province: Khost"
    assert flt.describe(flt.Filters()) == "all incidents"


def test_distance_to_the_afghan_border_filter(sample):
    df = sample.join(boundaries.locate(sample.latitude, sample.longitude))
    near = set(flt.apply(df, flt.Filters(max_border_km=10)).event_id)
    # Darvoz on the Panj and the Iran-Nimruz border point are on the border; Dushanbe and
    # Kerman are far from it.
    assert {"SYN-00004", "SYN-00007"} <= near and not {"SYN-00009", "SYN-00010"} & near
    assert flt.describe(flt.Filters(max_border_km=10)) == "within 10 km of an Afghan border"
    _, _, notices = view.from_params({"border": ["near"]}, flt.Vocabulary.of(df))
    assert "Border distance 'near'" in notices[0]


def test_newest_keeps_the_most_recent_incidents(sample):
    top = flt.newest(sample, 3)
    assert list(top["event_date"]) == sorted(sample["event_date"], reverse=True)[:3]
    assert len(flt.newest(sample, 100)) == len(sample)


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


def test_a_view_refers_to_the_frames_notes_and_reads_like_a_copy(sample):
    """A filtered view's notes are references into the whole frame's (four bytes a row);
    read, searched, exported and tabled they are the same text, missing ones missing."""
    import numpy as np
    import pandas as pd

    from borderwatch.data import shared_text
    from borderwatch.present import export, tables

    df = sample.assign(notes=sample["notes"].astype("str"))
    df.loc[df.index[3], "notes"] = None
    mask = np.zeros(len(df), dtype=bool)
    mask[[1, 3, 4, 7]] = True
    view = shared_text.rows(df, mask)
    assert shared_text.is_shared(view["notes"])
    assert list(view.columns) == list(df.columns) and list(view.index) == list(df.index[mask])
    def text(values):
        return [None if pd.isna(v) else v for v in values]

    assert text(view["notes"]) == text(df["notes"][mask])
    assert view["notes"].isna().tolist() == [False, True, False, False]
    pd.testing.assert_frame_equal(view.drop(columns="notes"), df[mask].drop(columns="notes"))
    # Searched (also a view of a view), tabled as plain text, exported the same.
    word = str(df["notes"].iloc[7]).split()[-1]
    again = flt.apply(view, flt.Filters(text=word))
    assert df["notes"].iloc[7] in text(again["notes"])
    assert not shared_text.is_shared(tables.incidents_table(view)["notes"])
    assert export.csv_bytes(view) == export.csv_bytes(df[mask])
    assert export.geojson_bytes(view) == export.geojson_bytes(df[mask])


def test_the_sidebar_shape_changes_only_with_what_its_controls_offer():
    """A change of the view that leaves the sidebar's controls as they were runs only the
    page's view parts (state.changed): a toll minimum, an actor, the text, the border
    distance, a display choice. One that changes what a control offers (sub-event types by
    event type, provinces by country), the dates, the records counted or presentation mode
    runs the whole page, as does a display (its own settings) or a place (its button)."""
    f, d = flt.Filters(), view.Display()
    shape = view.sidebar_shape(f, d)
    same = [view.with_field(f, d, "min_fatalities", 3),
            view.with_field(f, d, "include_unknown", True),
            view.with_field(f, d, "actors", ("Taliban",)),
            view.with_field(f, d, "sub_event_types", ("Armed clash",)),
            view.with_field(f, d, "provinces", ("Khost",)),
            view.with_field(f, d, "datasets", ("curated",)),
            view.with_field(f, d, "text", "Darvoz"),
            view.with_field(f, d, "max_border_km", 25.0),
            view.with_field(f, d, "basemap", "osm"),
            view.with_field(f, d, "period", "week"),
            view.with_field(f, d, "hs_metric", "fatalities")]
    assert all(view.sidebar_shape(*v) == shape for v in same)
    other = [view.with_field(f, d, "event_types", ("Battles",)),
             view.with_field(f, d, "countries", ("Tajikistan",)),
             view.with_field(f, d, "start", dt.date(2024, 1, 1)),
             view.with_field(f, d, "end", dt.date(2024, 12, 31)),
             view.with_field(f, d, "records", "all"),
             view.with_field(f, d, "present", "1"),
             view.with_field(f, d, "mode", "points"),
             view.with_field(f, d, "hs_unit", "provinces"),
             view.with_field(f, d, "place", "1221328")]
    assert all(view.sidebar_shape(*v) != shape for v in other)
