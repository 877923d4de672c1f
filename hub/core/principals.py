"""Who is calling, and what their role lets them do: users and API keys, one model for both.

A :class:`Principal` is an authenticated caller: a user (``hub users add``, who signs in to
the console with a password) or an API key (``hub api-keys create``, sent as a bearer
token). Each has one :class:`Role`:

========  ============================================================================
role      may
========  ============================================================================
viewer    read: orders, runs, accounts (secrets as ``***``), stock, tickets, shipments
operator  read and act: imports, pushes, ship, cancel, retry, flows on/off, replies
admin     all of that and manage: accounts' credentials (authorize, disconnect), API
          keys, users, outbound webhook subscriptions
========  ============================================================================

:func:`allows` is the one rule; the API (:mod:`hub.core.api.security`) and the console
ask it. Passwords are stored as salted scrypt hashes (``hashlib.scrypt``) with their
parameters, so they can be raised later without invalidating stored ones; checking a
password costs the same whether the user exists, is disabled or not.

While an API request acts, :func:`acting_as` holds its principal: order events and runs
written meanwhile record it in their ``actor`` column (``user:NAME``, ``api_key:NAME``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import select

from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.core.app import HubApp

Level = Literal["read", "act", "admin"]


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Principal:
    name: str
    kind: Literal["user", "api_key"]
    role: Role


LEVELS: dict[Role, frozenset[str]] = {
    Role.VIEWER: frozenset({"read"}),
    Role.OPERATOR: frozenset({"read", "act"}),
    Role.ADMIN: frozenset({"read", "act", "admin"}),
}
"""What each role may do: read (GET), act (imports, pushes, orders, flows, replies), admin."""


def allows(role: Role, level: Literal["read", "act", "admin"]) -> bool:
    """Whether ``role`` may do something needing ``level``."""
    return level in LEVELS.get(role, frozenset())


def least_role(level: Level) -> Role:
    """The least powerful role allowing ``level`` (to say what a refused caller lacks)."""
    return next(role for role in (Role.VIEWER, Role.OPERATOR, Role.ADMIN) if allows(role, level))


def parse_role(text: str) -> Role:
    """``text`` as a role; a :class:`ConfigError` naming the choices otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ConfigError(f"unknown role '{text}': use admin, operator or viewer") from None


def check_name(name: str, what: str) -> str:
    """``name`` stripped, if it is 1-100 letters, digits, '-' or '_'; else a ConfigError."""
    name = name.strip()
    if not name or len(name) > 100 or not name.replace("-", "").replace("_", "").isalnum() \
            or not name.isascii():
        raise ConfigError(f"{what} name '{name}' must be letters, digits, '-' or '_' (at most 100)")
    return name


# --- passwords ----------------------------------------------------------------------------

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1  # 32 MiB, ~0.1 s a check
SALT_BYTES, HASH_BYTES = 16, 32
MIN_PASSWORD, MAX_PASSWORD = 12, 1024


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8", "replace"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r + (1 << 20), dklen=length)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` for ``password`` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (from :func:`hash_password`), compared in
    constant time; False for a malformed or out-of-bounds hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        params = int(n), int(r), int(p)
        expected = base64.b64decode(digest, validate=True)
        salt_bytes = base64.b64decode(salt, validate=True)
    except ValueError:
        return False
    if scheme != "scrypt" or not (2 <= params[0] <= 2 ** 20 and 1 <= params[1] <= 32
                                  and 1 <= params[2] <= 16) or not 16 <= len(expected) <= 64:
        return False
    actual = _scrypt(password, salt_bytes, *params, len(expected))
    return hmac.compare_digest(actual, expected)


@lru_cache(maxsize=1)
def _decoy() -> str:
    """A hash no password matches, checked when there is no live user, so that an unknown
    name costs the same time as a wrong password."""
    return hash_password(secrets.token_urlsafe(32))


def check_password(name: str, password: str) -> None:
    """A ConfigError unless ``password`` is acceptable for user ``name``."""
    if not password.strip():
        raise ConfigError("the password is empty")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ConfigError(f"the password is too long: at most {MAX_PASSWORD} characters")
    if len(set(password)) < 5 or name.lower() in password.lower():
        raise ConfigError("the password is too weak: it repeats a few characters or contains "
                          "the user name")


# --- authentication -----------------------------------------------------------------------

def authenticate_key(app: HubApp, key: str) -> Principal | None:
    """The principal of live API key ``key`` (its last use recorded), or None."""
    from hub.core import apikeys

    found = apikeys.lookup(app, key)
    if found is None:
        return None
    name, role = found
    try:
        return Principal(name=name, kind="api_key", role=Role(role))
    except ValueError:  # a role this version does not know: refuse rather than guess
        return None


def authenticate_user(app: HubApp, username: str, password: str) -> Principal | None:
    """The principal of enabled user ``username`` when ``password`` is theirs, else None.

    Always runs one scrypt check (against a decoy hash for unknown or disabled users), so
    the answer's timing does not tell whether the user exists.
    """
    from hub.core.storage.users import HubUser

    row = None
    if 0 < len(username) <= 100 and len(password) <= MAX_PASSWORD:
        with app.db.session() as s:
            row = s.exec(select(HubUser).where(HubUser.name == username)).first()
    live = row is not None and row.disabled_at is None
    stored = row.password_hash if live and row is not None else _decoy()
    matches = verify_password(password[:MAX_PASSWORD], stored)
    if not (live and matches) or row is None:
        return None
    try:
        return Principal(name=row.name, kind="user", role=Role(row.role))
    except ValueError:
        return None


# --- who acted (audit) --------------------------------------------------------------------

_acting: ContextVar[Principal | None] = ContextVar("hub_acting_principal", default=None)


def actor_of(principal: Principal) -> str:
    """How records name ``principal``: ``user:NAME`` or ``api_key:NAME``."""
    return f"{principal.kind}:{principal.name}"


def acting() -> Principal | None:
    """The principal whose request is being served here, if any."""
    return _acting.get()


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Within the block, order events and runs written record ``principal`` as their actor."""
    token = _acting.set(principal)
    try:
        yield
    finally:
        _acting.reset(token)


def set_acting(principal: Principal | None) -> None:
    """Make ``principal`` the actor for the rest of the current context (one API request)."""
    _acting.set(principal)


@event.listens_for(Session, "before_flush")
def _stamp_actor(session: Session, _context: Any, _instances: Any) -> None:
    principal = _acting.get()
    if principal is None:
        return
    from hub.core.storage.models import OrderEvent, SyncRun

    for obj in session.new:
        if isinstance(obj, OrderEvent | SyncRun) and obj.actor is None:
            obj.actor = actor_of(principal)[:120]
