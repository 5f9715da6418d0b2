"""The brief page: built for a projector, with every export of the current view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from streamlit_folium import st_folium

from borderwatch.analysis import briefing
from borderwatch.analysis import filters as flt
from borderwatch.present import charts, export, maps, render
from borderwatch.ui import frame
from borderwatch.ui.frame import View
from borderwatch.ui.sidebar import share_link
from borderwatch.ui.text import md_escape

PICTURES: dict[str, str] = {"map": "Map", "timeline": "Incidents over time",
                            "fatalities": "Fatalities over time", "actors": "Top actors",
                            "provinces": "Top provinces"}


def _figure(name: str, view: View) -> go.Figure:
    period = view.display.period
    return {"timeline": lambda: charts.timeline_figure(view.data, period),
            "fatalities": lambda: charts.fatalities_figure(view.data, period),
            "actors": lambda: charts.actors_figure(view.data),
            "provinces": lambda: charts.provinces_figure(view.data)}[name]()


def _map(view: View) -> maps.IncidentMap:
    mode = "auto" if view.display.mode == "playback" else view.display.mode
    return maps.build_map(view.data, mode, "none")


def _picture(name: str, view: View) -> Callable[[], bytes]:
    def make() -> bytes:
        if name == "map":
            return render.map_png(_map(view))
        return render.chart_png(_figure(name, view))
    return make


def _pdf(view: View) -> Callable[[], bytes]:
    def make() -> bytes:
        full = view.full
        h = briefing.headline(full, view.filters, view.data)
        figures = [("incidents", f"{h.incidents:,}"), ("reported fatalities",
                                                       f"{h.fatalities:,}")]
        if h.previous_incidents is not None:
            figures.append(("incidents in the previous period", f"{h.previous_incidents:,}"))
        the_map, timeline = _map(view), _figure("timeline", view)
        summary = briefing.summary(full, view.filters, view.data)
        footer = (f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from "
                  f"{view.total:,} incidents · {share_link(view.params)}")

        def build(b: Any) -> bytes:
            page = render.brief_html(
                "Borderwatch brief", "Filters: " + flt.describe(view.filters), summary,
                figures, render.map_png(the_map, b, size=(1100, 800)),
                render.chart_png(timeline, b, size=(900, 800)), footer)
            return render.pdf(page, b)

        return render.with_browser(build)
    return make


def _exports(view: View) -> None:
    f = view.filters
    c = st.columns(3)
    # Every export is made when its button is pressed (a callable), never on each rerun.
    c[0].download_button("CSV", lambda: export.csv_bytes(view.data), export.file_name(f, "csv"),
                         mime="text/csv", icon=":material/table:", width="stretch")
    c[1].download_button("GeoJSON", lambda: export.geojson_bytes(view.data),
                         export.file_name(f, "geojson"), mime="application/geo+json",
                         icon=":material/map:", width="stretch")
    c[2].download_button("Map (HTML, works offline)",
                         lambda: render.standalone_map_html(_map(view)).encode(),
                         export.file_name(f, "html"), mime="text/html",
                         icon=":material/public:", width="stretch")
    can_render = render.CHROMIUM.exists()
    why = None if can_render else f"Needs Chromium at {render.CHROMIUM} on the server."
    d = st.columns([2, 1, 1])
    chosen = d[0].selectbox("Picture of", list(PICTURES), format_func=PICTURES.__getitem__,
                            key="picture_of", label_visibility="collapsed")
    d[1].download_button("PNG", _picture(chosen, view),
                         export.file_name(f, f"{chosen}.png"), mime="image/png",
                         icon=":material/image:", disabled=not can_render, help=why,
                         width="stretch")
    d[2].download_button("One-page PDF brief", _pdf(view), export.file_name(f, "pdf"),
                         mime="application/pdf", icon=":material/picture_as_pdf:",
                         disabled=not can_render, help=why, width="stretch")


def brief_page() -> None:
    with frame.page("Brief") as view:
        full = view.full
        h = briefing.headline(full, view.filters, view.data)
        c = st.columns(3)
        c[0].metric("Incidents", f"{h.incidents:,}",
                    delta=briefing.change(h.incidents, h.previous_incidents),
                    delta_color="off")
        c[1].metric("Reported fatalities", f"{h.fatalities:,}",
                    delta=briefing.change(h.fatalities, h.previous_fatalities),
                    delta_color="off")
        if h.period:
            c[2].metric("Period", f"{h.period.days:,} days",
                        delta=f"{h.period.start:%d %b %Y} – {h.period.end:%d %b %Y}",
                        delta_color="off", delta_arrow="off")
        st.markdown("#### " + md_escape(briefing.summary(full, view.filters, view.data)))
        left, right = st.columns([3, 2])
        with left:
            st_folium(_map(view), key="brief_map", height=520, use_container_width=True,
                      returned_objects=[])
        right.plotly_chart(charts.timeline_figure(view.data, view.display.period),
                           key="b_time")
        left, right = st.columns(2)
        left.plotly_chart(charts.actors_figure(view.data, 5), key="b_actors")
        right.plotly_chart(charts.provinces_figure(view.data, 5), key="b_provinces")
        if not view.presenting:
            with st.expander("Export this view", icon=":material/download:", expanded=True):
                _exports(view)
