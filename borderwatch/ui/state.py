"""The view (filters + display) in session state and in the URL, and the shared sidebar.

The URL is read once per browser session; from then on the session state is the truth
and every widget's ``on_change`` writes the view back to the URL, so the address bar
always reproduces what is on screen.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from borderwatch import auth
from borderwatch import filters as flt
from borderwatch.schema import EVENT_TYPES
from borderwatch.ui import access, data

STATE = "bw_view"
NOTICES = "bw_notices"
PAGES: tuple[tuple[str, str, str], ...] = (
    ("dashboard.py", "Map", ":material/map:"),
    ("pages/trends.py", "Trends", ":material/bar_chart:"),
    ("pages/brief.py", "Brief", ":material/co_present:"),
    ("pages/incidents.py", "Incidents", ":material/table_rows:"),
    ("pages/upload.py", "Upload", ":material/upload_file:"),
)
ANALYST_PAGES = {"pages/upload.py"}  # the others are every signed-in user's
FILTER_FIELDS = {f.name for f in fields(flt.Filters)}
EARLIEST = dt.date(1990, 1, 1)
# A local file: a material icon would make the browser fetch it from Google's font CDN.
ICON = str(Path(__file__).resolve().parents[2] / "static" / "borderwatch.png")


@dataclass(frozen=True)
class View:
    filters: flt.Filters
    display: flt.Display
    data: pd.DataFrame  # the filtered incidents
    full: pd.DataFrame  # all incidents (shared, read-only)
    user: auth.User

    @property
    def total(self) -> int:
        return len(self.full)


def _params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _commit(f: flt.Filters, d: flt.Display) -> None:
    st.session_state[STATE] = (f, d)
    st.query_params.from_dict(flt.to_params(f, d))


def current(vocab: flt.Vocabulary) -> tuple[flt.Filters, flt.Display]:
    """The view of this session, read from the URL on the session's first run."""
    if STATE not in st.session_state:
        f, d, notices = flt.from_params(_params(), vocab)
        st.session_state[NOTICES] = notices
        st.session_state[STATE] = (f, d)
    f, d = st.session_state[STATE]
    # A page change clears the URL; writing it on every run puts the view back.
    st.query_params.from_dict(flt.to_params(f, d))
    return f, d


# ----------------------------------------------------------------- widget callbacks

def _changed(name: str, key: str) -> None:
    f, d = st.session_state[STATE]
    value = st.session_state[key]
    if name in ("start", "end"):
        value = value if isinstance(value, dt.date) else None
    elif name == "min_fatalities":
        value = int(value or 0)
    elif name == "max_border_km":
        value = None if value is None else float(value)
    elif name == "text":
        value = (value or "").strip()[: flt.MAX_TEXT]
    elif name in FILTER_FIELDS:
        value = tuple(value or ())
    if name in FILTER_FIELDS:
        f = replace(f, **{name: value})
    else:
        d = replace(d, **{name: value})
    st.session_state[NOTICES] = []
    _commit(f, d)


def _reset() -> None:
    _, d = st.session_state[STATE]
    st.session_state[NOTICES] = []
    _commit(flt.Filters(), d)


def _bind(name: str, value: Any) -> dict[str, Any]:
    """Keyword arguments for a widget bound to one field of the view."""
    key = f"w_{name}"
    st.session_state[key] = value
    return {"key": key, "on_change": _changed, "args": (name, key)}


def _options(known: frozenset[str], chosen: tuple[str, ...]) -> list[str]:
    return sorted(set(known) | set(chosen), key=str.casefold)


# ----------------------------------------------------------------- rendering

def navigation(f: flt.Filters, d: flt.Display, user: auth.User) -> None:
    params = flt.to_params(f, d)
    for path, label, icon in PAGES:
        if path in ANALYST_PAGES and not user.is_analyst:
            continue
        st.page_link(path, label=label, icon=icon, query_params=params)


def filter_widgets(f: flt.Filters, df: pd.DataFrame, vocab: flt.Vocabulary) -> None:
    lo = df["event_date"].min().date() if len(df) else EARLIEST
    hi = df["event_date"].max().date() if len(df) else dt.date.today()
    st.date_input("From", min_value=EARLIEST, max_value=dt.date(2100, 1, 1),
                  format="YYYY-MM-DD", help=f"Earliest incident: {lo}",
                  **_bind("start", f.start or lo))
    st.date_input("To", min_value=EARLIEST, max_value=dt.date(2100, 1, 1),
                  format="YYYY-MM-DD", help=f"Latest incident: {hi}",
                  **_bind("end", f.end or hi))
    st.multiselect("Actor (either side)", _options(vocab.actors, f.actors),
                   placeholder="All actors", **_bind("actors", list(f.actors)))
    st.multiselect("Event type", _options(vocab.event_types | set(EVENT_TYPES), f.event_types),
                   placeholder="All event types", **_bind("event_types", list(f.event_types)))
    subs = vocab.sub_event_types
    if f.event_types:
        allowed = {s for t in f.event_types for s in EVENT_TYPES.get(t, ())}
        subs = frozenset(s for s in subs if s in allowed)
    st.multiselect("Sub-event type", _options(subs, f.sub_event_types),
                   placeholder="All sub-event types",
                   **_bind("sub_event_types", list(f.sub_event_types)))
    st.multiselect("Country", _options(vocab.countries, f.countries),
                   placeholder="All countries", **_bind("countries", list(f.countries)))
    provinces = vocab.provinces
    if f.countries:
        provinces = frozenset(df.loc[df["country"].isin(list(f.countries)),
                                     "admin1"].dropna().unique())
    st.multiselect("Province", _options(provinces, f.provinces),
                   placeholder="All provinces", **_bind("provinces", list(f.provinces)))
    st.number_input("Minimum fatalities", min_value=0, step=1,
                    **_bind("min_fatalities", f.min_fatalities))
    st.number_input("Within km of an Afghan border", min_value=0.0, step=5.0,
                    value=None, placeholder="Any distance",
                    **_bind("max_border_km", f.max_border_km))
    st.text_input("Search notes and places", max_chars=flt.MAX_TEXT,
                  placeholder="e.g. Darvoz, border, rally",
                  **_bind("text", f.text))
    st.button("Reset filters", on_click=_reset, disabled=f.is_default(),
              width="stretch")


def display_select(name: str, label: str, choices: dict[str, str], d: flt.Display,
                   container: Any = st) -> None:
    keys = list(choices)
    container.selectbox(label, keys, format_func=choices.__getitem__,
                        **_bind(name, getattr(d, name)))


PRESENTATION_CSS = """
<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stMainMenu"], footer { display: none !important; }
  .block-container { padding-top: 1.5rem !important; max-width: 100% !important; }
  html { font-size: 20px; }
</style>
"""  # static: nothing from data or the URL goes in here


def share_link(f: flt.Filters, d: flt.Display) -> str:
    """The full address of this page with the view in its query string."""
    base = (st.context.url or "").split("?", 1)[0]
    query = urlencode(flt.to_params(f, d), doseq=True)
    return f"{base}?{query}" if query else base


def _set_present(value: str) -> None:
    f, d = st.session_state[STATE]
    _commit(f, replace(d, present=value))


def setup(title: str) -> View:
    """Start a page: config, view from URL/session, sidebar with navigation and filters."""
    st.set_page_config(page_title=f"{title} · Borderwatch", page_icon=ICON, layout="wide")
    user = access.gate()
    loaded = data.load()
    full = loaded.frame
    f, d = current(loaded.vocabulary)
    # Not cached: filtering a million rows in memory (< 0.1 s) costs less than keeping a
    # copy per view.
    view = flt.apply(full, f)
    if d.present == "1":
        st.html(PRESENTATION_CSS)
        st.info(f"**{len(view):,}** of {len(full):,} incidents · "
                + md_escape(flt.describe(f)), icon=":material/filter_alt:")
        return View(filters=f, display=d, data=view, full=full, user=user)
    with st.sidebar:
        st.markdown("### Borderwatch")
        navigation(f, d, user)
        st.metric("Incidents shown", f"{len(view):,}", help="Incidents matching the filters")
        st.caption(f"of {len(full):,} in the data")
        filter_widgets(f, full, loaded.vocabulary)
        with st.expander("Share this view", icon=":material/link:"):
            st.caption("Copy the link: it opens this page with these filters.")
            st.code(share_link(f, d), language=None, wrap_lines=True)
            st.button("Presentation mode", on_click=_set_present, args=("1",),
                      icon=":material/slideshow:", width="stretch")
        access.identity(user)
    for notice in st.session_state.get(NOTICES, []):
        st.warning(notice, icon=":material/link_off:")
    return View(filters=f, display=d, data=view, full=full, user=user)


def md_escape(text: str) -> str:
    """Text from data or a URL, shown literally inside Streamlit markdown."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$])", r"\\\1", text)


def caption(view: View) -> None:
    """The count and the filters in words, under each page title."""
    if view.display.present == "1":
        return
    st.caption(f"**{len(view.data):,}** of {view.total:,} incidents · "
               f"{md_escape(flt.describe(view.filters))}")


def presentation_footer(view: View) -> None:
    """In presentation mode: the link to this view, and the way back."""
    if view.display.present != "1":
        return
    st.caption(md_escape(share_link(view.filters, view.display)))
    st.button("Exit presentation mode", on_click=_set_present, args=("0",))
