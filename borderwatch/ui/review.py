"""The Upload page's review panels: records linked as one event (with Unlink), actor
names the alias table does not know, and rows waiting for a place choice."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from borderwatch.data import actors, geocoding, ingest, links
from borderwatch.present import maps
from borderwatch.ui import data
from borderwatch.ui.text import md_escape

MAX_GROUPS = 200  # listed on the page; `borderwatch links` lists them all


def links_panel(user: str) -> None:
    """Linked groups, and a way to unlink a wrong pair (stored; survives re-imports)."""
    loaded = data.load()
    groups = links.describe(loaded.frame)
    st.header("Linked records")
    if not groups:
        st.caption("No records are linked: no two sources report an event within the "
                   "matching windows.")
        return
    st.caption(f"{len(groups):,} events are reported by more than one source; maps, counts "
               "and exports count each once. Unlink a pair that is not one event.")
    rows = [{"group": g.group, "event": m.event_id, "source": m.source,
             "date": m.event_date, "type": m.event_type, "toll": m.fatalities,
             "km apart": g.km_apart, "days apart": g.days_apart}
            for g in groups[-MAX_GROUPS:] for m in g.members]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    pairs = [(a.event_id, b.event_id) for g in groups[-MAX_GROUPS:]
             for i, a in enumerate(g.members) for b in g.members[i + 1:]]
    c1, c2 = st.columns([3, 1])
    chosen = c1.selectbox("Pair", pairs, format_func=lambda p: f"{p[0]} and {p[1]}",
                          index=None, placeholder="Choose a pair to unlink")
    if c2.button("Unlink", disabled=chosen is None, key="unlink") and chosen:
        links.unlink(data.engine(), str(chosen[0]), str(chosen[1]), user)
        st.rerun()


def actors_panel() -> None:
    """Actor names to review: neither in the alias table nor one of ACLED's generic names."""
    unmatched = actors.unmatched(data.load().frame)
    with st.expander(f"Actors to review ({len(unmatched):,})", icon=":material/group:"):
        st.caption("Names the reviewed alias table (borderwatch/data/actors.csv) does not "
                   "know. Add a row there to give a name its canonical form.")
        if len(unmatched):
            st.dataframe(unmatched.rename("incidents").rename_axis("actor").reset_index(),
                         hide_index=True, width="stretch")


def waiting_panel(report: ingest.Report, user: str, on_choice: Callable[[], None]) -> None:
    """Rows waiting for a place choice: each name with its candidates on a small map; the
    analyst's choice is stored and the file is checked again."""
    if not report.waiting:
        return
    groups: dict[tuple[str, str, str, str], list[geocoding.Pending]] = {}
    for p in report.waiting:
        groups.setdefault((p.column, p.value, p.country, p.province), []).append(p)
    st.header(f"{len(report.waiting):,} rows wait for you to choose their place")
    st.caption("These rows are not imported until you choose. Your choice is kept: the next "
               "file that names the same place in the same province uses it.")
    for i, ((column, value, country, province), rows) in enumerate(groups.items()):
        first = rows[0]
        where = ", ".join(x for x in (province, country) if x) or "the region"
        with st.container(border=True):
            st.markdown(f"**{md_escape(value)}** ({md_escape(column)}, {md_escape(where)}) · "
                        f"rows {', '.join(str(p.row) for p in rows[:20])}")
            st.caption(md_escape(first.message))
            left, right = st.columns([3, 2])
            with left:
                st_folium(maps.candidates_map([(c.latitude, c.longitude, c.title)
                                               for c in first.candidates]),
                          key=f"candidates_{i}", height=300, use_container_width=True,
                          returned_objects=[])
            titles = {c.id: f"{n}. {c.title}" for n, c in enumerate(first.candidates, 1)}
            pick = right.radio("Which place?", list(titles), format_func=titles.__getitem__,
                               key=f"choice_{i}_{value}")
            if right.button("Use this place", key=f"choose_{i}_{value}", type="primary"):
                geocoding.choose(data.engine(), first, int(pick), user)
                on_choice()
                st.rerun()
