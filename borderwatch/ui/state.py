"""The view of this browser session, in session state and in the URL.

The URL is read once per browser session; from then on the session state is the truth,
and every widget's ``on_change`` writes the view back to the URL, so the address bar
always reproduces what is on screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import streamlit as st

from borderwatch.analysis import filters as flt
from borderwatch.analysis.filters import Filters, Vocabulary
from borderwatch.present import view as vm

STATE = "bw_view"
NOTICES = "bw_notices"
# The fragment key of every part of a page that shows the view (frame.in_view), and
# whether the page last run draws its body as such a part (only then can a change of the
# view run those parts alone).
VIEW_PARTS = "bw_view_parts"
PARTS_ONLY = "bw_parts_only"
DATE_ERRORS = "bw_date_errors"  # field -> (the text typed, what is wrong with it)


def _params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def commit(f: Filters, d: vm.Display) -> None:
    """Make ``(f, d)`` this session's view (the page's run puts it in the URL: write_url)."""
    st.session_state[STATE] = (f, d)


def changed(f: Filters, d: vm.Display) -> None:
    """From a widget's callback: make ``(f, d)`` the view, and choose what runs again.

    When the page's body shows the view in parts of its own (the map page) and the
    sidebar's controls look the same for the new view (vm.sidebar_shape), only those parts
    run again: the map, its heading and the sidebar's count, links and share link, not
    the twenty-odd unchanged controls, which the browser would redraw one by one before it
    showed the new map. Otherwise the whole page runs again."""
    before = st.session_state.get(STATE)
    commit(f, d)
    if (st.session_state.get(PARTS_ONLY) and before is not None
            and vm.sidebar_shape(*before) == vm.sidebar_shape(f, d)):
        st.rerun(VIEW_PARTS)
    st.rerun()  # the whole page, also for a widget inside a part (Presentation mode)


def whole_page() -> None:
    """A callback: the whole page runs again (an expander opened that draws its content
    only when open; from inside a view part, two such openings in quick succession could
    leave the second one drawn closed)."""
    st.rerun()


def current(vocab: Vocabulary) -> tuple[Filters, vm.Display]:
    """The view of this session, read from the URL on the session's first run."""
    if STATE not in st.session_state:
        f, d, notices = vm.from_params(_params(), vocab)
        st.session_state[NOTICES] = notices
        st.session_state[STATE] = (f, d)
    f, d = st.session_state[STATE]
    return f, d


def write_url() -> None:
    """Put the session's view in the URL, unless it is there already: once, at the end of
    a page's run. Every write has the browser change its address and redraw the whole
    page's elements, so a filter change that wrote it before the map (from its callback,
    and again as the page began) had the map wait for two such redraws. A page change
    clears the URL; this puts the view back."""
    if STATE not in st.session_state:
        return
    params = vm.to_params(*st.session_state[STATE])
    listed = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    if listed != _params():
        st.query_params.from_dict(params)


def notices() -> list[str]:
    """What was dropped from the link this session opened with."""
    return list(st.session_state.get(NOTICES, []))


def _changed(name: str, key: str) -> None:
    """A widget's callback: its value, coerced, becomes the view's field ``name``."""
    f, d = st.session_state[STATE]
    try:
        value = vm.coerce(name, st.session_state[key])
    except ValueError:  # not a value of the field: the field's default
        value = vm.coerce(name, None) if name not in vm.CHOICES else getattr(vm.Display(),
                                                                              name)
    st.session_state[NOTICES] = []
    changed(*vm.with_field(f, d, name, value))


def reset_filters() -> None:
    """Every filter back to its default; the display stays."""
    _, d = st.session_state[STATE]
    st.session_state[NOTICES] = []
    st.session_state[DATE_ERRORS] = {}
    commit(Filters(), d)
    st.rerun()  # the whole page: every filter's control shows its default (Reset is a part)


def set_present(value: str) -> None:
    """Presentation mode on ("1") or off ("0")."""
    f, d = st.session_state[STATE]
    changed(f, vm.with_field(f, d, "present", value)[1])


def bind(name: str, value: Any) -> dict[str, Any]:
    """Keyword arguments for a widget bound to one field of the view."""
    key = f"w_{name}"
    st.session_state[key] = value
    return {"key": key, "on_change": _changed, "args": (name, key)}


def date_error(name: str) -> str | None:
    """What is wrong with the text typed into the date field ``name``, if anything."""
    pending = st.session_state.get(DATE_ERRORS, {}).get(name)
    return None if pending is None else str(pending[1])


def _date_typed(name: str, key: str) -> None:
    """A date field's callback (Enter, or leaving the field): a real date becomes the
    view's ``name``; anything else is kept in the field with its problem, and the view
    keeps its date."""
    f, d = st.session_state[STATE]
    text = str(st.session_state.get(key) or "")
    errors = dict(st.session_state.get(DATE_ERRORS, {}))
    try:
        new = flt.with_date(f, name, text)
    except ValueError as exc:
        errors[name] = (text, str(exc))
    else:
        errors.pop(name, None)
        st.session_state[NOTICES] = []
        commit(new, d)
    st.session_state[DATE_ERRORS] = errors


def bind_date(name: str, value: dt.date) -> dict[str, Any]:
    """Keyword arguments for a text field bound to the date field ``name`` of the view.

    The field shows ``value`` as YYYY-MM-DD, unless what was typed into it is not a date:
    that text stays in the field (so it can be corrected) until it is fixed, or until the
    dates are set another way (a quick range, reset)."""
    key = f"w_{name}"
    pending = st.session_state.get(DATE_ERRORS, {}).get(name)
    text = value.isoformat() if pending is None else str(pending[0])
    if st.session_state.get(key) != text:
        st.session_state[key] = text
    return {"key": key, "on_change": _date_typed, "args": (name, key)}


def _quick_range(key: str, latest: dt.date) -> None:
    """The quick-range picker's callback: From and To of the range chosen."""
    choice = st.session_state.get(key)
    if choice is None:  # the chosen range clicked again: it stays
        return
    f, d = st.session_state[STATE]
    start, end = flt.quick_range(str(choice), latest)
    st.session_state[NOTICES] = []
    st.session_state[DATE_ERRORS] = {}
    commit(replace(f, start=start, end=end), d)


def bind_quick_range(f: Filters, latest: dt.date) -> dict[str, Any]:
    """Keyword arguments for the quick-range picker: it shows the range the view's dates
    are, if they are one, and choosing a range sets both dates."""
    key = "w_quick_range"
    st.session_state[key] = flt.matching_range(f, latest)
    return {"key": key, "on_change": _quick_range, "args": (key, latest)}
