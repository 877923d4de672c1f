"""Tokens for sandboxes: authorization codes (PKCE), access tokens with expiry,
single-use refresh, revocation."""

from __future__ import annotations

import enum
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.auth import pkce_challenge


@dataclass
class Grant:
    """One issued access token: whom it is for, its scope, when it expires (clock seconds)."""

    subject: str
    scope: str = ""
    expires_at: float | None = None  # None: never
    refresh_token: str | None = None
    access_token: str = ""


@dataclass
class AuthCode:
    """An authorization code: single-use, short-lived, tied to the client, redirect URI and
    PKCE challenge it was issued for (None: not checked)."""

    subject: str
    scope: str = ""
    client_id: str | None = None
    redirect_uri: str | None = None
    challenge: str | None = None
    method: str | None = None  # "S256" (the default) or "plain"
    issued: float = 0.0
    used: bool = False


class CodeProblem(enum.Enum):
    """Why an authorization code was not redeemed."""

    INVALID = "unknown, already used or expired"
    MISMATCH = "issued to another client or redirect_uri"
    VERIFIER = "the code_verifier does not match the code_challenge"


@dataclass
class TokenIssuer:
    """Issues tokens and checks them; refresh tokens are single-use (Mercado Libre's rule).

    :param ttl: seconds an access token lives (``None``: never expires).
    :param clock: seconds (monotonic by default; a fake clock in tests).
    :param prefix: the start of every access token (e.g. ``APP_USR-``).
    :param refresh_prefix: the start of every refresh token.
    :param refresh_revokes: a refresh also revokes the access token it was issued with.
    :param code_ttl: seconds an authorization code may wait to be redeemed.
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
    code_ttl: float = 600.0
    codes: dict[str, AuthCode] = field(default_factory=dict)

    def authorization_code(self, subject: str, scope: str = "", *, client_id: str | None = None,
                           redirect_uri: str | None = None, challenge: str | None = None,
                           method: str | None = None, code: str | None = None) -> str:
        """A new authorization code for ``subject`` (``code``: use this string)."""
        code = code or secrets.token_hex(16)
        self.codes[code] = AuthCode(subject, scope, client_id, redirect_uri, challenge, method,
                                    self.clock())
        return code

    def redeem(self, code: str, *, client_id: str | None = None, redirect_uri: str | None = None,
               verifier: str | None = None) -> tuple[AuthCode | None, CodeProblem | None]:
        """Spend ``code``: its :class:`AuthCode` and None, or None and the :class:`CodeProblem`
        (a code refused for a mismatch stays unspent)."""
        found = self.codes.get(code)
        if found is None or found.used or self.clock() - found.issued > self.code_ttl:
            return None, CodeProblem.INVALID
        if (found.client_id is not None and found.client_id != client_id) or \
                (found.redirect_uri is not None and found.redirect_uri != redirect_uri):
            return None, CodeProblem.MISMATCH
        if found.challenge is not None:
            try:
                expected = verifier if found.method == "plain" else pkce_challenge(verifier or "")
            except UnicodeEncodeError:
                expected = None
            if not verifier or not expected or not secrets.compare_digest(expected, found.challenge):
                return None, CodeProblem.VERIFIER
        found.used = True
        return found, None

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
