"""Page bodies. Each page file calls one of these; all logic lives in the package."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from borderwatch import charts, export, maps
from borderwatch import filters as flt
from borderwatch.schema import LABELS
from borderwatch.ui import state
from borderwatch.ui.timing import timed

MAP_HEIGHT = 620
TABLE_ROWS = 10_000  # rows sent to the browser's table; the CSV download has every row


@timed
def map_page() -> None:
    view = state.setup("Map")
    st.title("Incident map")
    state.caption(view)
    c1, c2, c3 = st.columns([2, 2, 3])
    state.display_select("mode", "Display", flt.MAP_MODES, view.display, c1)
    state.display_select("basemap", "Basemap", flt.BASEMAPS, view.display, c2)
    n = len(view.data)
    m = maps.build_map(view.data, view.display.mode, view.display.basemap,
                       view.display.period)
    drawn = maps.drawn_mode(m)
    if view.display.mode == "auto":
        noun = "incident" if n == 1 else "incidents"
        c3.caption(f"Automatic display: **{flt.MAP_MODES[drawn]}** for "
                   f"{n:,} {noun} (points up to {maps.POINTS_LIMIT:,}, "
                   f"clusters up to {maps.CLUSTERS_LIMIT:,}, then provinces).")
    if view.display.mode == "playback":
        state.display_select("period", "Step", flt.PERIODS, view.display, c3)
    note = maps.fallback_note(view.display.mode, drawn, n)
    if note:
        st.info(note, icon=":material/grid_view:")
    st_folium(m, key="incident_map", height=MAP_HEIGHT, use_container_width=True,
              returned_objects=[])
    hint = {"points": "; click an incident for its full record",
            "clusters": "; hover an incident for its summary, zoom in to split clusters",
            "grid": "; hover a cell for its totals, click it to zoom in"}.get(drawn, "")
    st.caption(f"Hover a province for its totals{hint}. Thick black lines: Afghanistan's "
               "international borders. Boundaries: Natural Earth (public domain).")
    state.presentation_footer(view)


@timed
def trends_page() -> None:
    view = state.setup("Trends")
    st.title("Trends")
    state.caption(view)
    state.display_select("period", "Group by", flt.PERIODS, view.display,
                         st.columns(4)[0])
    period = view.display.period
    left, right = st.columns(2)
    left.plotly_chart(charts.timeline_figure(view.data, period), key="timeline")
    right.plotly_chart(charts.fatalities_figure(view.data, period), key="fatalities")
    left, right = st.columns(2)
    left.plotly_chart(charts.actors_figure(view.data), key="actors")
    right.plotly_chart(charts.provinces_figure(view.data), key="provinces")
    state.presentation_footer(view)


@timed
def incidents_page() -> None:
    view = state.setup("Incidents")
    st.title("Incidents")
    state.caption(view)
    st.download_button("Download CSV of this view", lambda: export.csv_bytes(view.data),
                       file_name=export.file_name(view.filters, "csv"), mime="text/csv",
                       icon=":material/download:")
    table = flt.newest(view.data, TABLE_ROWS)
    if len(table) < len(view.data):
        st.caption(f"Showing the {len(table):,} most recent of {len(view.data):,} incidents; "
                   "the CSV holds them all, or narrow the filters.")
    st.dataframe(
        table, hide_index=True, width="stretch", height=560,
        column_config={
            **{c: st.column_config.Column(label) for c, label in LABELS.items()},
            "event_date": st.column_config.DateColumn(LABELS["event_date"],
                                                      format="YYYY-MM-DD"),
            "notes": st.column_config.TextColumn(LABELS["notes"], width="large"),
            "geo_country": st.column_config.Column("Country (from coordinates)"),
            "geo_admin1": st.column_config.Column("Province (from coordinates)"),
            "border_km": st.column_config.NumberColumn("Km to Afghan border", format="%.1f"),
            "batch_id": st.column_config.NumberColumn("Import batch"),
        },
    )
    state.presentation_footer(view)
