"""Page bodies of the map, trends and incidents pages. Each page file calls one of these;
the logic they show lives in the package."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from borderwatch.analysis import filters as flt
from borderwatch.data.schema import LABELS
from borderwatch.present import charts, export, maps, tables
from borderwatch.present import view as vm
from borderwatch.present.maps import selection
from borderwatch.ui import figures, frame, state
from borderwatch.ui import hotspots as hotspot_ui
from borderwatch.ui.places import place_search
from borderwatch.ui.sidebar import display_select

MAP_HEIGHT = 620
MAP_KEY = "incident_map"
LIST_ROWS = 200  # incidents in the map's text alternative
TABLE_ROWS = 10_000  # rows sent to the browser's table; the CSV download has every row
HINTS = {"points": "; click an incident for its full record",
         "dots": "; hover an incident for its type and toll, click it for its full record",
         "clusters": "; hover an incident for its summary, zoom in to split clusters",
         "grid": "; hover a cell for its totals, click it to zoom in",
         "hotspots": "; hover a coloured location for what its category means"}


def map_page() -> None:
    # The map's parts of the page run alone on a filter change: see frame.view_page.
    frame.view_page("Map", "Incident map", map_body, map_controls)


def map_body(view: frame.View) -> None:
    """The map, what its display shows, and its text alternative: a view part."""
    d = view.display
    spots = None
    # Always there, so that the map after it keeps its place in the page (a map
    # that moved would be drawn again from scratch).
    notes = None if view.presenting else st.container(key="map_note")
    if d.mode == "hotspots":
        spots = hotspot_ui.result(view)
    picked = _selection(view)
    m = maps.build_map(view.data, d.mode, d.basemap, d.period, vm.place_of(d), spots,
                       presenting=view.presenting, selected=picked, split=True)
    drawn = maps.drawn_mode(m)
    with st.container(key="map_frame"):
        # Only the view changes between runs: streamlit-folium keeps the map (and its
        # pan and zoom) and swaps the view's feature group. A click on the canvas
        # layer comes back as the last clicked object (see _selection).
        st_folium(m, key=MAP_KEY, height=MAP_HEIGHT, use_container_width=True,
                  feature_group_to_add=m.view,
                  returned_objects=["last_object_clicked", "last_object_clicked_count"])
    if spots is not None and not view.presenting:
        hotspot_ui.table(view, spots)
    if notes is None:  # presentation mode shows no controls
        return
    note = maps.explain(d.mode, drawn, len(view.data))
    if note and note.fallback:
        notes.info(note.text, icon=":material/grid_view:")
    elif note:
        notes.caption(note.text)
    st.caption(f"Hover a province for its totals{HINTS.get(drawn, '')}. Thick black "
               f"lines: Afghanistan's international borders. {export.ATTRIBUTION}.")
    map_as_list(view)


def map_controls(view: frame.View) -> None:
    """The map's display choices and place search (not a view part: a change of one that
    changes these controls runs the whole page, see vm.sidebar_shape)."""
    d = view.display
    playback = d.mode == "playback"
    # In a keyed container: on a narrow main area (a tablet's, beside the sidebar) the
    # columns wrap rather than cut the chosen display's name short (frame.PAGE_CSS). The
    # playback's step has a column only when shown: an empty one would hold a place.
    cols = st.container(key="map_controls").columns([2, 2, 2, 3] if playback else [2, 2, 3])
    display_select("mode", "Display", d, cols[0])
    display_select("basemap", "Basemap", d, cols[1])
    place_search(d, cols[-1])
    if d.mode == "hotspots":
        hotspot_ui.controls(d)
    if playback:
        display_select("period", "Step", d, cols[2])


def _selection(view: frame.View) -> tuple[float, float] | None:
    """The clicked point of the map's canvas layer to show the records of, if any."""
    key = str(sorted(vm.to_params(view.filters, view.display).items()))
    picked = selection.update(st.session_state.get("map_selection"),
                              st.session_state.get(MAP_KEY), key)
    st.session_state["map_selection"] = picked
    return picked.at


def map_as_list(view: frame.View) -> None:
    """The map's text alternative: the incidents it shows, newest first, as a table."""
    shown = st.expander("Map as a list", icon=":material/list:", key="map_list_open",
                        on_change=state.whole_page)
    if not shown.open:  # drawn only when opened: a 200-row table costs every page view
        return
    with shown:
        listed = tables.map_list(view.data, LIST_ROWS)
        more = len(view.data) - len(listed)
        st.caption(f"The {len(listed):,} most recent incidents on the map"
                   + (f" ({more:,} more on the Incidents page)." if more > 0 else "."))
        st.table(listed)


def trends_page() -> None:
    with frame.page("Trends") as view:
        if not view.presenting:
            display_select("period", "Group by", view.display, st.columns(4)[0])
        period = view.display.period
        left, right = st.columns(2)
        figures.chart(charts.timeline_figure(view.data, period), "timeline", view, left)
        figures.chart(charts.fatalities_figure(view.data, period), "fatalities", view, right)
        left, right = st.columns(2)
        figures.chart(charts.actors_figure(view.data), "actors", view, left)
        figures.chart(charts.provinces_figure(view.data), "provinces", view, right)


COLUMN_CONFIG = {
    **{c: st.column_config.Column(label) for c, label in LABELS.items()},
    "event_date": st.column_config.DateColumn(LABELS["event_date"], format="YYYY-MM-DD"),
    "fatalities": st.column_config.TextColumn(LABELS["fatalities"],
                                              help="Blank in the data: unknown, not zero"),
    "source_url": st.column_config.LinkColumn(LABELS["source_url"]),
    "source_date": st.column_config.DateColumn(LABELS["source_date"], format="YYYY-MM-DD"),
    "dataset_label": st.column_config.Column("Dataset"),
    "notes": st.column_config.TextColumn(LABELS["notes"], width="large"),
    "geo_country": st.column_config.Column("Country (from coordinates)"),
    "geo_admin1": st.column_config.Column("Province (from coordinates)"),
    "border_km": st.column_config.NumberColumn("Km to Afghan border", format="%.1f"),
    "batch_id": st.column_config.NumberColumn("Import batch"),
}


def incidents_page() -> None:
    with frame.page("Incidents") as view:
        st.download_button("Download CSV of this view", lambda: export.csv_bytes(view.data),
                           file_name=export.file_name(view.filters, "csv",
                                                      synthetic=export.has_synthetic(view.data)),
                           mime="text/csv", icon=":material/download:")
        table = tables.incidents_table(flt.newest(view.data, TABLE_ROWS))
        if len(table) < len(view.data):
            st.caption(f"Showing the {len(table):,} most recent of {len(view.data):,} "
                       "incidents; the CSV holds them all, or narrow the filters.")
        st.dataframe(table, hide_index=True, width="stretch", height=560,
                     column_config=COLUMN_CONFIG)

