"""Credentials and settings for the live sources, from environment variables or
``.streamlit/secrets.toml``. Credentials are never logged, shown or stored in the
database; an ACLED token cache is a file only its owner can read."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderwatch import ROOT
from borderwatch.geo.boundaries import cache_dir

SECRETS = (ROOT / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml")
ACLED_URL = "https://acleddata.com"
UCDP_URL = "https://ucdpapi.pcr.uu.se"
UCDP_VERSION = "26.1"  # the yearly GED release; candidate releases look like "26.0.7"


def load_secrets(paths: tuple[Path, ...] = SECRETS) -> dict[str, Any]:
    """The first secrets.toml found (project, then home), or nothing."""
    for path in paths:
        if path.is_file():
            with path.open("rb") as f:
                return tomllib.load(f)
    return {}


def _setting(env: str, section: Mapping[str, Any], key: str, default: str = "") -> str:
    return os.environ.get(env) or str(section.get(key) or default)


@dataclass(frozen=True)
class AcledSettings:
    """Where ACLED is and who signs in (the password is never shown)."""

    base_url: str
    username: str
    password: str = field(repr=False)

    @classmethod
    def load(cls, secrets: Mapping[str, Any] | None = None) -> AcledSettings:
        """From ``BORDERWATCH_ACLED_*`` variables, else ``[acled]`` in secrets.toml."""
        section = (load_secrets() if secrets is None else secrets).get("acled") or {}
        return cls(_setting("BORDERWATCH_ACLED_URL", section, "base_url", ACLED_URL).rstrip("/"),
                   _setting("BORDERWATCH_ACLED_USERNAME", section, "username"),
                   _setting("BORDERWATCH_ACLED_PASSWORD", section, "password"))


@dataclass(frozen=True)
class UcdpSettings:
    """Where UCDP is, its access token (never shown) and the GED version to pull."""

    base_url: str
    token: str = field(repr=False)
    version: str = UCDP_VERSION

    @classmethod
    def load(cls, secrets: Mapping[str, Any] | None = None) -> UcdpSettings:
        """From ``BORDERWATCH_UCDP_*`` variables, else ``[ucdp]`` in secrets.toml."""
        section = (load_secrets() if secrets is None else secrets).get("ucdp") or {}
        return cls(_setting("BORDERWATCH_UCDP_URL", section, "base_url", UCDP_URL).rstrip("/"),
                   _setting("BORDERWATCH_UCDP_TOKEN", section, "token"),
                   _setting("BORDERWATCH_UCDP_VERSION", section, "version", UCDP_VERSION))


def token_cache_path() -> Path:
    """Where ACLED's OAuth tokens are kept between pulls."""
    return cache_dir() / "acled-token.json"


def read_tokens(path: Path) -> dict[str, Any]:
    """The cached tokens, or nothing (a damaged cache is as good as none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_tokens(path: Path, tokens: Mapping[str, Any]) -> None:
    """Save tokens readable by their owner only (mode 0600, set before anything is written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(dict(tokens), f)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def retry_settings() -> tuple[int, float]:
    """Attempts and first backoff of a pull's requests: ``BORDERWATCH_PULL_ATTEMPTS``
    (default 5) and ``BORDERWATCH_PULL_BACKOFF_S`` (default 1 second, doubling)."""
    return (int(os.environ.get("BORDERWATCH_PULL_ATTEMPTS") or 5),
            float(os.environ.get("BORDERWATCH_PULL_BACKOFF_S") or 1.0))


def acled_page_size() -> int:
    """Rows per ACLED page: ``BORDERWATCH_ACLED_PAGE_SIZE`` (default 5,000, ACLED's own)."""
    return int(os.environ.get("BORDERWATCH_ACLED_PAGE_SIZE") or 5_000)
