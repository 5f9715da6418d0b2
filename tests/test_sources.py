"""Live sources against local servers that speak ACLED's and UCDP's documented formats,
failures included. The client code under test is the real one; the live services were not
reachable from the test machines."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from borderwatch import cli
from borderwatch.data import db, ingest, store, table
from borderwatch.data.sources import credentials
from borderwatch.testing import snapshots

USER, PASSWORD, UCDP_TOKEN = "analyst@example.org", "correct horse 42", "ucdp-secret-token-7"


def acled_event(i: int, timestamp: int, **values: Any) -> dict[str, Any]:
    """One event as ACLED's API returns it (every value a string)."""
    row = {
        "event_id_cnty": f"AFG{i:05d}", "event_date": "2025-10-12", "year": "2025",
        "time_precision": "1", "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": "Test Army A", "assoc_actor_1": "",
        "inter1": "State forces", "actor2": "Test Army B", "assoc_actor_2": "",
        "inter2": "State forces", "interaction": "State forces-State forces",
        "civilian_targeting": "", "iso": "4", "region": "Caucasus and Central Asia",
        "country": "Afghanistan", "admin1": "Khost", "admin2": "", "admin3": "",
        "location": f"Test place {i}", "latitude": f"{33.3 + i * 0.01:.4f}",
        "longitude": "69.92", "geo_precision": "2", "source": "Test wire (synthetic)",
        "source_scale": "National", "notes": f"SYNTHETIC test event {i}.",
        "fatalities": str(i), "tags": "", "timestamp": str(timestamp),
    }
    row.update({k: str(v) for k, v in values.items()})
    return row


@dataclass
class FakeAcled:
    """ACLED's token, read and deletions endpoints, with failures to order."""

    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    failures: list[Any] = field(default_factory=list)  # statuses (or "garbage") to answer first
    grants: list[str] = field(default_factory=list)
    reads: list[dict[str, str]] = field(default_factory=list)
    issued: int = 0

    def token(self, request: Request) -> Response:
        form = request.form
        self.grants.append(form.get("grant_type", ""))
        ok = (form.get("client_id") == "acled" and (
            (form.get("grant_type") == "password" and form.get("username") == USER
             and form.get("password") == PASSWORD)
            or (form.get("grant_type") == "refresh_token"
                and form.get("refresh_token") in self.refresh)))
        if not ok:
            return Response(json.dumps({"error": "invalid_grant",
                                        "error_description": "The user credentials were "
                                                             "incorrect."}), 400,
                            content_type="application/json")
        self.issued += 1
        access, refresh = f"access-{self.issued}", f"refresh-{self.issued}"
        self.tokens.add(access)
        self.refresh.add(refresh)
        return Response(json.dumps({"token_type": "Bearer", "expires_in": 86400,
                                    "access_token": access, "refresh_token": refresh}),
                        content_type="application/json")

    def _gate(self, request: Request) -> Response | None:
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "garbage":
                return Response("<html>maintenance</html>", 200, content_type="text/html")
            return Response("busy", failure, headers={"Retry-After": "0"})
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return Response(json.dumps({"message": "Unauthorized"}), 401)
        return None

    @staticmethod
    def _page(rows: list[dict[str, Any]], args: Any) -> Response:
        limit, page = int(args.get("limit", 5000)), int(args.get("page", 1))
        chunk = rows[(page - 1) * limit: page * limit]
        return Response(json.dumps({"status": 200, "success": True, "count": len(chunk),
                                    "data": chunk}), content_type="application/json")

    def read(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused:
            return refused
        args = request.args
        self.reads.append(dict(args))
        countries = set(args.get("country", "").split("|"))
        rows = [e for e in self.events.values() if e["country"] in countries]
        if "timestamp" in args:
            rows = [e for e in rows if int(e["timestamp"]) > int(args["timestamp"])]
        return self._page(sorted(rows, key=lambda e: e["event_id_cnty"]), args)

    def deletions(self, request: Request) -> Response:
        refused = self._gate(request)
        if refused:
            return refused
        since = int(request.args.get("deleted_timestamp", 0))
        rows = [{"event_id_cnty": e, "deleted_timestamp": str(t)}
                for e, t in sorted(self.deleted.items()) if t >= since]
        return self._page(rows, request.args)


@pytest.fixture
def acled(httpserver: HTTPServer, monkeypatch, tmp_path) -> Iterator[FakeAcled]:
    fake = FakeAcled()
    httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(fake.token)
    httpserver.expect_request("/api/acled/read").respond_with_handler(fake.read)
    httpserver.expect_request("/api/deleted/read").respond_with_handler(fake.deletions)
    monkeypatch.setenv("BORDERWATCH_ACLED_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("BORDERWATCH_ACLED_USERNAME", USER)
    monkeypatch.setenv("BORDERWATCH_ACLED_PASSWORD", PASSWORD)
    monkeypatch.setenv("BORDERWATCH_ACLED_PAGE_SIZE", "3")
    monkeypatch.setenv("BORDERWATCH_PULL_BACKOFF_S", "0.01")
    monkeypatch.setenv("BORDERWATCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'pull.sqlite'}")
    yield fake


def pull(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["pull", *args])
    out = capsys.readouterr()
    text = out.out + out.err
    for secret in (PASSWORD, UCDP_TOKEN, "access-", "refresh-"):
        assert secret not in text  # never in what a pull prints
    return code, text


def engine():
    """The store the CLI uses, seeded as the CLI seeds it."""
    eng = db.make_engine()
    ingest.seed(eng)
    return eng


def pulled(dataset: str):
    """The rows a pull brought (the store also holds the seed sample)."""
    df = table.read_incidents(engine())
    return df[df["dataset"] == dataset]


def test_acled_pulls_pages_then_nothing_then_updates_and_deletions(acled, capsys):
    acled.events = {e["event_id_cnty"]: e for e in (acled_event(i, 1_700_000_000 + i)
                                                    for i in range(1, 8))}
    code, out = pull(capsys, "acled")
    assert code == 0 and "7 fetched; inserted 7" in out
    pages = [r["page"] for r in acled.reads]
    assert pages == ["1", "2", "3"]  # 3 + 3 + 1 rows
    assert acled.reads[0]["country"].count("|") == 7  # multi-value filters joined with |
    eng = engine()
    df = pulled("acled")
    assert len(df) == 7
    assert df["dataset_label"].iloc[0].startswith("ACLED pull, batch")
    before = snapshots.store_rows(eng)

    # A second pull: incremental, nothing new, nothing changed, no batch.
    code, out = pull(capsys, "acled")
    assert code == 0 and "nothing changed" in out
    assert acled.reads[-1]["timestamp"] == str(1_700_000_007)
    assert snapshots.store_rows(eng) == before
    assert len(store.batches(eng)) == 2  # the seed and the first pull

    # ACLED corrects one event and deletes another.
    acled.events["AFG00002"] = acled_event(2, 1_700_000_100, fatalities=12)
    acled.deleted["AFG00005"] = 1_700_000_050
    code, out = pull(capsys, "acled")
    assert code == 0 and "updated 1, deleted 1" in out
    df = pulled("acled").set_index("event_id")
    assert df.loc["AFG00002", "fatalities"] == 12 and "AFG00005" not in df.index
    # The pull is a batch like any other: undo restores the store exactly.
    batch = int(store.batches(eng)["id"].max())
    assert cli.main(["undo", str(batch)]) == 0
    assert snapshots.store_rows(eng) == before


def test_acled_dry_run_writes_nothing(acled, capsys):
    acled.events = {e["event_id_cnty"]: e for e in (acled_event(i, 1_700_000_000 + i)
                                                    for i in range(1, 4))}
    eng = engine()
    before, batches = snapshots.store_rows(eng), store.batches(eng)
    code, out = pull(capsys, "acled", "--dry-run")
    assert code == 0 and "would insert 3" in out and "dry run" in out
    assert snapshots.store_rows(eng) == before and store.batches(eng).equals(batches)


def test_acled_token_is_cached_privately_and_refreshed_on_expiry(acled, capsys):
    acled.events = {"AFG00001": acled_event(1, 1_700_000_001)}
    assert pull(capsys, "acled")[0] == 0
    cache = credentials.token_cache_path()
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    assert PASSWORD not in cache.read_text()
    assert acled.grants == ["password"]
    # The server forgets the access token (expired): one 401, a refresh, then success.
    acled.tokens.clear()
    acled.events["AFG00002"] = acled_event(2, 1_700_000_002)
    code, out = pull(capsys, "acled")
    assert code == 0 and "inserted 1" in out
    assert acled.grants == ["password", "refresh_token"]


def test_acled_wrong_password_is_a_clear_error(acled, capsys, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_ACLED_PASSWORD", "wrong password 1")
    code, out = pull(capsys, "acled")
    assert code == 1
    assert "ACLED refused the sign-in (HTTP 400: invalid_grant)" in out
    assert "wrong password 1" not in out
    assert pulled("acled").empty


def test_acled_429_then_success(acled, capsys):
    acled.events = {"AFG00001": acled_event(1, 1_700_000_001)}
    acled.failures = [429, 429]
    code, out = pull(capsys, "acled")
    assert code == 0 and "inserted 1" in out


def test_a_500_storm_changes_nothing(acled, capsys):
    acled.events = {"AFG00001": acled_event(1, 1_700_000_001)}
    assert pull(capsys, "acled")[0] == 0
    eng = engine()
    before, batches = snapshots.store_rows(eng), store.batches(eng)
    acled.events["AFG00002"] = acled_event(2, 1_700_000_002)
    acled.failures = [500] * 10
    code, out = pull(capsys, "acled")
    assert code == 1
    assert "answered HTTP 500 on all 5 attempts; nothing was changed" in out
    assert snapshots.store_rows(eng) == before
    assert store.batches(eng).equals(batches)
    from borderwatch.data.sources import pull as pulls

    assert pulls.last_pulls(eng, "acled")["status"].tolist()[:2] == ["failed", "ok"]


def test_malformed_json_is_a_clear_error(acled, capsys):
    acled.events = {"AFG00001": acled_event(1, 1_700_000_001)}
    acled.failures = ["garbage"]
    code, out = pull(capsys, "acled")
    assert code == 1 and "not valid JSON" in out
    assert pulled("acled").empty


# ----------------------------------------------------------------- UCDP

def ucdp_event(i: int, **values: Any) -> dict[str, Any]:
    """One GED event as UCDP's API returns it."""
    row = {"id": 900_000 + i, "relid": f"AFG-2025-1-{i}", "year": 2025, "active_year": True,
           "code_status": "Clear", "type_of_violence": 1, "conflict_new_id": 333,
           "conflict_name": "Afghanistan: Government", "dyad_new_id": 1, "dyad_name": "x",
           "side_a_new_id": 130, "side_a": "Government of Afghanistan", "side_b_new_id": 1,
           "side_b": "IS", "number_of_sources": 1, "source_article": (
               f"Test Agency,2025-10-13,\"Test headline {i}\" https://example.org/ucdp/{i}"),
           "source_office": "Test Agency", "source_date": "2025-10-13",
           "source_headline": f"SYNTHETIC test event {i}", "source_original": "",
           "where_prec": 1, "where_coordinates": f"Test town {i}", "where_description": "",
           "adm_1": "Nangarhar province", "adm_2": "", "latitude": 34.43 + i * 0.01,
           "longitude": 70.45, "geom_wkt": "", "priogrid_gid": 1, "country": "Afghanistan",
           "country_id": 700, "region": "Asia", "event_clarity": 1, "date_prec": 1,
           "date_start": "2025-10-12 00:00:00.000", "date_end": "2025-10-12 00:00:00.000",
           "deaths_a": 0, "deaths_b": 0, "deaths_civilians": 0, "deaths_unknown": 2,
           "best": 2, "high": 3, "low": 2, "gwnoa": "700", "gwnob": ""}
    row.update(values)
    return row


@pytest.fixture
def ucdp(httpserver: HTTPServer, monkeypatch, tmp_path):
    versions: dict[str, list[dict[str, Any]]] = {}
    seen: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        if request.headers.get("x-ucdp-access-token") != UCDP_TOKEN:
            return Response("Unauthorized", 401)
        version = request.path.rsplit("/", 1)[-1]
        seen.append({"version": version, **request.args})
        codes = set(request.args.get("Country", "").split(","))
        rows = [r for r in versions.get(version, []) if str(r["country_id"]) in codes]
        size, page = int(request.args["pagesize"]), int(request.args["page"])
        pages = max(1, -(-len(rows) // size))
        return Response(json.dumps({
            "TotalCount": len(rows), "TotalPages": pages, "PreviousPageUrl": "",
            "NextPageUrl": "", "Result": rows[page * size:(page + 1) * size]}),
            content_type="application/json")

    httpserver.expect_request("/api/gedevents/26.0.1").respond_with_handler(handler)
    httpserver.expect_request("/api/gedevents/26.0.2").respond_with_handler(handler)
    monkeypatch.setenv("BORDERWATCH_UCDP_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("BORDERWATCH_UCDP_TOKEN", UCDP_TOKEN)
    monkeypatch.setenv("BORDERWATCH_PULL_BACKOFF_S", "0.01")
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'ucdp.sqlite'}")
    return versions, seen


def test_ucdp_candidate_event_superseded_by_a_later_version(ucdp, capsys, monkeypatch):
    from borderwatch.data.sources import ucdp as client

    monkeypatch.setattr(client, "PAGE", 2)
    versions, seen = ucdp
    versions["26.0.1"] = [ucdp_event(i) for i in range(1, 6)]
    versions["26.0.1"][3]["where_prec"] = 6  # a country-level location
    code, out = pull(capsys, "ucdp", "--version", "26.0.1")
    assert code == 0 and "5 fetched; inserted 5" in out
    assert [s["page"] for s in seen] == ["0", "1", "2"]
    assert set(seen[0]["Country"].split(",")) == {"700", "702", "770", "630", "704", "701",
                                                  "703", "705"}
    df = pulled("ucdp").set_index("event_id")
    assert len(df) == 5
    assert df.loc["UCDP-900001", "source_url"] == "https://example.org/ucdp/1"
    assert str(df.loc["UCDP-900001", "source_date"].date()) == "2025-10-13"
    assert df.loc["UCDP-900004", "geo_precision"] == 3
    assert "country" in df.loc["UCDP-900004", "notes"]
    # The next monthly candidate revises event 2; oldest first, the later one wins.
    versions["26.0.2"] = [ucdp_event(2, best=9)]
    code, out = pull(capsys, "ucdp", "--version", "26.0.1,26.0.2")
    assert code == 0 and "updated 1" in out and "inserted 0" in out
    assert table.read_incidents(engine()).set_index("event_id").loc[
        "UCDP-900002", "fatalities"] == 9
    # Again: nothing changes.
    code, out = pull(capsys, "ucdp", "--version", "26.0.1,26.0.2")
    assert code == 0 and "nothing changed" in out


def test_ucdp_refused_token_is_a_clear_error(ucdp, capsys, monkeypatch):
    monkeypatch.setenv("BORDERWATCH_UCDP_TOKEN", "not-the-token")
    code, out = pull(capsys, "ucdp", "--version", "26.0.1")
    assert code == 1 and "UCDP refused the access token (HTTP 401)" in out
    assert "not-the-token" not in out


def test_missing_credentials_say_where_to_put_them(monkeypatch, capsys, tmp_path):
    for var in ("BORDERWATCH_ACLED_USERNAME", "BORDERWATCH_ACLED_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(credentials, "SECRETS", (tmp_path / "none.toml",))
    monkeypatch.setenv("BORDERWATCH_DB_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    code, out = pull(capsys, "acled")
    assert code == 1 and "BORDERWATCH_ACLED_USERNAME" in out


def test_pull_help_documents_both_sources_and_every_setting(capsys):
    with pytest.raises(SystemExit):
        cli.main(["pull", "--help"])
    text = capsys.readouterr().out
    for word in ("acled", "ucdp", "BORDERWATCH_ACLED_USERNAME", "BORDERWATCH_ACLED_PASSWORD",
                 "BORDERWATCH_ACLED_URL", "BORDERWATCH_UCDP_TOKEN", "BORDERWATCH_UCDP_URL",
                 "BORDERWATCH_UCDP_VERSION", "BORDERWATCH_PULL_ATTEMPTS",
                 "BORDERWATCH_PULL_BACKOFF_S", "BORDERWATCH_ACLED_PAGE_SIZE", "--dry-run",
                 "--since", "--version"):
        assert word in text


def test_upload_page_pulls_now_and_shows_the_last_pull(acled, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    acled.events = {e["event_id_cnty"]: e for e in (acled_event(i, 1_700_000_000 + i)
                                                    for i in range(1, 5))}
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert "Never pulled." in " ".join(c.value for c in at.caption)
    at.button(key="pull_acled").click().run()
    assert not at.exception
    assert "ACLED: 4 fetched; inserted 4" in at.success[0].value.replace("\\", "")
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Last pull" in captions and "(ok)" in captions
    assert PASSWORD not in str(at)
