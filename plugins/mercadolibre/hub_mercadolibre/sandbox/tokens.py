"""The sandbox's OAuth server: authorization codes with PKCE, 6-hour tokens, single-use refresh.

Like Mercado Libre's: codes are single-use and tied to ``redirect_uri``; a
code issued with a ``code_challenge`` needs the matching ``code_verifier``;
access tokens expire after ``ttl`` seconds on the sandbox's clock; a refresh
token is spent by its first use and a reuse answers
``400 {"error": "invalid_grant"}``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.sandbox import Grant, TokenIssuer

CODE_TTL = timedelta(minutes=10)


def error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    """A Mercado Libre error answer."""
    return status, {"message": message, "error": code, "status": status, "cause": []}


INVALID_CLIENT = error(400, "invalid_client", "invalid client_id or client_secret.")


def invalid_grant(why: str) -> tuple[int, dict[str, Any]]:
    """The answer to a bad, expired or reused code or refresh token."""
    return error(400, "invalid_grant", f"Error validating grant. {why}")


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    challenge: str | None
    method: str | None
    user_id: int
    issued: datetime
    used: bool = False


class TokenServer:
    """Codes and tokens of one app (``client_id``/``client_secret``) for one seller."""

    def __init__(self, client_id: str, client_secret: str, user_id: int,
                 clock: Callable[[], datetime], ttl: float) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.user_id = user_id
        self.clock = clock
        self.ttl = ttl
        self.codes: dict[str, Code] = {}
        self.issuer = TokenIssuer(ttl=ttl, clock=lambda: clock().timestamp(),
                                  prefix=f"APP_USR-{client_id}-", refresh_prefix="TG-")

    @property
    def access(self) -> dict[str, Grant]:
        """Live access tokens and their grants."""
        return self.issuer.access

    @property
    def refreshes(self) -> int:
        """Successful refresh_token grants."""
        return self.issuer.refreshes

    @property
    def rejected_refreshes(self) -> int:
        """Refresh tokens refused: unknown or already used."""
        return self.issuer.rejected_refreshes

    def authorize(self, client_id: str, redirect_uri: str, challenge: str | None,
                  method: str | None) -> str:
        """Issue a code for the seller (the sandbox's login page approves at once)."""
        code = f"TG-{secrets.token_hex(12)}-{self.user_id}"
        self.codes[code] = Code(client_id, redirect_uri, challenge, method, self.user_id,
                                self.clock())
        return code

    def issue(self, user_id: int) -> dict[str, Any]:
        """A new access and refresh token pair, as the token endpoint answers it."""
        return self._answer(*self.issuer.issue(str(user_id), "offline_access read write"))

    def _answer(self, access: str, grant: Grant) -> dict[str, Any]:
        return {"access_token": access, "token_type": "Bearer", "expires_in": int(self.ttl),
                "scope": grant.scope, "user_id": int(grant.subject),
                "refresh_token": grant.refresh_token}

    def token(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """``POST /oauth/token`` with a form body: (status, JSON answer)."""
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
                form.get("client_secret", ""), self.client_secret):
            return INVALID_CLIENT
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._code(form)
        if grant == "refresh_token":
            renewed = self.issuer.refresh(form.get("refresh_token", ""))
            if renewed is None:
                return invalid_grant("Your refresh token may be expired or it was already used")
            return 200, self._answer(*renewed)
        return error(400, "unsupported_grant_type", f"grant_type '{grant}' is not supported")

    def _code(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        code = self.codes.get(form.get("code", ""))
        if code is None or code.used or self.clock() - code.issued > CODE_TTL:
            return invalid_grant("Your authorization code may be expired or it was already used")
        if code.client_id != form.get("client_id") or code.redirect_uri != form.get("redirect_uri"):
            return invalid_grant("The redirect_uri does not match the one of the authorization")
        if code.challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if code.method == "plain":
                expected = verifier
            if not verifier or not secrets.compare_digest(expected, code.challenge):
                return invalid_grant("The code_verifier does not match the code_challenge")
        code.used = True
        return 200, self.issue(code.user_id)

    def user_of(self, authorization: str | None) -> tuple[int | None, tuple[int, dict[str, Any]]]:
        """The user a ``Bearer`` header authenticates, or None and the 401 to answer."""
        scheme, _, token = (authorization or "").partition(" ")
        grant, why = self.issuer.check(token) if scheme.lower() == "bearer" else (None, "invalid")
        if grant is None:
            return None, error(401, "unauthorized",
                               "expired_token" if why == "expired" else "invalid access token")
        return int(grant.subject), (200, {})
