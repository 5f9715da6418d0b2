import html

import pandas as pd

from borderwatch.analysis import aggregate
from borderwatch.data import records
from borderwatch.data.schema import EVENT_COLOURS
from borderwatch.present import charts
from tests.conftest import XSS


def test_monthly_counts_are_stacked_by_type_with_empty_months(sample):
    counts = aggregate.incidents_over_time(sample, "month")
    assert counts.to_numpy().sum() == len(sample)
    assert counts.loc["2023-09-01"].sum() == 3
    assert counts.loc["2023-08-01"].sum() == 0  # a month with none is still shown
    assert list(counts.columns)[0] == "Battles"  # the schema's order


def test_weekly_periods_start_on_monday(sample):
    counts = aggregate.incidents_over_time(sample, "week")
    assert all(day.weekday() == 0 for day in counts.index)
    assert counts.loc["2024-03-18"].sum() == 3


def test_fatalities_over_time_keep_unknown_tolls_apart(sample):
    s = aggregate.fatalities_over_time(sample, "month")
    assert s["fatalities"].sum() == 406 == aggregate.known_fatalities(sample)
    assert s["unknown"].sum() == 3 == aggregate.unknown_tolls(sample)
    assert s.loc["2024-12-01", "fatalities"] == 46
    assert s.loc["2023-09-01"].tolist() == [0, 1]  # one unknown toll: not a zero


def test_fatalities_chart_marks_unknown_tolls(sample):
    fig = charts.fatalities_figure(sample)
    assert [t.name for t in fig.data] == ["Fatalities (known tolls)",
                                          "Incidents with unknown toll (right axis)"]
    assert sum(v for v in fig.data[1].y if v == v) == 3
    known = sample[sample.fatalities.notna()]
    assert len(charts.fatalities_figure(known).data) == 1  # nothing to mark


def test_top_actors_count_either_side_once(sample):
    top = aggregate.top_actors(sample, 50)
    assert top["Synthetic Militants"] == 2
    assert top["Synthetic Army P"] == 6


def test_figures_use_the_map_colours(sample):
    fig = charts.timeline_figure(sample)
    assert {t.name: t.marker.color for t in fig.data} == {
        t: EVENT_COLOURS[t] for t in set(sample.event_type)}


def test_empty_view_gives_a_labelled_empty_chart():
    fig = charts.timeline_figure(records.empty_frame())
    assert fig.layout.annotations[0].text == "No incidents match the filters"


def test_chart_labels_show_file_text_as_text(hostile_csv):
    df = records.read_csv(hostile_csv)
    fig = charts.actors_figure(df, n=50)
    labels = list(fig.data[0].y)
    assert html.escape(XSS) in labels and XSS not in labels


def test_top_provinces_name_their_country(sample):
    top = aggregate.top_provinces(sample)
    assert top.index[0] == "Khyber Pakhtunkhwa, Pakistan" and top.iloc[0] == 4
    assert isinstance(top, pd.Series)
