"""The sandbox's OAuth server: authorization codes with PKCE, 6-hour tokens, single-use refresh.

Like Mercado Libre's: codes are single-use and tied to ``redirect_uri``; a
code issued with a ``code_challenge`` needs the matching ``code_verifier``;
access tokens expire after ``ttl`` seconds on the sandbox's clock; a refresh
token is spent by its first use and a reuse answers
``400 {"error": "invalid_grant"}``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from hub.sandbox import CodeProblem, Grant, TokenIssuer

CODE_TTL = timedelta(minutes=10)
CODE_PROBLEMS = {
    CodeProblem.INVALID: "Your authorization code may be expired or it was already used",
    CodeProblem.MISMATCH: "The redirect_uri does not match the one of the authorization",
    CodeProblem.VERIFIER: "The code_verifier does not match the code_challenge",
}


def error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
    """A Mercado Libre error answer."""
    return status, {"message": message, "error": code, "status": status, "cause": []}


INVALID_CLIENT = error(400, "invalid_client", "invalid client_id or client_secret.")


def invalid_grant(why: str) -> tuple[int, dict[str, Any]]:
    """The answer to a bad, expired or reused code or refresh token."""
    return error(400, "invalid_grant", f"Error validating grant. {why}")


class TokenServer:
    """Codes and tokens of one app (``client_id``/``client_secret``) for one seller."""

    def __init__(self, client_id: str, client_secret: str, user_id: int,
                 clock: Callable[[], datetime], ttl: float) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.user_id = user_id
        self.clock = clock
        self.ttl = ttl
        self.issuer = TokenIssuer(ttl=ttl, clock=lambda: clock().timestamp(),
                                  prefix=f"APP_USR-{client_id}-", refresh_prefix="TG-",
                                  code_ttl=CODE_TTL.total_seconds())

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
        return self.issuer.authorization_code(
            str(self.user_id), client_id=client_id, redirect_uri=redirect_uri,
            challenge=challenge, method=method, code=f"TG-{secrets.token_hex(12)}-{self.user_id}")

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
        code, problem = self.issuer.redeem(form.get("code", ""), client_id=form.get("client_id"),
                                           redirect_uri=form.get("redirect_uri"),
                                           verifier=form.get("code_verifier", ""))
        if code is None:
            return invalid_grant(CODE_PROBLEMS[problem or CodeProblem.INVALID])
        return 200, self.issue(int(code.subject))

    def user_of(self, authorization: str | None) -> tuple[int | None, tuple[int, dict[str, Any]]]:
        """The user a ``Bearer`` header authenticates, or None and the 401 to answer."""
        scheme, _, token = (authorization or "").partition(" ")
        grant, why = self.issuer.check(token) if scheme.lower() == "bearer" else (None, "invalid")
        if grant is None:
            return None, error(401, "unauthorized",
                               "expired_token" if why == "expired" else "invalid access token")
        return int(grant.subject), (200, {})
