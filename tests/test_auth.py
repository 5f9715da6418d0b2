"""Roles and sign-in: the rules (borderwatch.auth) and the pages that enforce them."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from borderwatch import auth, cli
from borderwatch.data import db, store
from tests.conftest import ROOT, XSS, synthetic_row
from tests.test_readers import csv_bytes

ANALYST_PW = "correct horse battery staple"
VIEWER_PW = "viewer password 2026"


@pytest.fixture(scope="module")
def accounts() -> dict:
    return {"accounts": {
        "amina": {"role": "analyst", "password_hash": auth.hash_password(ANALYST_PW)},
        "vic": {"role": "viewer", "password_hash": auth.hash_password(VIEWER_PW)},
    }}


def test_with_nothing_configured_it_is_single_user_mode():
    cfg = auth.AuthConfig.from_secrets({})
    assert cfg.mode == auth.SINGLE and auth.SINGLE_USER.is_analyst


def test_local_accounts_check_argon2_hashes(accounts):
    cfg = auth.AuthConfig.from_secrets({"borderwatch": accounts})
    assert cfg.mode == auth.LOCAL
    assert cfg.accounts["amina"].password_hash.startswith("$argon2id$")
    assert cfg.sign_in("amina", ANALYST_PW) == auth.User("amina", auth.ANALYST)
    assert cfg.sign_in("vic", VIEWER_PW) == auth.User("vic", auth.VIEWER)
    assert cfg.sign_in("amina", VIEWER_PW) is None
    assert cfg.sign_in("nobody", ANALYST_PW) is None
    assert cfg.sign_in("amina", "") is None


@pytest.mark.parametrize("entry, message", [
    ({"role": "admin", "password_hash": "$argon2id$x"}, "role"),
    ({"role": "viewer", "password_hash": "plain-text"}, "Argon2"),
])
def test_bad_account_entries_are_refused_with_a_reason(entry, message):
    with pytest.raises(auth.ConfigError, match=message):
        auth.AuthConfig.from_secrets({"borderwatch": {"accounts": {"x": entry}}})


def test_oidc_analysts_come_from_the_allow_list():
    cfg = auth.AuthConfig.from_secrets({"auth": {"client_id": "x"},
                                        "borderwatch": {"analysts": ["Amina@Example.org"]}})
    assert cfg.mode == auth.OIDC
    assert cfg.oidc_user("amina@example.org").is_analyst
    assert cfg.oidc_user("AMINA@example.org ", "Amina").role == auth.ANALYST
    assert cfg.oidc_user("someone@example.org").role == auth.VIEWER
    assert cfg.oidc_user(None) is None
    with pytest.raises(auth.ConfigError):
        auth.AuthConfig.from_secrets({"auth": {"x": 1}, "borderwatch": {"analysts": "a@b"}})


def test_short_passwords_are_refused():
    with pytest.raises(ValueError, match="12"):
        auth.hash_password("short")


def test_cli_hashes_a_password_from_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(ANALYST_PW + "\n"))
    assert cli.main(["hash-password"]) == 0
    digest = capsys.readouterr().out.strip()
    assert auth.PasswordHasher().verify(digest, ANALYST_PW)


# ----------------------------------------------------------------- on the pages

def app(accounts: dict | None, page: str = "dashboard.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if accounts is not None:
        at.secrets["borderwatch"] = accounts
    if page != "dashboard.py":
        at.switch_page(page)
    return at.run()


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="bw_name").input(name)
    at.text_input(key="bw_password").input(password)
    at.button[0].click()
    return at.run()


def test_single_user_mode_says_so_on_screen():
    at = app(None)
    assert not at.exception
    assert any("Single-user local mode" in w.value for w in at.sidebar.warning)


@pytest.mark.parametrize("page", ["dashboard.py", "pages/trends.py", "pages/brief.py",
                                  "pages/incidents.py", "pages/upload.py"])
def test_with_accounts_nothing_shows_before_sign_in(accounts, page):
    at = app(accounts, page)
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Name", "Password"]
    assert not at.metric and not at.get("file_uploader") and not at.dataframe


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(accounts):
    at = sign_in(app(accounts), "amina", "not the password")
    assert "Wrong name or password." in at.error[0].value
    assert not at.metric
    at = sign_in(at, "nobody", ANALYST_PW)
    assert "Wrong name or password." in at.error[0].value


def test_viewer_sees_the_dashboard_but_not_the_upload_page(accounts):
    at = sign_in(app(accounts), "vic", VIEWER_PW)
    assert not at.exception and at.metric
    assert "Signed in as **vic** (viewer)" in " ".join(c.value for c in at.sidebar.caption)
    links = [link.proto.page for link in at.sidebar.get("page_link")]
    assert "pages/upload.py" not in " ".join(links)
    at.switch_page("pages/upload.py").run()  # the address typed by hand
    assert "Only analysts" in at.error[0].value
    assert not at.get("file_uploader")
    assert "undo" not in [b.key for b in at.button]


def test_analyst_uploads_and_the_batch_records_who(accounts, tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'who.sqlite'}")
    at = sign_in(app(accounts), "amina", ANALYST_PW)
    at.switch_page("pages/upload.py").run()
    [uploader] = at.get("file_uploader")
    uploader.set_value(("amina.csv", csv_bytes([synthetic_row(901)]), "text/csv"))
    at.run()
    at.button(key="import").click().run()
    assert not at.exception and "1 inserted" in at.success[0].value
    newest = store.batches(db.make_engine()).sort_values("id").iloc[-1]
    assert (newest["file_name"], newest["created_by"]) == ("amina.csv", "amina")


def test_a_hostile_account_name_is_shown_as_text(accounts):
    hostile = {"accounts": {XSS: accounts["accounts"]["vic"]}}
    at = sign_in(app(hostile), XSS, VIEWER_PW)
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "<img" not in caption.replace("\\<img", "")


def test_sign_out_returns_to_the_sign_in_screen(accounts):
    at = sign_in(app(accounts), "vic", VIEWER_PW)
    next(b for b in at.sidebar.button if b.label == "Sign out").click()
    at.run()
    assert not at.metric and [t.label for t in at.text_input] == ["Name", "Password"]
