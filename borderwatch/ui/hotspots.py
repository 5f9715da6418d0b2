"""The Hotspots display's controls and table, and the analysis cached per data version,
filters and settings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from borderwatch.analysis import hotspots
from borderwatch.analysis.filters import Filters
from borderwatch.present import export
from borderwatch.present import view as vm
from borderwatch.ui import data
from borderwatch.ui.frame import View
from borderwatch.ui.sidebar import display_select


@st.cache_resource(max_entries=8, show_spinner="Finding emerging hot spots…")
def _analyse(version: str, filters: Filters, records: str, settings: hotspots.Settings,
             _df: pd.DataFrame) -> hotspots.Result:
    """One analysis per data version, filters and settings (shared and read-only)."""
    return hotspots.analyse(_df, settings)


def result(view: View) -> hotspots.Result:
    """The emerging hot spot analysis of the view."""
    return _analyse(data.data_version(), view.filters, view.display.records,
                    vm.hotspot_settings(view.display), view.data)


def controls(d: vm.Display) -> None:
    """The analysis settings, bound to the view (and so to the link)."""
    c = st.columns(4)
    display_select("hs_unit", "Locations", d, c[0])
    if d.hs_unit == "cells":
        display_select("hs_cell", "Cell size", d, c[1])
    display_select("period", "Periods", d, c[2])
    display_select("hs_metric", "Count", d, c[3])


def table(view: View, res: hotspots.Result) -> None:
    """Below the map: why nothing is classified, or the classified locations, strongest
    kinds first, and every location's numbers as CSV."""
    if res.reason:
        st.info(res.reason, icon=":material/info:")
        return
    full = res.table()
    shown = full[full["category"] != "none"].copy()
    order = {c: i for i, c in enumerate(hotspots.CATEGORIES)}
    shown = shown.sort_values(["category", "total"], key=lambda s: s.map(order)
                              if s.name == "category" else -s)
    synthetic = export.has_synthetic(view.data)
    note = " SYNTHETIC test data, not real events." if synthetic else ""
    st.caption(f"{len(shown):,} of {len(full):,} locations are significant hot or cold spots "
               f"over {len(res.periods)} {res.settings.period}s ({res.periods[0]} to "
               f"{res.periods[-1]}). Small counts are not significance, and the record is "
               f"what was reported: see docs/hotspots.md.{note}")
    if not shown.empty:
        st.dataframe(shown[["label", "name", "latest_z", "trend_p", "recent_hot",
                            "hot_periods", "cold_periods", "total"]].rename(columns={
                                "label": "category", "name": "location",
                                "latest_z": "latest Gi* z", "trend_p": "trend p",
                                "recent_hot": "hot in last 12", "hot_periods": "hot periods",
                                "cold_periods": "cold periods", "total": "count"}),
                     hide_index=True, width="stretch")
    st.download_button("Hot spots (CSV)", lambda: export.table_csv_bytes(full),
                       export.file_name(view.filters, "hotspots.csv", synthetic=synthetic),
                       mime="text/csv", icon=":material/table:")
