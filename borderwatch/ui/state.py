"""The view of this browser session, in session state and in the URL.

The URL is read once per browser session; from then on the session state is the truth,
and every widget's ``on_change`` writes the view back to the URL, so the address bar
always reproduces what is on screen.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from borderwatch.analysis.filters import Filters, Vocabulary
from borderwatch.present import view as vm

STATE = "bw_view"
NOTICES = "bw_notices"


def _params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def commit(f: Filters, d: vm.Display) -> None:
    """Make ``(f, d)`` this session's view, and write it into the URL."""
    st.session_state[STATE] = (f, d)
    st.query_params.from_dict(vm.to_params(f, d))


def current(vocab: Vocabulary) -> tuple[Filters, vm.Display]:
    """The view of this session, read from the URL on the session's first run."""
    if STATE not in st.session_state:
        f, d, notices = vm.from_params(_params(), vocab)
        st.session_state[NOTICES] = notices
        st.session_state[STATE] = (f, d)
    f, d = st.session_state[STATE]
    return f, d


def write_url(params: dict[str, str | list[str]]) -> None:
    """Put the view back in the URL (a page change clears it)."""
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
    commit(*vm.with_field(f, d, name, value))


def reset_filters() -> None:
    """Every filter back to its default; the display stays."""
    _, d = st.session_state[STATE]
    st.session_state[NOTICES] = []
    commit(Filters(), d)


def set_present(value: str) -> None:
    """Presentation mode on ("1") or off ("0")."""
    f, d = st.session_state[STATE]
    commit(f, vm.with_field(f, d, "present", value)[1])


def bind(name: str, value: Any) -> dict[str, Any]:
    """Keyword arguments for a widget bound to one field of the view."""
    key = f"w_{name}"
    st.session_state[key] = value
    return {"key": key, "on_change": _changed, "args": (name, key)}
