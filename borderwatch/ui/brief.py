"""The brief page: built for a projector, with every export of the current view."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from streamlit_folium import st_folium

from borderwatch.analysis import briefing, sources
from borderwatch.analysis import filters as flt
from borderwatch.data.records import SAFE_URL
from borderwatch.present import charts, export, maps, render
from borderwatch.ui import changes, frame
from borderwatch.ui import hotspots as hotspot_ui
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
    spots = hotspot_ui.result(view) if mode == "hotspots" else None
    return maps.build_map(view.data, mode, "none", view.display.period, hotspots=spots)


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
        figures = [("incidents", f"{h.now.incidents:,}"),
                   ("reported fatalities", h.now.fatalities_text())]
        if h.now.unknown:
            figures.append(("incidents with unknown toll", f"{h.now.unknown:,}"))
        if h.before is not None:
            figures.append(("incidents in the previous period", f"{h.before.incidents:,}"))
        elif h.no_comparison:
            figures.append(("previous period", h.no_comparison))
        the_map, timeline = _map(view), _figure("timeline", view)
        summary = briefing.summary(full, view.filters, view.data)
        refs, more = sources.references(view.data)
        footer = (f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from "
                  f"{view.total:,} incidents · {share_link(view.params)}")
        title = ("SYNTHETIC DATA — Borderwatch brief" if export.has_synthetic(view.data)
                 else "Borderwatch brief")

        def build(b: Any) -> bytes:
            page = render.brief_html(
                title, "Filters: " + flt.describe(view.filters), summary,
                figures, render.map_png(the_map, b, size=(1100, 800)),
                render.chart_png(timeline, b, size=(900, 800)), footer, refs, more)
            return render.pdf(page, b)

        return render.with_browser(build)
    return make


def _exports(view: View) -> None:
    f = view.filters
    synthetic = export.has_synthetic(view.data)

    def name(ext: str) -> str:
        return export.file_name(f, ext, synthetic=synthetic)

    c = st.columns(3)
    # Every export is made when its button is pressed (a callable), never on each rerun.
    c[0].download_button("CSV", lambda: export.csv_bytes(view.data), name("csv"),
                         mime="text/csv", icon=":material/table:", width="stretch")
    c[1].download_button("GeoJSON", lambda: export.geojson_bytes(view.data),
                         name("geojson"), mime="application/geo+json",
                         icon=":material/map:", width="stretch")
    c[2].download_button("Map (HTML, works offline)",
                         lambda: render.standalone_map_html(_map(view)).encode(),
                         name("html"), mime="text/html",
                         icon=":material/public:", width="stretch")
    can_render = render.CHROMIUM.exists()
    why = None if can_render else f"Needs Chromium at {render.CHROMIUM} on the server."
    d = st.columns([2, 1, 1])
    chosen = d[0].selectbox("Picture of", list(PICTURES), format_func=PICTURES.__getitem__,
                            key="picture_of", label_visibility="collapsed")
    d[1].download_button("PNG", _picture(chosen, view),
                         name(f"{chosen}.png"), mime="image/png",
                         icon=":material/image:", disabled=not can_render, help=why,
                         width="stretch")
    d[2].download_button("One-page PDF brief", _pdf(view), name("pdf"),
                         mime="application/pdf", icon=":material/picture_as_pdf:",
                         disabled=not can_render, help=why, width="stretch")


def _references(view: View) -> None:
    """The reports behind the incidents shown, numbered, with safe links."""
    refs, more = sources.references(view.data)
    if not refs:
        return
    st.markdown("#### Sources")
    lines = []
    for r in refs:
        outlet = md_escape(r.outlet)
        url = r.url if r.url and re.fullmatch(SAFE_URL, r.url) else None
        cited = f"{outlet}, {r.published}" if r.published else outlet
        link = f"[{cited}]({url.replace(')', '%29')})" if url else cited
        n = "incident" if r.incidents == 1 else "incidents"
        lines.append(f"{r.number}. {link} · {r.incidents:,} {n}, latest {r.latest}")
    if more:
        lines.append(f"… and {more:,} more sources: every incident's source is in the "
                     "Incidents table and the CSV export.")
    st.markdown("\n".join(lines))


def brief_page() -> None:
    with frame.page("Brief") as view:
        full = view.full
        h = briefing.headline(full, view.filters, view.data)
        days = h.period.days if h.period else None
        c = st.columns(3)
        before = h.before
        c[0].metric("Incidents", f"{h.now.incidents:,}",
                    delta=(briefing.change(h.now.incidents, before.incidents, days) if before
                           else h.no_comparison), delta_color="off",
                    delta_arrow="auto" if before else "off")
        c[1].metric("Reported fatalities", h.now.fatalities_text(),
                    delta=(briefing.change(h.now.fatalities, before.fatalities, days)
                           if before and not (h.now.unknown or before.unknown)
                           else h.now.unknown_text() or h.no_comparison),
                    delta_color="off",
                    delta_arrow="auto" if before and not (h.now.unknown or before.unknown)
                    else "off")
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
        changes.what_changed(view)
        _references(view)
        if not view.presenting:
            with st.expander("Export this view", icon=":material/download:", expanded=True):
                _exports(view)
