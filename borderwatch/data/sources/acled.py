"""The ACLED API (since September 2025): OAuth password grant, a paginated read endpoint,
and the deleted-events endpoint.

- Tokens: ``POST {base}/oauth/token`` with ``grant_type=password``, ``client_id=acled``,
  username and password; the answer holds an access token (about 24 h) and a refresh token
  (about 14 days). A 401 on a read refreshes the token once (refresh grant, else password
  grant) and tries again; a second 401 is an error.
- Events: ``GET {base}/api/acled/read?_format=json`` with filters; several values of one
  filter are joined with ``|``; ``limit`` and ``page`` paginate; incremental pulls ask for
  ``timestamp`` after the last one seen. ``inter1``/``inter2``/``interaction`` come as text.
- Deletions: ``GET {base}/api/deleted/read?_format=json&deleted_timestamp=...``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from borderwatch.data.sources.credentials import AcledSettings, read_tokens, write_tokens
from borderwatch.data.sources.http import Retry, SourceError, call, json_body

NAME = "ACLED"
PAGE = 5_000  # rows per page (ACLED's own default)
CLIENT_ID = "acled"
_MARGIN_S = 300  # renew a token this long before it expires


class AcledClient:
    """Signs in, reads events page by page, and reads deletions."""

    def __init__(self, settings: AcledSettings, cache: Path, retry: Retry | None = None,
                 session: requests.Session | None = None, page_size: int = PAGE):
        if not settings.username or not settings.password:
            raise SourceError("ACLED: no credentials. Set BORDERWATCH_ACLED_USERNAME and "
                              "BORDERWATCH_ACLED_PASSWORD, or [acled] username and password "
                              "in .streamlit/secrets.toml.")
        self.settings = settings
        self.cache = cache
        self.retry = retry or Retry()
        self.page_size = page_size
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "borderwatch"
        self._who = hashlib.sha256(settings.username.encode()).hexdigest()[:16]

    # ---------------------------------------------------------------- tokens

    def _grant(self, form: dict[str, str]) -> dict[str, Any]:
        resp = call(self.session, "POST", f"{self.settings.base_url}/oauth/token", name=NAME,
                    retry=self.retry, data={**form, "client_id": CLIENT_ID})
        if resp.status_code in (400, 401, 403):
            code = _error_code(resp)
            raise SourceError(f"ACLED refused the sign-in (HTTP {resp.status_code}"
                              f"{': ' + code if code else ''}): check the ACLED username and "
                              "password. Nothing was changed.")
        if resp.status_code != 200:
            raise SourceError(f"ACLED's token endpoint answered HTTP {resp.status_code}.")
        body = json_body(resp, NAME, "token")
        if not isinstance(body, dict) or not body.get("access_token"):
            raise SourceError("ACLED's token reply holds no access token.")
        now = time.time()
        tokens = {"who": self._who, "access_token": body["access_token"],
                  "access_expires": now + float(body.get("expires_in") or 86_400),
                  "refresh_token": body.get("refresh_token"),
                  "refresh_expires": now + float(body.get("refresh_expires_in") or 14 * 86_400)}
        write_tokens(self.cache, tokens)
        return tokens

    def _sign_in(self) -> dict[str, Any]:
        return self._grant({"grant_type": "password", "username": self.settings.username,
                            "password": self.settings.password})

    def _renew(self, tokens: dict[str, Any]) -> dict[str, Any]:
        """A new access token from the refresh token; the password grant if that fails."""
        if tokens.get("refresh_token") and time.time() < tokens.get("refresh_expires", 0):
            try:
                return self._grant({"grant_type": "refresh_token",
                                    "refresh_token": tokens["refresh_token"]})
            except SourceError:
                pass
        return self._sign_in()

    def access_token(self) -> str:
        """A valid access token: cached, renewed, or from signing in."""
        tokens = read_tokens(self.cache)
        if tokens.get("who") != self._who:
            tokens = {}
        if not tokens.get("access_token") or time.time() > tokens.get(
                "access_expires", 0) - _MARGIN_S:
            tokens = self._renew(tokens) if tokens else self._sign_in()
        return str(tokens["access_token"])

    # ---------------------------------------------------------------- reading

    def get(self, path: str, params: dict[str, Any], what: str) -> Any:
        """A GET with the access token; on 401 the token is renewed once."""
        url = f"{self.settings.base_url}{path}"
        for renewed in (False, True):
            headers = {"Authorization": f"Bearer {self.access_token()}",
                       "Accept": "application/json"}
            resp = call(self.session, "GET", url, name=NAME, retry=self.retry, params=params,
                        headers=headers)
            if resp.status_code != 401:
                break
            if renewed:
                raise SourceError("ACLED refused the access token even after renewing it: "
                                  "check the account's API access. Nothing was changed.")
            self._renew(read_tokens(self.cache))
        if resp.status_code != 200:
            raise SourceError(f"ACLED answered HTTP {resp.status_code} ({what}).")
        body = json_body(resp, NAME, what)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SourceError(f"ACLED's reply has no list of data ({what}).")
        return body

    def _pages(self, path: str, params: dict[str, Any], what: str) -> Iterator[list[dict]]:
        page = 1
        while True:
            body = self.get(path, {**params, "limit": self.page_size, "page": page},
                            f"{what}, page {page}")
            rows = body["data"]
            if rows:
                yield rows
            if len(rows) < self.page_size:
                return
            page += 1

    def events(self, countries: list[str], since_timestamp: int | None = None,
               since_date: str | None = None) -> Iterator[list[dict]]:
        """Events of ``countries`` page by page: changed after ``since_timestamp`` (an
        incremental pull), or dated from ``since_date`` on."""
        params: dict[str, Any] = {"_format": "json", "country": "|".join(countries)}
        if since_timestamp is not None:
            params |= {"timestamp": since_timestamp, "timestamp_where": ">"}
        if since_date:
            params |= {"event_date": since_date, "event_date_where": ">="}
        return self._pages("/api/acled/read", params, "events")

    def deleted(self, since_timestamp: int) -> list[str]:
        """The ids of events ACLED deleted at or after ``since_timestamp``."""
        params = {"_format": "json", "deleted_timestamp": since_timestamp}
        return [str(r["event_id_cnty"]) for rows in self._pages("/api/deleted/read", params,
                                                                "deletions")
                for r in rows if r.get("event_id_cnty")]


def _error_code(resp: requests.Response) -> str:
    """The OAuth error code of a refusal ("invalid_grant"), never the body as a whole."""
    try:
        code = resp.json().get("error", "")
    except (ValueError, AttributeError):
        return ""
    return code if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code) else ""
