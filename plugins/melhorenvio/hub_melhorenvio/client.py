"""Authorization (OAuth2 code flow with refresh) and the API client of Melhor Envio.

The user opens ``{host}/oauth/authorize?client_id&redirect_uri&response_type=code
&state&scope`` (scopes space-separated), logs in and approves; Melhor Envio
redirects to ``redirect_uri?code&state`` (the core checks ``state``). The code is
exchanged at ``POST {host}/oauth/token`` (``grant_type=authorization_code``,
client id and secret, redirect URI, code) for a Bearer token (``expires_in``
2592000: 30 days) and a refresh token (45 days); ``grant_type=refresh_token``
returns a new pair. The core's token refresher calls :func:`refresh` (one at a
time per account) before expiry or when the API answers 401 ``Unauthenticated.``;
a refused refresh asks the user to authorize the account again.

Every request carries ``Accept: application/json`` and the ``User-Agent`` Melhor
Envio requires: the app's name and a technical contact e-mail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub import Account, AuthError, AuthSession, HttpClient, PlatformError, json_body, register_secret
from hub_melhorenvio.info import BASE_URL, SCOPES

TOKEN_PATH = "oauth/token"
DEFAULT_TTL = 2592000
"""Seconds an access token lives when the answer does not say (30 days)."""


def base_url(account: Account) -> str:
    return (account.setting("base_url") or BASE_URL).rstrip("/")


def headers(account: Account) -> dict[str, str]:
    """What Melhor Envio wants on every request (its User-Agent names a contact e-mail)."""
    return {"Accept": "application/json",
            "User-Agent": f"hub-melhorenvio ({account.require('contact_email')})"}


def _hint(account: Account) -> str:
    return f"run: hub accounts authorize {account.name}"


def authorization_url(account: Account, session: AuthSession) -> str:
    url = httpx.URL(f"{base_url(account)}/oauth/authorize")
    return str(url.copy_merge_params({
        "client_id": account.require("client_id"), "redirect_uri": session.redirect_uri,
        "response_type": "code", "state": session.state,
        "scope": account.setting("scopes") or SCOPES}))


async def _token_request(account: Account, form: dict[str, str], what: str) -> dict[str, Any]:
    """POST the token form; Melhor Envio's OAuth refusals become AuthError."""
    secret = account.require("client_secret")
    register_secret(secret)
    http = account.client(f"{base_url(account)}/", api="melhorenvio-oauth",
                          headers=headers(account), rate=account.core.requests_per_second)
    response = await http.post(TOKEN_PATH, data={
        **form, "client_id": account.require("client_id"), "client_secret": secret},
        expect={400, 401}, idempotent=True)
    body = json_body(response, f"POST {TOKEN_PATH}")
    if not isinstance(body, dict):
        raise PlatformError(f"{account.label}: {what}: the token endpoint answered no object",
                            status=response.status_code)
    if response.status_code >= 400:
        code = str(body.get("error") or "")
        detail = str(body.get("error_description") or body.get("message") or code or "refused")
        if code == "invalid_client":
            raise AuthError(f"{account.label}: Melhor Envio rejected client_id/client_secret "
                            f"({detail})",
                            hint=f"check the app's credentials: hub accounts set {account.name} "
                                 "client_id=... client_secret=...")
        raise AuthError(f"{account.label}: {what} was refused ({detail})", hint=_hint(account))
    return _tokens(account, body, what)


def _tokens(account: Account, body: dict[str, Any], what: str) -> dict[str, Any]:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthError(f"{account.label}: {what} returned no access token", hint=_hint(account))
    register_secret(access)
    try:
        ttl = int(body.get("expires_in") or DEFAULT_TTL)
    except (TypeError, ValueError):
        ttl = DEFAULT_TTL
    tokens: dict[str, Any] = {"access_token": access,
                              "expires_at": (datetime.now(UTC) + timedelta(seconds=ttl)).isoformat()}
    refresh_token = body.get("refresh_token")
    if isinstance(refresh_token, str) and refresh_token:
        register_secret(refresh_token)
        tokens["refresh_token"] = refresh_token
    return tokens


async def authorize(account: Account, session: AuthSession) -> dict[str, Any]:
    """The authorization-code flow: the user approves the app, the code becomes tokens."""
    params = (await session.wait_for_callback(authorization_url(account, session))).params
    if params.get("error"):
        raise AuthError(f"{account.label}: the app was not authorized "
                        f"({params.get('error_description') or params['error']})",
                        hint=_hint(account))
    code = params.get("code")
    if not code:
        raise AuthError(f"{account.label}: Melhor Envio sent no authorization code",
                        hint=_hint(account))
    register_secret(code)
    return await _token_request(account, {"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": session.redirect_uri},
                                "the authorization code exchange")


async def refresh(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """Spend the stored refresh token for a new pair (the core calls this, locked)."""
    token = credentials.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise AuthError(f"{account.label}: no refresh token is stored", hint=_hint(account))
    return await _token_request(account, {"grant_type": "refresh_token", "refresh_token": token},
                                "the token refresh")


def api(account: Account) -> HttpClient:
    """The ``/api/v2/me`` client: the stored token as ``Authorization: Bearer``, refreshed by
    the core, paced by the account's ``requests_per_second``."""
    return account.client(f"{base_url(account)}/api/v2/me/", api="melhorenvio",
                          token_header="Authorization",
                          headers={**headers(account), "Content-Type": "application/json"},
                          rate=account.core.requests_per_second)
