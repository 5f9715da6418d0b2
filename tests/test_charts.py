import html
import math

import pandas as pd
import pytest

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


@pytest.mark.parametrize("figure", [charts.timeline_figure, charts.fatalities_figure,
                                    charts.actors_figure, charts.provinces_figure])
def test_empty_view_gives_a_titled_chart_saying_so(figure):
    fig = figure(records.empty_frame())
    assert [a.text for a in fig.layout.annotations] == ["No incidents in this view"]
    assert fig.layout.title.text and not fig.data


def test_chart_labels_show_file_text_as_text(hostile_csv):
    df = records.read_csv(hostile_csv)
    fig = charts.actors_figure(df, n=50)
    labels = list(fig.data[0].y)
    assert html.escape(XSS) in labels and XSS not in labels


def test_top_provinces_name_their_country(sample):
    top = aggregate.top_provinces(sample)
    assert top.index[0] == "Khyber Pakhtunkhwa, Pakistan" and top.iloc[0] == 4
    assert isinstance(top, pd.Series)


PERIOD_DAYS = {"week": (7, 7), "month": (28, 31)}


def _x_range_ms(fig) -> float:
    lo, hi = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    return (hi - lo).total_seconds() * 1000


@pytest.mark.parametrize("period", ["week", "month"])
def test_a_single_incident_is_one_period_wide_not_the_whole_chart(sample, period):
    one = sample[sample.event_date == sample.event_date.max()]  # 2024-12-24
    fig = charts.timeline_figure(one, period)
    [bar] = fig.data
    [width] = bar.width
    shortest, longest = PERIOD_DAYS[period]
    assert 0.6 * shortest * 86_400_000 <= width <= longest * 86_400_000
    assert width / _x_range_ms(fig) < 1 / 10  # a narrow bar, not the chart's width
    ticks = list(fig.layout.xaxis.ticktext)
    assert len(ticks) == len(set(ticks)) >= 3
    assert pd.Timestamp(bar.x[0]) in [pd.Timestamp(v) for v in fig.layout.xaxis.tickvals]
    label = "Dec 2024" if period == "month" else "23 Dec 2024"  # its period is labelled
    assert label in ticks


@pytest.mark.parametrize("period", ["week", "month"])
@pytest.mark.parametrize("figure", [charts.timeline_figure, charts.fatalities_figure])
def test_time_ticks_are_unique_period_starts_and_few(sample, figure, period):
    fig = figure(sample, period)
    values = [pd.Timestamp(v) for v in fig.layout.xaxis.tickvals]
    labels = list(fig.layout.xaxis.ticktext)
    assert len(labels) == len(set(labels)) == len(values) and 3 <= len(values) <= 8
    if period == "month":
        assert all(v.day == 1 for v in values)
    else:
        assert all(v.weekday() == 0 for v in values)
    lo, hi = (pd.Timestamp(v) for v in fig.layout.xaxis.range)
    assert all(lo <= v <= hi for v in values)
    # Every bar has the same width in one view: one period (months vary by a few days).
    widths = [w for t in fig.data if t.type == "bar" for w in t.width]
    assert len(widths) == sum(len(t.x) for t in fig.data if t.type == "bar")
    shortest, longest = PERIOD_DAYS[period]
    assert all(0.6 * shortest * 86_400_000 <= w <= longest * 86_400_000 for w in widths)


def test_years_of_months_are_ticked_by_year():
    values, labels = charts.period_ticks(pd.Timestamp("2019-01-01"),
                                         pd.Timestamp("2026-06-01"), "month")
    assert labels == [str(y) for y in range(2019, 2027)]
    assert all(v.month == 1 and v.day == 1 for v in values)
    values, labels = charts.period_ticks(pd.Timestamp("2023-01-01"),
                                         pd.Timestamp("2024-12-01"), "month")
    assert labels[:2] == ["Jan 2023", "Apr 2023"]  # quarters
    assert len(labels) == len(set(labels)) == 8


@pytest.mark.parametrize("top, step", [(0, 1), (1, 1), (5, 1), (7, 2), (9, 2), (12, 5),
                                       (148, 50), (183, 50), (400, 100), (1234, 500)])
def test_count_axis_steps_are_one_two_or_five_times_a_power_of_ten(top, step):
    assert charts.nice_step(top) == step


def _ticks(axis) -> list[float]:
    n = math.floor(axis.range[1] / axis.dtick)
    return [axis.tick0 + k * axis.dtick for k in range(n + 1)]


def test_count_axes_show_whole_numbers(sample):
    fatalities = charts.fatalities_figure(sample)
    y, y2 = fatalities.layout.yaxis, fatalities.layout.yaxis2
    assert _ticks(y) == [0, 50, 100, 150, 200]  # not 0/37/74/111/148
    assert y.range[1] >= 183 and y2.range[1] >= 1
    assert _ticks(y2) == [0, 1]  # the unknown-toll axis keeps its own whole steps
    for axis in (y, y2, charts.timeline_figure(sample).layout.yaxis,
                 charts.actors_figure(sample).layout.xaxis,
                 charts.provinces_figure(sample).layout.xaxis):
        assert axis.tickformat == ",d" and axis.tick0 == 0
        assert isinstance(axis.dtick, int) and axis.dtick >= 1
        assert all(float(t).is_integer() for t in _ticks(axis))


def test_fatalities_bars_are_zero_only_when_known_to_be(sample):
    s = aggregate.fatalities_over_time(sample, "month")
    y = pd.Series(charts.fatalities_figure(sample).data[0].y, index=s.index)
    assert pd.isna(y["2024-01-01"])  # its one incident's toll is unknown: no bar, an ×
    assert y["2023-08-01"] == 0  # no incidents at all: a real zero
    assert y["2023-09-01"] == 0  # tolls of 0 reported (and one unknown)
    assert y["2024-12-01"] == 46
    only_unknown = sample[sample.event_date == "2024-01-03"]
    fig = charts.fatalities_figure(only_unknown)
    assert pd.isna(fig.data[0].y[0]) and list(fig.data[1].y) == [1]


def test_per_frame_results_are_made_once_per_frame_and_go_with_it(sample):
    import gc

    calls = []
    totals = aggregate.PerFrame(lambda df: calls.append(len(df)) or aggregate.province_totals(df))
    first = totals(sample)
    assert totals(sample) is first and calls == [len(sample)]
    other = sample.head(5)
    assert totals(other)["incidents"].sum() == 5 and calls == [len(sample), 5]
    assert len(totals) == 2
    del other
    gc.collect()
    assert len(totals) == 1
    pd.testing.assert_frame_equal(first, aggregate.province_totals(sample))
