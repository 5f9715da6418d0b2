"""The Upload page's review panels: records linked as one event (with Unlink), and actor
names the alias table does not know."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from borderwatch.data import actors, links
from borderwatch.ui import data

MAX_GROUPS = 200  # listed on the page; `borderwatch links` lists them all


def links_panel(user: str) -> None:
    """Linked groups, and a way to unlink a wrong pair (stored; survives re-imports)."""
    loaded = data.load()
    groups = links.describe(loaded.frame)
    st.subheader("Linked records")
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
