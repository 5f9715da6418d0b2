"""A chart on a page: drawn with its title, with its numbers as a table beside it (the
chart's text alternative), and with larger type in presentation mode."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from borderwatch.present import tables
from borderwatch.ui.frame import View

PRESENTATION_FONT = 20  # px, for a projector


def chart(fig: go.Figure, key: str, view: View, container: Any = st) -> None:
    """Draw ``fig``; below it, its data table (not in presentation mode)."""
    if view.presenting:
        fig.update_layout(font={"size": PRESENTATION_FONT},
                          title={"font": {"size": PRESENTATION_FONT + 6}})
    container.plotly_chart(fig, key=key)
    if view.presenting:
        return
    title = fig.layout.title.text or "chart"
    with container.expander(f"Data table: {title}", icon=":material/table:"):
        table = tables.figure_table(fig)
        if table.empty:
            st.caption("No incidents in this view.")
        else:
            st.dataframe(table, hide_index=True, width="stretch")
