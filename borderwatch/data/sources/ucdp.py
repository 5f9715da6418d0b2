"""The UCDP GED API: ``GET {base}/api/gedevents/{version}?pagesize=...&page=...&Country=...``
with the ``x-ucdp-access-token`` header. The answer is ``{TotalCount, TotalPages,
PreviousPageUrl, NextPageUrl, Result}``; the country filter takes Gleditsch-Ward codes.
Monthly candidate releases (``26.0.7``) revise earlier events under the same ``id``, so
versions are read oldest first and a later one wins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from borderwatch.data.sources.credentials import UcdpSettings
from borderwatch.data.sources.http import Retry, SourceError, call, json_body

NAME = "UCDP"
PAGE = 1_000  # the API's largest page
# Gleditsch-Ward codes of the covered countries.
GW_CODES = {"Afghanistan": 700, "Turkmenistan": 701, "Tajikistan": 702, "Kyrgyzstan": 703,
            "Uzbekistan": 704, "Kazakhstan": 705, "Iran": 630, "Pakistan": 770}


class UcdpClient:
    """Reads GED events of one version, page by page."""

    def __init__(self, settings: UcdpSettings, retry: Retry | None = None,
                 session: requests.Session | None = None):
        if not settings.token:
            raise SourceError("UCDP: no access token. Set BORDERWATCH_UCDP_TOKEN, or [ucdp] "
                              "token in .streamlit/secrets.toml (request one from UCDP).")
        self.settings = settings
        self.retry = retry or Retry()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "borderwatch"

    def _page(self, version: str, params: dict[str, Any], page: int) -> dict[str, Any]:
        url = f"{self.settings.base_url}/api/gedevents/{version}"
        resp = call(self.session, "GET", url, name=NAME, retry=self.retry,
                    params={**params, "pagesize": PAGE, "page": page},
                    headers={"x-ucdp-access-token": self.settings.token})
        if resp.status_code in (401, 403):
            raise SourceError(f"UCDP refused the access token (HTTP {resp.status_code}). "
                              "Nothing was changed.")
        if resp.status_code == 404:
            raise SourceError(f"UCDP has no GED version {version!r} (HTTP 404).")
        if resp.status_code != 200:
            raise SourceError(f"UCDP answered HTTP {resp.status_code} (page {page}).")
        body = json_body(resp, NAME, f"version {version}, page {page}")
        if not isinstance(body, dict) or not isinstance(body.get("Result"), list):
            raise SourceError(f"UCDP's reply has no Result list (version {version}, "
                              f"page {page}).")
        return body

    def events(self, version: str, countries: list[str], start_date: str | None = None
               ) -> Iterator[list[dict]]:
        """Events of ``countries`` in GED ``version``, page by page."""
        codes = ",".join(str(GW_CODES[c]) for c in countries)
        params: dict[str, Any] = {"Country": codes}
        if start_date:
            params["StartDate"] = start_date
        page, pages = 0, 1
        while page < pages:
            body = self._page(version, params, page)
            pages = int(body.get("TotalPages") or 0)
            if body["Result"]:
                yield body["Result"]
            page += 1
