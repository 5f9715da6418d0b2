"""Sign-in and roles on screen. The rules are in borderwatch/auth.py."""

from __future__ import annotations

import time

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from borderwatch import auth
from borderwatch.ui.text import md_escape

USER = "bw_user"
FAILURES = "bw_signin_failures"
MAX_FAILURES = 5  # then the form waits LOCKOUT_S seconds before it tries again
LOCKOUT_S = 30


def config() -> auth.AuthConfig:
    try:
        secrets = dict(st.secrets)
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        secrets = {}
    try:
        return auth.AuthConfig.from_secrets(secrets)
    except auth.ConfigError as exc:
        st.error(f"Sign-in is misconfigured in secrets.toml: {exc}. Nobody can sign in "
                 "until it is fixed.", icon=":material/lock:")
        st.stop()
        raise  # st.stop() ends the run; this line is never reached


def current(cfg: auth.AuthConfig) -> auth.User | None:
    if cfg.mode == auth.SINGLE:
        return auth.SINGLE_USER
    if cfg.mode == auth.OIDC:
        if not st.user.is_logged_in:
            return None
        email, name = st.user.get("email"), st.user.get("name")
        return cfg.oidc_user(str(email) if email else None, str(name) if name else None)
    user = st.session_state.get(USER)
    return user if isinstance(user, auth.User) else None


def _sign_in(cfg: auth.AuthConfig) -> None:
    failures, since = st.session_state.get(FAILURES, (0, 0.0))
    if failures >= MAX_FAILURES and time.time() - since < LOCKOUT_S:
        st.session_state["bw_signin_message"] = (
            f"Too many failed attempts: wait {LOCKOUT_S} seconds and try again.")
        return
    user = cfg.sign_in(st.session_state.get("bw_name", ""),
                       st.session_state.get("bw_password", ""))
    st.session_state["bw_password"] = ""
    if user is None:
        st.session_state[FAILURES] = (failures % MAX_FAILURES + 1, time.time())
        st.session_state["bw_signin_message"] = "Wrong name or password."
        return
    st.session_state.pop(FAILURES, None)
    st.session_state.pop("bw_signin_message", None)
    st.session_state[USER] = user


def gate() -> auth.User:
    """The signed-in user; anyone else sees only the sign-in screen (the run stops)."""
    cfg = config()
    user = current(cfg)
    if user is not None:
        return user
    st.title("Borderwatch")
    st.write("Incident data is shared with signed-in users only.")
    if cfg.mode == auth.OIDC:
        st.button("Sign in", on_click=st.login, type="primary", icon=":material/login:")
        if st.user.is_logged_in:  # signed in, but the provider gave no e-mail address
            st.error("Your identity provider did not share an e-mail address, which "
                     "Borderwatch needs to give you a role.")
    else:
        with st.form("signin"):
            st.text_input("Name", key="bw_name", autocomplete="username")
            st.text_input("Password", type="password", key="bw_password",
                          autocomplete="current-password")
            st.form_submit_button("Sign in", on_click=_sign_in, args=(cfg,), type="primary")
        message = st.session_state.get("bw_signin_message")
        if message:
            st.error(message, icon=":material/lock:")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _sign_out() -> None:
    st.session_state.pop(USER, None)


def identity(user: auth.User) -> None:
    """Who is signed in (sidebar), with the way out; or the single-user warning."""
    cfg = config()
    if cfg.mode == auth.SINGLE:
        st.warning("Single-user local mode: no sign-in is configured, so anyone who can "
                   "open this address can import and undo. See SECURITY.md.",
                   icon=":material/lock_open:")
        return
    st.caption(f"Signed in as **{md_escape(user.name)}** ({user.role})")
    if cfg.mode == auth.OIDC:
        st.button("Sign out", on_click=st.logout, icon=":material/logout:")
    else:
        st.button("Sign out", on_click=_sign_out, icon=":material/logout:")


def require_analyst(user: auth.User) -> None:
    """Stop the page here unless ``user`` is an analyst."""
    if not user.is_analyst:
        st.error("Only analysts can upload, import and undo. You are signed in as a "
                 "viewer; ask an administrator for the analyst role.",
                 icon=":material/block:")
        st.stop()
