"""Who may do what: roles, and how a user gets one. No Streamlit here (see ui/access.py).

Two roles: a *viewer* sees every dashboard page; an *analyst* also uploads, imports and
undoes. The sign-in method follows the secrets (``.streamlit/secrets.toml``; see
``.streamlit/secrets.example.toml``):

- ``[auth]`` present: OpenID Connect through ``st.login``. Everyone must sign in; the
  e-mail addresses in ``[borderwatch] analysts`` are analysts, everyone else a viewer.
- ``[borderwatch.accounts.NAME]`` entries present: local accounts, each with a role and
  an Argon2id password hash (``borderwatch hash-password`` makes one).
- neither: single-user local mode. Whoever can open the address is an analyst, and every
  page says so.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

VIEWER = "viewer"
ANALYST = "analyst"
ROLES = (VIEWER, ANALYST)
OIDC, LOCAL, SINGLE = "oidc", "local", "single-user"

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Checked against when the name is unknown, so a wrong name costs as long as a wrong
# password and response times do not reveal which names exist.
_DUMMY_HASH = _hasher.hash("borderwatch: no such account")


class ConfigError(ValueError):
    """The secrets describe accounts or analysts in a way that cannot be used."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def is_analyst(self) -> bool:
        return self.role == ANALYST


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str


@dataclass(frozen=True)
class AuthConfig:
    mode: str
    accounts: dict[str, Account] = field(default_factory=dict)
    analysts: frozenset[str] = frozenset()  # OIDC e-mail addresses, lower case

    @classmethod
    def from_secrets(cls, secrets: Mapping[str, Any]) -> AuthConfig:
        """Read the sign-in method from Streamlit secrets (or any mapping like them)."""
        own = secrets.get("borderwatch") or {}
        if secrets.get("auth"):
            analysts = own.get("analysts") or []
            if isinstance(analysts, str) or not all(isinstance(a, str) for a in analysts):
                raise ConfigError("[borderwatch] analysts must be a list of e-mail addresses")
            return cls(OIDC, analysts=frozenset(a.strip().lower() for a in analysts))
        raw = own.get("accounts") or {}
        if raw:
            accounts = {}
            for name, entry in raw.items():
                role = entry.get("role")
                digest = entry.get("password_hash", "")
                if role not in ROLES:
                    raise ConfigError(f"account {name!r}: role must be one of {ROLES}")
                if not str(digest).startswith("$argon2"):
                    raise ConfigError(f"account {name!r}: password_hash must be an Argon2 "
                                      "hash (make one with `borderwatch hash-password`)")
                accounts[str(name)] = Account(str(name), role, str(digest))
            return cls(LOCAL, accounts=accounts)
        return cls(SINGLE)

    def sign_in(self, name: str, password: str) -> User | None:
        """The local account ``name`` if ``password`` is its password, else None."""
        account = self.accounts.get(name)
        try:
            _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return User(account.name, account.role) if account else None

    def oidc_user(self, email: str | None, name: str | None = None) -> User | None:
        """The user an identity provider signed in (None without an e-mail address)."""
        if not email:
            return None
        email = email.strip().lower()
        analyst = any(hmac.compare_digest(email, a) for a in self.analysts)
        return User(name or email, ANALYST if analyst else VIEWER)


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``, for an account in secrets.toml."""
    if len(password) < 12:
        raise ValueError("use a password of at least 12 characters")
    return _hasher.hash(password)


SINGLE_USER = User("local user", ANALYST)
