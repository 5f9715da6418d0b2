import html

import pandas as pd

from borderwatch.analysis import aggregate
from borderwatch.data import records
from borderwatch.data.schema import EVENT_COLOURS
from borderwatch.present import charts
from tests.conftest import XSS


def test_monthly_counts_are_stacked_by_type_with_empty_months(curated):
    counts = aggregate.incidents_over_time(curated, "month")
    assert counts.to_numpy().sum() == len(curated)
    assert counts.loc["2023-09-01"].sum() == 3
    assert counts.loc["2023-08-01"].sum() == 0  # a month with none is still shown
    assert list(counts.columns)[0] == "Battles"  # the schema's order


def test_weekly_periods_start_on_monday(curated):
    counts = aggregate.incidents_over_time(curated, "week")
    assert all(day.weekday() == 0 for day in counts.index)
    assert counts.loc["2024-03-18"].sum() == 3


def test_fatalities_over_time_sums_reported_deaths(curated):
    s = aggregate.fatalities_over_time(curated, "month")
    assert s.sum() == curated.fatalities.sum()
    assert s.loc["2024-12-01"] == 46


def test_top_actors_count_either_side_once(curated):
    top = aggregate.top_actors(curated, 50)
    assert top["Jamaat Ansarullah"] == 2
    assert top["Military Forces of Pakistan"] == 6


def test_figures_use_the_map_colours(curated):
    fig = charts.timeline_figure(curated)
    assert {t.name: t.marker.color for t in fig.data} == {
        t: EVENT_COLOURS[t] for t in set(curated.event_type)}


def test_empty_view_gives_a_labelled_empty_chart():
    fig = charts.timeline_figure(records.empty_frame())
    assert fig.layout.annotations[0].text == "No incidents match the filters"


def test_chart_labels_show_file_text_as_text(hostile_csv):
    df = records.read_csv(hostile_csv)
    fig = charts.actors_figure(df, n=50)
    labels = list(fig.data[0].y)
    assert html.escape(XSS) in labels and XSS not in labels


def test_top_provinces_name_their_country(curated):
    top = aggregate.top_provinces(curated)
    assert top.index[0] == "Khyber Pakhtunkhwa, Pakistan" and top.iloc[0] == 4
    assert isinstance(top, pd.Series)
