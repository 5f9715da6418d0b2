"""HTTP with retries: rate limits (429) and server errors (5xx) are retried with
exponential backoff (honouring Retry-After), then reported in words. No message ever holds
a credential: requests carry them in headers or bodies, never in the address."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import requests

TIMEOUT_S = 60


class SourceError(RuntimeError):
    """A pull that cannot go on, with a message fit for an analyst (no secrets in it)."""


@dataclass(frozen=True)
class Retry:
    """How often, and how patiently, to try again."""

    attempts: int = 5
    base_s: float = 1.0  # the first wait; each next one doubles
    cap_s: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.cap_s)
        return min(self.base_s * 2 ** attempt, self.cap_s)


def call(session: requests.Session, method: str, url: str, *, name: str, retry: Retry,
         params: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None,
         headers: Mapping[str, str] | None = None) -> requests.Response:
    """One request, tried again on 429, 5xx and network errors.

    Returns
    -------
    requests.Response
        The first answer that is neither 429 nor 5xx (4xx included: the caller decides).

    Raises
    ------
    SourceError
        When every attempt failed.
    """
    host = urlparse(url).netloc
    problem = ""
    for attempt in range(retry.attempts):
        try:
            resp = session.request(method, url, params=params, data=data, headers=headers,
                                   timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            problem = f"could not reach {host} ({type(exc).__name__})"
            wait = retry.wait(attempt, None)
        else:
            if resp.status_code != 429 and resp.status_code < 500:
                return resp
            problem = f"{host} answered HTTP {resp.status_code}"
            wait = retry.wait(attempt, resp.headers.get("Retry-After"))
        if attempt + 1 < retry.attempts:
            retry.sleep(wait)
    raise SourceError(f"{name}: {problem} on all {retry.attempts} attempts; nothing was "
                      "changed. Try again later.")


def json_body(resp: requests.Response, name: str, what: str) -> Any:
    """A response's JSON, or a clear error if it is not JSON."""
    try:
        return resp.json()
    except (ValueError, json.JSONDecodeError) as exc:
        raise SourceError(f"{name} sent a reply that is not valid JSON ({what}); nothing "
                          "was changed.") from exc
