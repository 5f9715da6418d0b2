"""The sidebar every page shares: navigation, the count, the filters, the share link."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from borderwatch import ROOT, auth
from borderwatch.analysis.filters import (
    EARLIEST,
    MAX_TEXT,
    QUICK_RANGES,
    Filters,
    Vocabulary,
)
from borderwatch.data.schema import EVENT_TYPES
from borderwatch.present import view as vm
from borderwatch.ui import state

if TYPE_CHECKING:
    from collections.abc import Callable

    from borderwatch.ui.frame import View

    # Draws a part of the page that shows the view, given how (frame.in_view).
    Part = Callable[[Callable[[View], None]], None]

PAGES: tuple[tuple[str, str, str], ...] = (
    ("dashboard.py", "Map", ":material/map:"),
    ("pages/trends.py", "Trends", ":material/bar_chart:"),
    ("pages/brief.py", "Brief", ":material/co_present:"),
    ("pages/incidents.py", "Incidents", ":material/table_rows:"),
    ("pages/upload.py", "Upload", ":material/upload_file:"),
)
ANALYST_PAGES = {"pages/upload.py"}  # the others are every signed-in user's
# A local file: a material icon would make the browser fetch it from Google's font CDN.
ICON = str(ROOT / "static" / "borderwatch.png")


SHARE_OPEN = "share_open"  # the share expander's key: whether it is open


def share_link(params: dict[str, str | list[str]]) -> str:
    """The full address of this page with the view in its query string."""
    base = (st.context.url or "").split("?", 1)[0]
    query = urlencode(params, doseq=True)
    return f"{base}?{query}" if query else base


def navigation(params: dict[str, str | list[str]], user: auth.User) -> None:
    """Links to the pages this user may open, each carrying the view."""
    for path, label, icon in PAGES:
        if path in ANALYST_PAGES and not user.is_analyst:
            continue
        try:
            st.page_link(path, label=label, icon=icon, query_params=params)
        except StreamlitPageNotFoundError:
            # Where the pages are known only while a page's script runs (Streamlit's
            # AppTest makes its registry anew for each run), a view part run alone cannot
            # link them: the whole page runs instead.
            st.rerun()


def _options(known: frozenset[str], chosen: tuple[str, ...]) -> list[str]:
    return sorted(set(known) | set(chosen), key=str.casefold)


DATE_HELP = ("Type or paste a date as YYYY-MM-DD; Enter (or leaving the field) applies it. "
             "Leave it empty for {whole}.")
QUICK_HELP = ("Each range ends on the latest incident in the data ({latest}), not on today, "
              "so that a record that ends in the past still shows its last weeks; with no "
              "incidents, on today. This year: from 1 January of that day's year.")


def date_field(label: str, name: str, value: dt.date, whole: str) -> None:
    """A text field for one bound of the date range: a date typed, pasted or entered
    applies at once; anything else stays in the field, named as wrong beneath it, and the
    view keeps its date."""
    st.text_input(label, placeholder="YYYY-MM-DD",
                  help=DATE_HELP.format(whole=whole), **state.bind_date(name, value))
    problem = state.date_error(name)
    if problem:
        st.error(f"{problem}. The view still uses {value}.", icon=":material/event_busy:")


def date_widgets(f: Filters, vocab: Vocabulary) -> None:
    """From, To and the quick ranges, bound to the view."""
    lo, hi = vocab.first or EARLIEST, vocab.last or dt.date.today()
    date_field("From", "start", f.start or lo, f"every incident from the first ({lo})")
    date_field("To", "end", f.end or hi, f"every incident to the latest ({hi})")
    st.pills("Quick range", list(QUICK_RANGES), format_func=QUICK_RANGES.__getitem__,
             selection_mode="single", help=QUICK_HELP.format(latest=hi),
             **state.bind_quick_range(f, hi))


def filter_widgets(f: Filters, vocab: Vocabulary, part: Part) -> None:
    """Every filter, bound to the view (each change is written to the URL). The controls
    whose state follows from the whole view are drawn as view parts (``part``)."""
    date_widgets(f, vocab)
    st.multiselect("Actor (either side)", _options(vocab.actors, f.actors),
                   placeholder="All actors", **state.bind("actors", list(f.actors)))
    st.multiselect("Event type", _options(vocab.event_types | set(EVENT_TYPES), f.event_types),
                   placeholder="All event types",
                   **state.bind("event_types", list(f.event_types)))
    st.multiselect("Sub-event type",
                   _options(vocab.sub_event_types_for(f.event_types), f.sub_event_types),
                   placeholder="All sub-event types",
                   **state.bind("sub_event_types", list(f.sub_event_types)))
    st.multiselect("Country", _options(vocab.countries, f.countries),
                   placeholder="All countries", **state.bind("countries", list(f.countries)))
    st.multiselect("Province", _options(vocab.provinces_for(f.countries), f.provinces),
                   placeholder="All provinces", **state.bind("provinces", list(f.provinces)))
    st.multiselect("Dataset", _options(vocab.datasets, f.datasets),
                   format_func=vocab.dataset_label, placeholder="All datasets",
                   **state.bind("datasets", list(f.datasets)))
    st.number_input("Minimum fatalities", min_value=0, step=1,
                    help="Incidents whose toll is unknown are not counted as zero: they are "
                         "left out when a minimum is set, unless you include them below.",
                    **state.bind("min_fatalities", f.min_fatalities))
    part(include_unknown)  # enabled by a minimum: shows the view
    st.number_input("Within km of an Afghan border", min_value=0.0, step=5.0, format="%g",
                    value=None, placeholder="Any distance",
                    **state.bind("max_border_km", f.max_border_km))
    st.text_input("Search notes, places and sources", max_chars=MAX_TEXT,
                  placeholder="e.g. Darvoz, border, Dawn", **state.bind("text", f.text))
    part(reset)


def include_unknown(view: View) -> None:
    f = view.filters
    st.checkbox("Include incidents with an unknown toll", disabled=not f.min_fatalities,
                **state.bind("include_unknown", f.include_unknown))


def reset(view: View) -> None:
    st.button("Reset filters", on_click=state.reset_filters, disabled=view.filters.is_default(),
              width="stretch")


def display_select(name: str, label: str, d: vm.Display, container: Any = st,
                   tip: str | None = None) -> None:
    """A picker of one display choice (mode, basemap, period), bound to the view."""
    choices = vm.CHOICES[name]
    container.selectbox(label, list(choices), format_func=choices.__getitem__, help=tip,
                        **state.bind(name, getattr(d, name)))


def summary(view: View) -> None:
    """The sidebar's head: the pages (each link carrying the view) and the count."""
    navigation(view.params, view.user)
    st.metric("Incidents shown", f"{len(view.data):,}", help="Incidents matching the filters")
    st.caption(f"of {view.total:,} in the data")


def controls(f: Filters, d: vm.Display, vocab: Vocabulary, part: Part) -> None:
    """Every filter, and which records are counted."""
    filter_widgets(f, vocab, part)
    display_select("records", "Linked reports", d, tip=vm.RECORDS_HELP)


def share(view: View) -> None:
    """The link to this view, and presentation mode."""
    share = st.expander("Share this view", icon=":material/link:", key=SHARE_OPEN,
                        on_change=state.whole_page)
    with share:
        if share.open:  # st.code's highlighter is a 1.5 MB script: loaded only when asked
            st.caption("Copy the link: it opens this page with these filters.")
            st.code(share_link(view.params), language=None, wrap_lines=True)
        st.button("Presentation mode", on_click=state.set_present, args=("1",),
                  icon=":material/slideshow:", width="stretch")
