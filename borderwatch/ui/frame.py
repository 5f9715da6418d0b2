"""The frame every page runs in: set-up, sign-in, the view, the sidebar, the title and
caption, and at the end the presentation footer and the page's server time."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd
import streamlit as st

from borderwatch import auth
from borderwatch.analysis import filters as flt
from borderwatch.analysis import sources
from borderwatch.present import view as vm
from borderwatch.present.maps import assets
from borderwatch.ui import access, data, sidebar, state
from borderwatch.ui.text import md_escape

TIMINGS = "BORDERWATCH_TIMINGS"  # a file to which each page run appends its server time

# On every page (static: nothing from data or the URL goes in here).
PAGE_CSS = """
<style>
  /* Captions carry the count and the map's hints: 7:1 on white, not Streamlit's 3.9:1. */
  [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
  [data-testid="stWidgetLabel"] p { color: #4a4a4a !important; }
  [data-testid="stCaptionContainer"] { opacity: 1 !important; }  /* it fades them to 60 % */
  /* Keyboard focus that is never the same as the current page's highlight. */
  a:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible,
  [role="button"]:focus-visible, [role="tab"]:focus-visible, [tabindex]:focus-visible,
  iframe:focus-visible {
    outline: 3px solid #0b3d91 !important; outline-offset: 2px !important; }
  /* No fading of every element while the page reruns: Streamlit fades each one (an opacity
     transition, after 0.5 s), and the browser gives each its own compositing layer from the
     start of every run. Without a GPU (a VM, or Chromium drawing on the CPU), those forty
     layers held the new map back ~150 ms a filter change. The header's "Running" status
     still shows that the page is updating. */
  [data-stale="true"] { opacity: 1 !important; transition: none !important; }
  h2 { font-size: 1.45rem !important; }
  /* Headline figures wrap rather than being cut off ("at least 2,…"). */
  .st-key-figures [data-testid="stMetricValue"] > div,
  .st-key-figures [data-testid="stMetricDelta"] > div {
    white-space: normal !important; overflow: visible !important; }
  .st-key-figures [data-testid="stMetricValue"] { font-size: 2rem; }
  /* On a phone: the sidebar's opener is labelled, and the map comes first. */
  [data-testid="stExpandSidebarButton"]::after {
    content: "Filters"; margin-left: .25rem; font-weight: 600; color: #1f1f1f; }
  @media (max-width: 640px) {
    [data-testid="stLayoutWrapper"]:has(> .st-key-map_frame) { order: -1; }
    .st-key-figures [data-testid="stMetricValue"] { font-size: 1.5rem; }
  }
</style>
"""

PRESENTATION_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stMainMenu"], footer { display: none !important; }
  .block-container { padding-top: 1.5rem !important; max-width: 100% !important; }
  html { font-size: 20px; }
  [data-testid="stMetricValue"] { font-size: 2.6rem; }
</style>
"""  # static: nothing from data or the URL goes in here


@dataclass(frozen=True)
class View:
    """What a page shows: the view, its incidents, and who is looking."""

    filters: flt.Filters
    display: vm.Display
    data: pd.DataFrame  # the filtered incidents
    full: pd.DataFrame  # all incidents (shared, read-only)
    user: auth.User
    params: dict[str, str | list[str]]  # the view's URL form, computed once per run
    vocabulary: flt.Vocabulary  # what the filters offer

    @property
    def total(self) -> int:
        return len(self.full)

    @property
    def presenting(self) -> bool:
        return self.display.present == "1"


def record(page: str, seconds: float) -> None:
    """Append one page run's server time to the ``BORDERWATCH_TIMINGS`` file, if set."""
    path = os.environ.get(TIMINGS)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"page": page, "seconds": seconds, "at": time.time()}) + "\n")


def _setup(title: str) -> View:
    st.set_page_config(page_title=f"{title} · Borderwatch", page_icon=sidebar.ICON,
                       layout="wide")
    assets.configure()
    data.configure()
    st.html(PAGE_CSS)
    user = access.gate()
    loaded = data.load()
    f, d = state.current(loaded.vocabulary)
    params = vm.to_params(f, d)
    base = loaded.frame if d.records == "all" else loaded.counted
    view = View(filters=f, display=d, data=data.filtered(loaded, d.records, f), full=base,
                user=user, params=params, vocabulary=loaded.vocabulary)
    if view.presenting:
        st.html(PRESENTATION_CSS)
        st.info(f"**{len(view.data):,}** of {view.total:,} incidents · "
                + md_escape(flt.describe(f)), icon=":material/filter_alt:")
        with st.container(key="page_notices"):
            synthetic_banner(view)
        return view
    # Notices come and go with the view; in a container that is always there, so that
    # what follows keeps its place in the page (the map would otherwise be drawn anew).
    with st.container(key="page_notices"):
        for notice in state.notices():
            st.warning(notice, icon=":material/link_off:")
        synthetic_banner(view)
    return view


def synthetic_banner(view: View) -> None:
    """Say so, prominently, when the view holds synthetic (test) incidents."""
    n = int((view.data["dataset"] == "synthetic").sum()) if "dataset" in view.data else 0
    if n:
        st.warning(f"**SYNTHETIC DATA**: {n:,} of the {len(view.data):,} incidents in this "
                   "view are synthetic test data, not real events.", icon=":material/science:")


def caption(view: View) -> None:
    """The count and the filters in words, under the page title (full-contrast text:
    Streamlit fades captions to 3.9:1)."""
    if view.presenting:
        return
    note = sources.provenance(view.data)
    st.markdown(f"**{len(view.data):,}** of {view.total:,} incidents · "
                f"{md_escape(flt.describe(view.filters))}"
                + (f" · {md_escape(note)}" if note else ""))


def markdown_url(url: str) -> str:
    """``url`` made safe as a markdown link target: spaces, parentheses, angle brackets
    and backslashes percent-encoded, nothing else changed."""
    return quote(url, safe="/:?&=#%+,;@!$'*~.-_[]")


def presentation_footer(view: View) -> None:
    """In presentation mode: the link to this view, and the way back."""
    if not view.presenting:
        return
    link = sidebar.share_link(view.params)
    # The address is a link target as it is (markdown escaping would break it), and its
    # text is escaped for display; the two are the same address.
    st.caption(f"This view: [{md_escape(link)}]({markdown_url(link)})")
    st.button("Exit presentation mode", on_click=state.set_present, args=("0",))


def heading(view: View, text: str, with_caption: bool) -> None:
    """The page's title, and under it the count and filters."""
    st.title(text)
    if with_caption:
        caption(view)


@contextmanager
def page(title: str, heading_text: str | None = None, *, analysts_only: bool = False,
         with_caption: bool = True, heading_last: bool = False) -> Iterator[View]:
    """Run a page: everything before and after its own body.

    Parameters
    ----------
    title : str
        The browser tab's title.
    heading_text : str, optional
        The page's heading (default: ``title``).
    analysts_only : bool
        Stop here, before any control is drawn, unless the user is an analyst.
    with_caption : bool
        Show the count and filters under the heading.
    heading_last : bool
        Send the heading after the page's body (it is still shown at the top, in a
        container made first): the map page's new map then reaches the browser before the
        heading and controls do, and the browser, which handles each element Streamlit
        sends in turn, draws it sooner.
    """
    start = time.perf_counter()
    view = None
    head = None
    try:
        view = _setup(title)
        if analysts_only:
            access.require_analyst(view.user)  # also when opened by its address
        if heading_last:
            head = st.container()  # filled after the body, in the finally below
        else:
            heading(view, heading_text or title, with_caption)
        yield view
        presentation_footer(view)
    finally:
        if view is not None:
            if head is not None:
                with head:
                    heading(view, heading_text or title, with_caption)
            # The sidebar's controls come after the page's body, also when it stops:
            # on a filter change the browser draws the new map before it goes through
            # the sidebar's twenty-odd unchanged widgets.
            side_bar(view)
        state.write_url()  # last: see there
        record(title, time.perf_counter() - start)


def side_bar(view: View) -> None:
    """The filters, display choices, share link and identity (not in presentation mode)."""
    if view.presenting:
        return
    with st.sidebar:
        sidebar.sidebar(view.filters, view.display, view.vocabulary, view.params, view.user,
                        len(view.data), view.total)
        access.identity(view.user)
