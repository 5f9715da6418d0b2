"""The map's place search: a name in any spelling, suggestions, and the map opened there
(kept in the link as ``place``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from borderwatch.geo import geocode
from borderwatch.geo.gazetteer import fold
from borderwatch.present import view as vm
from borderwatch.ui import state

SUGGESTIONS = 6


def _choose(key: str) -> None:
    f, d = st.session_state[state.STATE]
    chosen = st.session_state.get(key)
    state.changed(*vm.with_field(f, d, "place", str(chosen or "")))


def _clear() -> None:
    f, d = st.session_state[state.STATE]
    st.session_state["place_query"] = ""
    state.changed(*vm.with_field(f, d, "place", ""))


def place_search(d: vm.Display, container: Any = st) -> None:
    """A search box for places (in ``container``); its suggestions, below it on the page;
    choosing one opens the map on it."""
    query = container.text_input(
        "Find a place", key="place_query", placeholder="Town, district or crossing",
        help="Any spelling (Qal'ai Khumb, Kalaikhum, Qalaikhumb); case, accents and one or "
             "two typos do not matter. Press Enter, then choose a place.")
    if d.place:
        where = vm.place_of(d)
        st.button(f"Showing {where[2] if where else d.place} · show all incidents",
                         on_click=_clear, icon=":material/close:", key="place_clear")
    if not query.strip():
        return
    found = geocode.search(query, limit=SUGGESTIONS)
    if any(c.edits == 0 for c in found):  # typos are suggested only when nothing matches
        found = [c for c in found if c.edits < 1]
    if not found:
        st.caption("No place of that name in the gazetteer (GeoNames).")
        return
    titles = {c.id: c.title for c in found}
    key = f"place_pick_{fold(query)}"
    st.pills("Places", list(titles), format_func=titles.__getitem__, key=key,
                    on_change=_choose, args=(key,), label_visibility="collapsed")
