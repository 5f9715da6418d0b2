"""The naive baseline of bench_scale.py: one folium CircleMarker per incident, with its
popup, for the first 10,000 incidents of the store. Not part of the dashboard."""

import html
import time

import folium
import streamlit as st
from streamlit_folium import st_folium

from borderwatch.data import db, table
from borderwatch.present import maps
from borderwatch.present.maps import assets
from borderwatch.ui.frame import record

assets.configure()  # the same offline Leaflet assets as the dashboard

LIMIT = 10_000


@st.cache_resource
def _load():
    return table.read_incidents(db.make_engine()).head(LIMIT)


def naive_page() -> None:
    start = time.perf_counter()
    df = _load()
    minimum = st.sidebar.number_input("Minimum fatalities", min_value=0, step=1)
    view = df[df["fatalities"].fillna(0) >= minimum]
    st.sidebar.metric("Incidents shown", f"{len(view):,}")
    m = folium.Map(location=maps.CENTER, zoom_start=maps.ZOOM, tiles=None)
    for row in view.itertuples(index=False):
        folium.CircleMarker([row.latitude, row.longitude], radius=4,
                            popup=html.escape(str(row.notes))).add_to(m)
    st_folium(m, height=620, use_container_width=True)
    record("naive_page", time.perf_counter() - start)


naive_page()
