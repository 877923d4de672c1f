"""Access and refresh tokens for sandboxes: expiry, single-use refresh, revocation."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Grant:
    """One issued access token: whom it is for, its scope, when it expires (clock seconds)."""

    subject: str
    scope: str = ""
    expires_at: float | None = None  # None: never
    refresh_token: str | None = None
    access_token: str = ""


@dataclass
class TokenIssuer:
    """Issues tokens and checks them; refresh tokens are single-use (Mercado Libre's rule).

    :param ttl: seconds an access token lives (``None``: never expires).
    :param clock: seconds (monotonic by default; a fake clock in tests).
    :param prefix: the start of every access token (e.g. ``APP_USR-``).
    :param refresh_prefix: the start of every refresh token.
    :param refresh_revokes: a refresh also revokes the access token it was issued with.
    """

    ttl: float | None = None
    clock: Callable[[], float] = time.monotonic
    prefix: str = ""
    refresh_prefix: str = ""
    refresh_revokes: bool = False
    access: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    refreshes: int = 0
    rejected_refreshes: int = 0

    def issue(self, subject: str, scope: str = "", *, ttl: float | None = None,
              expiring: bool = True, refreshable: bool = True, token: str | None = None
              ) -> tuple[str, Grant]:
        """A new access token for ``subject`` (and a refresh token when ``refreshable``).

        :param ttl: this token's lifetime (default: the issuer's :attr:`ttl`).
        :param expiring: False for a token that never expires, whatever the ttl.
        :param token: use this access token string (e.g. a seeded app token).
        """
        lifetime = (self.ttl if ttl is None else ttl) if expiring else None
        token = token or f"{self.prefix}{secrets.token_hex(16)}"
        grant = Grant(subject, scope, None if lifetime is None else self.clock() + lifetime,
                      access_token=token)
        if refreshable:
            grant.refresh_token = f"{self.refresh_prefix}{secrets.token_hex(16)}"
            self.refresh_tokens[grant.refresh_token] = grant
        self.access[token] = grant
        return token, grant

    def lifetime(self, grant: Grant) -> float | None:
        """Seconds ``grant`` has left (None: never expires)."""
        return None if grant.expires_at is None else grant.expires_at - self.clock()

    def check(self, token: str) -> tuple[Grant | None, str]:
        """The grant ``token`` carries and ``""``; or None and ``"invalid"``/``"expired"``."""
        grant = self.access.get(token)
        if grant is None:
            return None, "invalid"
        if grant.expires_at is not None and self.clock() >= grant.expires_at:
            return None, "expired"
        return grant, ""

    def refresh(self, refresh_token: str) -> tuple[str, Grant] | None:
        """Spend ``refresh_token`` for a new pair; None when unknown or already used."""
        old = self.refresh_tokens.pop(refresh_token, None)
        if old is None:
            self.rejected_refreshes += 1
            return None
        self.refreshes += 1
        if self.refresh_revokes:
            self.access.pop(old.access_token, None)
        return self.issue(old.subject, old.scope)

    def expire_all(self) -> None:
        """Make every expiring access token expired now (tokens that never expire stay)."""
        for grant in self.access.values():
            if grant.expires_at is not None:
                grant.expires_at = self.clock() - 1

    def revoke(self, subject: str) -> int:
        """Revoke every access and refresh token of ``subject``; how many access tokens went."""
        gone = [t for t, g in self.access.items() if g.subject == subject]
        for token in gone:
            del self.access[token]
        for token in [t for t, g in self.refresh_tokens.items() if g.subject == subject]:
            del self.refresh_tokens[token]
        return len(gone)
