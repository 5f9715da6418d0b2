"""The Brief's "What changed": the signals of the view's last three months, ranked, each
with its numbers and a link to its filtered view; cached per data version and filters."""

from __future__ import annotations

import dataclasses
import urllib.parse

import pandas as pd
import streamlit as st

from borderwatch.analysis import filters as flt
from borderwatch.analysis import signals
from borderwatch.present import export
from borderwatch.ui import data
from borderwatch.ui.frame import View
from borderwatch.ui.text import md_escape

MONTHS = 3  # the view's last months that are evaluated
SHOWN = 12


@st.cache_resource(max_entries=8, show_spinner="Looking for what changed…")
def _signals(version: str, filters: flt.Filters, records: str, settings: signals.Settings,
             _df: pd.DataFrame, _months: tuple[pd.Period, ...]) -> list[signals.Signal]:
    return signals.evaluate(_df, list(_months), settings)


def _months(view: View) -> tuple[pd.Period, ...]:
    end = view.filters.end or (view.data["event_date"].max() if len(view.data) else None)
    if end is None or pd.isna(end):
        return ()
    last = pd.Period(pd.Timestamp(end), "M")
    return tuple(last - k for k in range(MONTHS - 1, -1, -1))


def link(params: dict[str, str | list[str]]) -> str:
    """A relative link to the map page with these query parameters."""
    return "./?" + urllib.parse.urlencode(params, doseq=True)


def what_changed(view: View) -> None:
    """The section: ranked signals, the rules with their thresholds, or why none."""
    st.header("What changed")
    months = _months(view)
    if not months:
        st.caption("No incidents in this view.")
        return
    # The rules look back, so they see the view's incidents before its start date too.
    history = flt.apply(view.full, dataclasses.replace(view.filters, start=None, end=None))
    settings = signals.Settings.from_env()
    found = _signals(data.data_version(), view.filters, view.display.records, settings,
                     history, months)
    span = (f"{months[0].strftime('%B %Y')} to {months[-1].strftime('%B %Y')}")
    synthetic = " SYNTHETIC test data, not real events." if export.has_synthetic(history) else ""
    if not found:
        st.caption(f"No rule fired from {span}.{synthetic}")
    else:
        st.caption(f"{len(found):,} signals from {span}, strongest first; each links to its "
                   f"province and month.{synthetic}")
        lines = [f"{i}. **{signals.RULES[s.rule]}** · {md_escape(s.text)} "
                 f"[Open]({link(s.params)})" for i, s in enumerate(found[:SHOWN], 1)]
        if len(found) > SHOWN:
            lines.append(f"… and {len(found) - SHOWN:,} more (`borderwatch signals`).")
        st.markdown("\n".join(lines))
    with st.expander("How these are found", icon=":material/rule:"):
        st.markdown("\n".join(f"- {md_escape(r)}" for r in settings.describe()))
        st.caption("Thresholds are settings (BORDERWATCH_SIGNAL_*); method and limits: "
                   "docs/hotspots.md. A signal is a prompt to look, not a finding: the record "
                   "holds what was reported, and small counts move easily.")
