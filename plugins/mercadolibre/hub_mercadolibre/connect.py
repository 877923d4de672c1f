"""Connecting a seller: OAuth2 authorization code with PKCE, token refresh, ``/users/me``.

The seller opens ``{auth host}/authorization?response_type=code&client_id=..
&redirect_uri=..&state=..&code_challenge=..&code_challenge_method=S256`` on
their country's host, logs in (as the account's administrator) and approves;
Mercado Libre redirects to ``redirect_uri?code=..&state=..`` (the core checks
``state``). The code is exchanged at ``POST /oauth/token`` (form body) with
the client secret and the PKCE ``code_verifier``. Access tokens last 6 hours;
a refresh token can be used once (``grant_type=refresh_token`` returns a new
pair and invalidates the old one), so only the core's per-account refresher
ever calls :func:`refresh`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub import Account, AuthError, AuthSession, DataError, PlatformError, register_secret
from hub_mercadolibre.client import (
    JSON_HEADERS,
    api_url,
    auth_url,
    error_text,
    json_object,
    rate,
)

TOKEN_PATH = "/oauth/token"
DEFAULT_TTL = 21600  # seconds: Mercado Libre's access tokens last 6 hours


def _hint(account: Account) -> str:
    return f"run: hub accounts authorize {account.name}"


def authorization_url(account: Account, session: AuthSession) -> str:
    """The seller's authorization page for this account, with state and the PKCE challenge."""
    url = httpx.URL(f"{auth_url(account)}/authorization")
    return str(url.copy_merge_params({
        "response_type": "code", "client_id": account.require("client_id"),
        "redirect_uri": session.redirect_uri, "state": session.state,
        "code_challenge": session.pkce_challenge, "code_challenge_method": "S256",
    }))


def _oauth_client(account: Account) -> Any:
    """The token endpoint's client: same host, no bearer token (the secret is in the form)."""
    return account.client(api_url(account), api="meli-oauth", headers=JSON_HEADERS,
                          rate=rate(account))


async def _token_request(account: Account, form: dict[str, str], what: str) -> dict[str, Any]:
    """POST the token form; map Mercado Libre's OAuth errors to AuthError."""
    secret = account.require("client_secret")
    register_secret(secret)
    response = await _oauth_client(account).post(
        TOKEN_PATH, data={**form, "client_id": account.require("client_id"),
                          "client_secret": secret},
        expect={400, 401, 403})
    if response.status_code >= 400:
        detail = error_text(response)
        try:
            code = str(json_object(response, what).get("error") or "")
        except DataError:
            code = ""
        if code == "invalid_client":
            raise AuthError(f"{account.label}: Mercado Libre rejected client_id/client_secret "
                            f"({detail})",
                            hint=f"check the DevCenter credentials: hub accounts set {account.name} "
                                 "client_id=... client_secret=...")
        if code == "invalid_grant" or response.status_code in (401, 403):
            raise AuthError(f"{account.label}: {what} was refused ({detail})", hint=_hint(account))
        raise PlatformError(f"{account.label}: {what} failed ({detail})",
                            status=response.status_code)
    return _tokens(account, json_object(response, what), what)


def _tokens(account: Account, body: dict[str, Any], what: str) -> dict[str, Any]:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthError(f"{account.label}: {what} returned no access token", hint=_hint(account))
    register_secret(access)
    refresh = body.get("refresh_token")
    if isinstance(refresh, str) and refresh:
        register_secret(refresh)
    try:
        ttl = int(body.get("expires_in") or DEFAULT_TTL)
    except (TypeError, ValueError):
        ttl = DEFAULT_TTL
    tokens: dict[str, Any] = {
        "access_token": access,
        "expires_at": (datetime.now(UTC) + timedelta(seconds=ttl)).isoformat(),
    }
    if isinstance(refresh, str) and refresh:
        tokens["refresh_token"] = refresh
    if body.get("user_id") is not None:
        tokens["user_id"] = str(body["user_id"])
    if body.get("scope"):
        tokens["scope"] = str(body["scope"])
    return tokens


async def whoami(account: Account, access_token: str) -> dict[str, Any]:
    """``GET /users/me`` with ``access_token``: the seller's id and nickname."""
    response = await _oauth_client(account).get(
        "/users/me", headers={"Authorization": f"Bearer {access_token}"})
    user = json_object(response, "GET /users/me")
    if user.get("id") in (None, ""):
        raise DataError(f"{account.label}: /users/me returned no user id")
    return user


async def authorize(account: Account, session: AuthSession) -> dict[str, Any]:
    """Run the authorization-code flow; return tokens, ``seller_id`` and ``nickname``."""
    callback = await session.wait_for_callback(authorization_url(account, session))
    params = callback.params
    if params.get("error"):
        raise AuthError(f"{account.label}: the seller did not authorize the app "
                        f"({params.get('error_description') or params['error']})",
                        hint=_hint(account))
    code = params.get("code")
    if not code:
        raise AuthError(f"{account.label}: Mercado Libre sent no authorization code",
                        hint=_hint(account))
    register_secret(code)
    tokens = await _token_request(account, {
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": session.redirect_uri, "code_verifier": session.pkce_verifier,
    }, "the authorization code exchange")
    user = await whoami(account, tokens["access_token"])
    seller = str(user["id"])
    if tokens.get("user_id") not in (None, seller):
        raise AuthError(f"{account.label}: the token belongs to user {tokens['user_id']}, "
                        f"but /users/me says {seller}", hint=_hint(account))
    tokens.pop("user_id", None)
    return {**tokens, "seller_id": seller, "nickname": str(user.get("nickname") or ""),
            "site_id": str(user.get("site_id") or "")}


async def refresh(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """Spend the stored single-use refresh token for a new pair (the core calls this, locked)."""
    token = credentials.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise AuthError(f"{account.label}: no refresh token is stored (connect the account, and "
                        "give the app the offline_access scope)", hint=_hint(account))
    tokens = await _token_request(account, {"grant_type": "refresh_token", "refresh_token": token},
                                  "the token refresh")
    seller = credentials.get("seller_id")
    user = tokens.pop("user_id", None)
    if seller and user and str(user) != str(seller):
        raise AuthError(f"{account.label}: the refreshed token belongs to user {user}, not the "
                        f"connected seller {seller}", hint=_hint(account))
    return tokens
