"""The frame every page runs in: set-up, sign-in, the view, the sidebar, the title and
caption, and at the end the presentation footer and the page's server time."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
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
  /* The map's display controls wrap on a narrow main area (a tablet beside the sidebar)
     rather than cut the chosen display's name short ("Automa"). */
  .st-key-map_controls [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-map_controls [data-testid="stColumn"] { min-width: 12rem; }
  /* On a phone: the sidebar's opener is labelled, and the map comes first. */
  [data-testid="stExpandSidebarButton"]::after {
    content: "Filters"; margin-left: .25rem; font-weight: 600; color: #1f1f1f; }
  @media (max-width: 640px) {
    /* The map, and the view part it is drawn in (frame.in_view): first in each. */
    [data-testid="stLayoutWrapper"]:has(.st-key-map_frame) { order: -1; }
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


def current_view(user: auth.User) -> View:
    """The session's view of the incidents as they are now."""
    loaded = data.load()
    f, d = state.current(loaded.vocabulary)
    base = loaded.frame if d.records == "all" else loaded.counted
    return View(filters=f, display=d, data=data.filtered(loaded, d.records, f), full=base,
                user=user, params=vm.to_params(f, d), vocabulary=loaded.vocabulary)


def _setup(title: str) -> View:
    st.set_page_config(page_title=f"{title} · Borderwatch", page_icon=sidebar.ICON,
                       layout="wide")
    assets.configure()
    data.configure()
    st.html(PAGE_CSS)
    user = access.gate()
    st.session_state[state.PARTS_ONLY] = False  # until a page says otherwise (view_page)
    return current_view(user)


def notices(view: View) -> None:
    """What the page says about its view before anything else: in presentation mode the
    count and filters; otherwise what was dropped from the link it opened with. And that
    the view holds synthetic incidents, if it does."""
    if view.presenting:
        st.html(PRESENTATION_CSS)
        st.info(f"**{len(view.data):,}** of {view.total:,} incidents · "
                + md_escape(flt.describe(view.filters)), icon=":material/filter_alt:")
        with st.container(key="page_notices"):
            synthetic_banner(view)
        return
    # Notices come and go with the view; in a container that is always there, so that
    # what follows keeps its place in the page (the map would otherwise be drawn anew).
    with st.container(key="page_notices"):
        for notice in state.notices():
            st.warning(notice, icon=":material/link_off:")
        synthetic_banner(view)


@st.fragment(key=state.VIEW_PARTS)
def in_view(draw: Callable[[View], None], user: auth.User) -> None:
    """A part of the page that shows the view (``draw(view)``). Every such part runs again,
    alone, on a change of the view that leaves the rest of the page as it was (see
    state.changed); each computes the view afresh (from caches)."""
    draw(current_view(user))


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
         with_caption: bool = True) -> Iterator[View]:
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
    """
    with _running(title) as view:
        notices(view)
        if analysts_only:
            access.require_analyst(view.user)  # also when opened by its address
        heading(view, heading_text or title, with_caption)
        yield view
        presentation_footer(view)


def view_page(title: str, heading_text: str, body: Callable[[View], None],
              controls: Callable[[View], None] | None = None) -> None:
    """Run a page whose body shows the view as a view part (in_view), as do its notices,
    the count under its heading and the sidebar's count, links and share link. A filter or
    display change that leaves the sidebar's controls and the page's own ``controls`` as
    they were (vm.sidebar_shape) runs those parts again and not the page: on the map page
    the browser then has a dozen elements to redraw, not fifty, before it shows the new map.

    The heading and ``controls`` are shown above the body but sent after it, into a
    container made first: the browser, which handles the elements it gets one after the
    other, draws the body (the map) sooner."""
    with _running(title) as view:
        st.session_state[state.PARTS_ONLY] = True
        part = partial(in_view, user=view.user)
        part(notices)
        top = st.container()
        part(partial(_view_body, body))
        with top:
            st.title(heading_text)
            part(caption)
            if controls is not None and not view.presenting:
                controls(view)


@contextmanager
def _running(title: str) -> Iterator[View]:
    """A page's run around its body: set-up and sign-in first; the sidebar, the URL and
    the run's server time last, also when the page stops."""
    start = time.perf_counter()
    view = None
    try:
        view = _setup(title)
        yield view
    finally:
        if view is not None:
            # The sidebar's controls come after the page's body, also when it stops:
            # on a filter change the browser draws the new map before it goes through
            # the sidebar's twenty-odd unchanged widgets.
            side_bar(view)
        state.write_url()  # last: see there
        record(title, time.perf_counter() - start)


def _view_body(body: Callable[[View], None], view: View) -> None:
    start = time.perf_counter()
    body(view)
    presentation_footer(view)
    # The URL follows the view, written after the map is sent (see state.write_url), in a
    # run of the parts alone and in one of the whole page (whose own write is then none).
    state.write_url()
    record("view", time.perf_counter() - start)


def side_bar(view: View) -> None:
    """The filters, display choices, share link and identity (not in presentation mode).
    The parts that show the view (count, links, share link) are view parts (in_view)."""
    if view.presenting:
        return
    part = partial(in_view, user=view.user)
    with st.sidebar:
        st.markdown("**Borderwatch**")
        part(sidebar.summary)
        sidebar.controls(view.filters, view.display, view.vocabulary, part)
        # Its link shows the view only when it is open: closed, not a view part.
        if st.session_state.get(sidebar.SHARE_OPEN):
            part(sidebar.share)
        else:
            sidebar.share(view)
        access.identity(view.user)
