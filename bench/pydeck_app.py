"""The pydeck peer of bench_scale.py: what a Streamlit user would pick for many points.
Every incident of the store as one deck.gl ScatterplotLayer (WebGL; in headless Chromium
here it is drawn on the CPU by SwiftShader), with the same "Minimum fatalities" filter as
the dashboard and a tooltip. No basemap tiles (offline). Not part of the dashboard."""

import json
import os
import time

import pydeck as pdk
import streamlit as st

from borderwatch.data import db, table

CENTER, ZOOM = (36.5, 66.0), 4  # the dashboard's opening view


def record(page: str, seconds: float) -> None:
    """One run's server time, as the dashboard logs it (borderwatch.ui.frame.record); kept
    here so that the peer imports nothing of the dashboard's presentation code."""
    path = os.environ.get("BORDERWATCH_TIMINGS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"page": page, "seconds": seconds, "at": time.time()}) + "\n")


@st.cache_resource
def _load():
    df = table.read_incidents(db.make_engine())
    return df[["latitude", "longitude", "fatalities", "event_type"]]


def pydeck_page() -> None:
    start = time.perf_counter()
    df = _load()
    minimum = st.sidebar.number_input("Minimum fatalities", min_value=0, step=1)
    view = df[df["fatalities"].fillna(0) >= minimum]
    st.sidebar.metric("Incidents shown", f"{len(view):,}")
    data = view.assign(fatalities=view["fatalities"].astype("float64"))
    layer = pdk.Layer("ScatterplotLayer", data, get_position=["longitude", "latitude"],
                      get_radius=3000, radius_min_pixels=2, get_fill_color=[217, 72, 1, 180],
                      pickable=True)
    st.pydeck_chart(pdk.Deck(layers=[layer], map_style=None, tooltip={"text": "{event_type}"},
                             initial_view_state=pdk.ViewState(latitude=CENTER[0],
                                                              longitude=CENTER[1],
                                                              zoom=ZOOM)),
                    height=620)
    record("pydeck_page", time.perf_counter() - start)


pydeck_page()
