"""The brief page: built for a projector, with every export of the current view."""

from __future__ import annotations

import re
from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st
from streamlit_folium import st_folium

from borderwatch.analysis import briefing, sources
from borderwatch.data.records import SAFE_URL
from borderwatch.present import charts, export, maps, render
from borderwatch.ui import changes, figures, frame
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


def _map(view: View, ctx: export.Context | None = None, large: bool = False
         ) -> maps.IncidentMap:
    """The view's map; ``large`` text for a slide or paper, as in presentation mode."""
    mode = "auto" if view.display.mode == "playback" else view.display.mode
    spots = hotspot_ui.result(view) if mode == "hotspots" else None
    return maps.build_map(view.data, mode, "none", view.display.period, hotspots=spots,
                          presenting=view.presenting or large,
                          context=ctx.lines() if ctx else None)


def _context(view: View) -> export.Context:
    """The export context, made in the page run: the view's full address needs the page's
    URL, which a download's callable (run later, outside the page) cannot read."""
    return export.context(view.data, view.filters, view.total, share_link(view.params))


def _picture(name: str, view: View, ctx: export.Context) -> Callable[[], bytes]:
    def make() -> bytes:
        if name == "map":
            return render.map_png(_map(view, ctx, large=True))
        return render.chart_png(_figure(name, view), ctx=ctx)
    return make


def _pdf(view: View, ctx: export.Context, paper: str) -> Callable[[], bytes]:
    def make() -> bytes:
        content = export.brief(view.full, view.filters, view.data, ctx)
        return render.brief_pdf(content, _map(view, large=True), _figure("timeline", view),
                                paper)
    return make


def _exports(view: View) -> None:
    """Every export of the view. Each file is made when its button is pressed (a callable,
    never on each rerun), and pressing one does not rerun the page (on_click="ignore"):
    a rerun replaces every button's deferred file, so a second button pressed during it
    would ask for a file that no longer exists (MediaFileStorageError)."""
    f = view.filters
    synthetic = export.has_synthetic(view.data)
    ctx = _context(view)

    def name(ext: str) -> str:
        return export.file_name(f, ext, synthetic=synthetic)

    c = st.columns(3)
    c[0].download_button("CSV", lambda: export.csv_bytes(view.data), name("csv"),
                         mime="text/csv", icon=":material/table:", width="stretch",
                         on_click="ignore")
    c[1].download_button("GeoJSON", lambda: export.geojson_bytes(view.data),
                         name("geojson"), mime="application/geo+json",
                         icon=":material/map:", width="stretch", on_click="ignore")
    c[2].download_button("Map (HTML, works offline)",
                         lambda: render.standalone_map_html(_map(view, ctx),
                                                            ctx.title).encode(),
                         name("html"), mime="text/html",
                         icon=":material/public:", width="stretch", on_click="ignore")
    can_render = render.CHROMIUM.exists()
    why = None if can_render else f"Needs Chromium at {render.CHROMIUM} on the server."
    d = st.columns([2, 1, 1, 1])
    chosen = d[0].selectbox("Picture to export (PNG, 16:9 slide)", list(PICTURES),
                            format_func=PICTURES.__getitem__, key="picture_of")
    d[1].download_button("PNG", _picture(chosen, view, ctx),
                         name(f"{chosen}.png"), mime="image/png",
                         icon=":material/image:", disabled=not can_render, help=why,
                         width="stretch", on_click="ignore")
    paper = d[2].selectbox("Paper", list(render.PAPER), key="paper")
    d[3].download_button("Briefing PDF", _pdf(view, ctx, paper), name("pdf"),
                         mime="application/pdf", icon=":material/picture_as_pdf:",
                         disabled=not can_render, help=why, width="stretch",
                         on_click="ignore")


def _references(view: View) -> None:
    """The reports behind the incidents shown, numbered, with safe links."""
    refs, more = sources.references(view.data)
    if not refs:
        return
    st.header("Sources")
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
        c = st.container(key="figures").columns(3)
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
        st.container(key="summary").markdown(
            "**" + md_escape(briefing.summary(full, view.filters, view.data)) + "**")
        # One column: the map full width (beside a chart it was 330 px on a tablet).
        with st.container(key="map_frame"):
            st_folium(_map(view), key="brief_map", height=560, use_container_width=True,
                      returned_objects=[])
        figures.chart(charts.timeline_figure(view.data, view.display.period), "b_time",
                      view)
        left, right = st.columns(2)
        figures.chart(charts.actors_figure(view.data, 5), "b_actors", view, left)
        figures.chart(charts.provinces_figure(view.data, 5), "b_provinces", view, right)
        changes.what_changed(view)
        _references(view)
        if not view.presenting:
            with st.expander("Export this view", icon=":material/download:", expanded=True):
                _exports(view)
