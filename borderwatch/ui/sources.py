"""The Upload page's Sources panel: each live source's last pull, and Pull now."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from borderwatch.data.sources import pull
from borderwatch.data.sources.http import SourceError
from borderwatch.ui import data
from borderwatch.ui.text import md_escape

NAMES = {"acled": "ACLED", "ucdp": "UCDP GED"}
FLASH = "bw_pull_flash"


def _last(source: str) -> str:
    pulls = pull.last_pulls(data.engine(), source, 1)
    if pulls.empty:
        return "Never pulled."
    p = pulls.iloc[0]
    when = pd.Timestamp(p["finished_at"]).strftime("%Y-%m-%d %H:%M UTC")
    status = "failed" if p["status"] == "failed" else "ok"
    return f"Last pull {when} by {md_escape(str(p['user']))} ({status}): " + md_escape(
        str(p["message"] or ""))


def sources_panel(user: str) -> None:
    """One column per source: the last pull, and a Pull now button."""
    st.header("Sources")
    st.caption("Pull new and corrected events from the live APIs. Each pull that changes "
               "something is a batch in the history below, and can be undone.")
    if FLASH in st.session_state:
        kind, text = st.session_state.pop(FLASH)
        (st.success if kind == "ok" else st.error)(text)
    for col, source in zip(st.columns(len(NAMES)), NAMES, strict=True):
        with col:
            st.markdown(f"**{NAMES[source]}**")
            st.caption(_last(source))
            if st.button(f"Pull {NAMES[source]} now", key=f"pull_{source}"):
                with st.spinner(f"Pulling {NAMES[source]}…"):
                    try:
                        result = pull.run(data.engine(), source, user=user)
                    except SourceError as exc:
                        st.session_state[FLASH] = ("error", md_escape(str(exc)))
                    else:
                        st.session_state[FLASH] = ("ok", md_escape(result.summary()))
                st.rerun()
