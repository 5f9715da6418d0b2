"""Export context, the briefing page's content, charts' data tables, the map as a list
and the presentation link: pure functions, tested directly."""

from __future__ import annotations

import datetime as dt

from borderwatch.analysis import filters as flt
from borderwatch.data.schema import EVENT_COLOURS, EVENT_SHAPES, SHAPES
from borderwatch.present import charts, export, tables
from borderwatch.ui.frame import markdown_url
from tests.conftest import XSS


def test_the_context_names_the_view_its_date_sources_and_attribution(curated):
    f = flt.Filters(countries=("Tajikistan",))
    df = flt.apply(curated, f)
    ctx = export.context(df, f, len(curated), "http://h/?country=Tajikistan",
                         now=dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC))
    assert ctx.title == f"Borderwatch: {len(df)} of {len(curated)} incidents"
    assert ctx.filters == "Filters: country: Tajikistan"
    assert ctx.generated == "Generated 2026-11-29 03:00 UTC"
    unknown = int(df["fatalities"].isna().sum())
    assert ctx.sources.startswith(f"Tolls unknown for {unknown} of {len(df)} incidents; ")
    assert ctx.sources.endswith(" source reports")
    assert "GeoNames (CC BY 4.0)" in ctx.attribution and "OpenStreetMap" in ctx.attribution
    assert ctx.lines()[0] == ctx.title and ctx.lines()[-1] == ctx.link


def test_the_brief_says_no_data_before_rather_than_a_zero(curated):
    f = flt.Filters(start=dt.date(2021, 1, 3), end=dt.date(2021, 6, 30))
    content = export.brief(curated, f, flt.apply(curated, f),
                           export.context(curated, f, len(curated), "x"))
    labels = dict(content.figures)
    assert "incidents in the previous period" not in labels
    assert labels["previous period"] == "no data before 03 Jan 2021"
    assert len(content.actors) <= 8 and all(n > 0 for _, n in content.provinces)


def test_a_charts_data_table_holds_its_numbers(curated):
    table = tables.figure_table(charts.actors_figure(curated, 5))
    assert len(table) == 5 and table.iloc[:, 1].tolist() == sorted(
        table.iloc[:, 1].tolist(), reverse=True)  # as read: the top of the chart first
    assert table.iloc[0, 0] == "Military Forces of Pakistan"
    timeline = tables.figure_table(charts.timeline_figure(curated, "month"))
    assert timeline.iloc[:, 1:].sum().sum() == len(curated)  # every incident, once
    assert timeline.iloc[:, 0].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert tables.figure_table(charts.timeline_figure(curated.iloc[:0])).empty


def test_the_map_as_a_list_is_newest_first_with_unknown_tolls_in_words(curated):
    listed = tables.map_list(curated, 50)
    assert len(listed) == 50 and listed["Date"].is_monotonic_decreasing
    assert list(listed.columns) == ["Date", "Type", "Place", "Province", "Country",
                                    "Fatalities", "Source"]
    unknown = tables.map_list(curated[curated["fatalities"].isna()], 5)
    assert set(unknown["Fatalities"]) == {"unknown"}


def test_every_event_type_has_its_own_shape():
    assert set(EVENT_SHAPES) == set(EVENT_COLOURS)
    assert len(set(EVENT_SHAPES.values())) == len(EVENT_SHAPES)
    assert set(EVENT_SHAPES.values()) <= set(SHAPES)


def test_a_markdown_link_target_keeps_the_address_and_cannot_break_out():
    url = "http://127.0.0.1:8501/brief?from=2024-01-01&actor=A+%28B%29"
    assert markdown_url(url) == url
    assert markdown_url("http://h/?q=a b)[x](javascript:1)") == (
        "http://h/?q=a%20b%29[x]%28javascript:1%29")
    assert "<" not in markdown_url("http://h/?q=" + XSS)


def test_the_png_of_a_chart_carries_escaped_context(curated):
    from borderwatch.present import render

    ctx = export.context(curated, flt.Filters(text="<b>x</b>"), 1, "http://h/")
    fig = render.with_context(charts.timeline_figure(curated), ctx)
    assert "&lt;b&gt;x&lt;/b&gt;" in fig.layout.title.text
