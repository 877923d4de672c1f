"""API keys of the back-office API: created once, stored as a SHA-256 hash, revocable.

A key is ``hub_`` followed by 43 random URL-safe characters (256 bits). Only its
hash and a short prefix (to tell keys apart in a list) are stored, so a copy of
the database reveals no usable key. Clients send it as ``Authorization: Bearer
<key>``.

Each key has a role (admin, operator or viewer; see :mod:`hub.core.principals`):
``hub api-keys create NAME --role operator``. Keys made before roles existed are admin.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from hub.core.storage.columns import now
from hub.core.storage.models import ApiKey
from hub.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from hub.core.app import HubApp

KEY_PREFIX = "hub_"
TOUCH_EVERY = timedelta(minutes=1)  # how often last_used_at is written (not on every request)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def create(app: HubApp, name: str, role: str = "admin") -> tuple[ApiKey, str]:
    """Create key ``name`` with ``role``; return its row and the key itself (shown this once,
    never stored)."""
    from hub.core.principals import check_name, parse_role

    role = parse_role(role).value
    name = check_name(name, "API key")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with app.db.session() as s:
        if s.exec(select(ApiKey).where(ApiKey.name == name)).first():
            raise ConfigError(f"an API key named '{name}' already exists",
                              hint="choose another name (see: hub api-keys list)")
        row = ApiKey(name=name, key_hash=hash_key(key), prefix=key[:len(KEY_PREFIX) + 4],
                     role=role)
        s.add(row)
        s.flush()
    return row, key


def revoke(app: HubApp, name: str) -> ApiKey:
    """Revoke key ``name``: every later request with it gets 401. The row stays, for the record."""
    with app.db.session() as s:
        row = s.exec(select(ApiKey).where(ApiKey.name == name)).first()
        if row is None:
            raise NotFound(f"no API key named '{name}'", hint="see: hub api-keys list")
        if row.revoked_at is None:
            row.revoked_at = now()
            s.add(row)
    return row


def list_keys(app: HubApp) -> list[dict[str, Any]]:
    """Every key's name, role, prefix and dates (never the key or its hash)."""
    with app.db.session() as s:
        return [{"name": k.name, "role": k.role, "prefix": k.prefix, "created_at": k.created_at,
                 "last_used_at": k.last_used_at, "revoked": k.revoked_at is not None,
                 "revoked_at": k.revoked_at}
                for k in s.exec(select(ApiKey).order_by(col(ApiKey.name)))]


def authenticate(app: HubApp, key: str) -> str | None:
    """The name of the live key ``key`` is, or None (unknown or revoked)."""
    found = lookup(app, key)
    return found[0] if found else None


def lookup(app: HubApp, key: str) -> tuple[str, str] | None:
    """The name and role of the live key ``key`` is, or None (unknown or revoked); records
    its use (at most once a minute)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = hash_key(key)
    with app.db.session() as s:
        row = s.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
        if row is None or row.revoked_at is not None:
            return None
        # the lookup was by hash; compare again in constant time before trusting it
        if not secrets.compare_digest(row.key_hash, digest):
            return None
        stamp = now()
        if row.last_used_at is None or stamp - row.last_used_at > TOUCH_EVERY:
            row.last_used_at = stamp
            s.add(row)
        return row.name, row.role
