"""Connecting an account: verify a custom app's token, or run Shopify's OAuth code flow.

OAuth (authorization code, offline token):

1. the user opens ``{shop}/admin/oauth/authorize?client_id&scope&redirect_uri&state``
   and approves the app;
2. Shopify redirects to ``redirect_uri?code&hmac&host&shop&state&timestamp``;
   the plugin checks ``state`` against the session's, the ``hmac`` (hex
   HMAC-SHA256 of the other parameters sorted by name, keyed by the client
   secret, compared in constant time) and that ``shop`` is the account's shop;
3. ``POST {shop}/admin/oauth/access_token {client_id, client_secret, code, expiring}``
   returns the offline token; with ``expiring=1`` also ``expires_in`` (1 h),
   a rotating ``refresh_token`` and ``refresh_token_expires_in``;
4. the token is tried with a ``shop`` query before it is stored.

:func:`refresh` exchanges the refresh token (``grant_type=refresh_token``) at
the same endpoint; the core calls it once at a time per account.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from hub import (
    Account,
    AuthError,
    AuthSession,
    ConfigError,
    PlatformError,
    register_secret,
    sign_hmac,
    verify_hmac,
)
from hub_shopify import queries
from hub_shopify.client import (
    TOKEN_HEADER,
    USER_AGENT,
    ShopifyClient,
    api_version,
    shop_domain,
    shop_url,
    static_token,
)
from hub_shopify.info import DEFAULT_SCOPES

OAUTH_API = "shopify-oauth"


def callback_message(params: Mapping[str, str]) -> bytes:
    """What Shopify signs on a redirect: ``k=v`` pairs but ``hmac``/``signature``, sorted, ``&``-joined."""
    pairs = sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature"))
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def sign_callback(params: Mapping[str, str], secret: str) -> str:
    """The ``hmac`` Shopify adds to a redirect carrying ``params`` (hex)."""
    return sign_hmac(secret, callback_message(params), encoding="hex")


def verify_callback(params: Mapping[str, str], secret: str) -> bool:
    """Whether the redirect's ``hmac`` matches its other parameters (constant time)."""
    return verify_hmac(secret, callback_message(params), params.get("hmac"), encoding="hex")


def _app(account: Account) -> tuple[str, str]:
    client_id = account.setting("client_id")
    secret = account.setting("client_secret")
    if not client_id or not secret:
        raise ConfigError(f"{account.label} has neither an access_token nor OAuth app keys",
                          hint=f"run: hub accounts set {account.name} client_id=... "
                               "client_secret=... (or access_token=shpat_...)")
    register_secret(secret)
    return client_id, secret


def authorize_url(account: Account, redirect_uri: str, state: str) -> str:
    """The shop's app-approval page for this account's app and scopes."""
    client_id, _ = _app(account)
    scopes = ",".join(account.setting_list("scopes", DEFAULT_SCOPES.split(",")))
    query = urlencode({"client_id": client_id, "scope": scopes, "redirect_uri": redirect_uri,
                       "state": state})
    return f"{shop_url(account)}/admin/oauth/authorize?{query}"


def _expiry(seconds: Any, now: datetime) -> str | None:
    try:
        return (now + timedelta(seconds=float(seconds))).isoformat() if seconds else None
    except (TypeError, ValueError):
        return None


def credentials_from(body: Mapping[str, Any]) -> dict[str, Any]:
    """Stored credentials from a token answer (``expires_at`` as an aware ISO datetime)."""
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthError("Shopify's token answer has no access_token")
    register_secret(token)
    now = datetime.now(UTC)
    creds: dict[str, Any] = {"access_token": token, "scope": str(body.get("scope") or "")}
    if body.get("refresh_token"):
        register_secret(str(body["refresh_token"]))
        creds["refresh_token"] = str(body["refresh_token"])
    expires_at = _expiry(body.get("expires_in"), now)
    creds["expires_at"] = expires_at
    refresh_expires = _expiry(body.get("refresh_token_expires_in"), now)
    if refresh_expires:
        creds["refresh_token_expires_at"] = refresh_expires
    return creds


async def _token_request(account: Account, form: dict[str, str], what: str) -> dict[str, Any]:
    http = account.client(shop_url(account), api=OAUTH_API,
                          headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        response = await http.post("/admin/oauth/access_token", json=form)
    except PlatformError as exc:  # 400: bad or used code / refresh token
        raise AuthError(f"{account.label}: Shopify refused the {what}: {exc.message}",
                        hint=f"run: hub accounts authorize {account.name}") from None
    try:
        body = response.json()
    except ValueError:
        raise AuthError(f"{account.label}: Shopify's token answer is not JSON") from None
    if not isinstance(body, dict):
        raise AuthError(f"{account.label}: Shopify's token answer is not an object")
    return body


def missing_scopes(requested: list[str], granted: str) -> list[str]:
    """Requested scopes the grant lacks (a ``write_`` scope implies its ``read_``)."""
    have = {s.strip() for s in granted.split(",") if s.strip()}
    return [s for s in requested
            if s not in have and not (s.startswith("read_") and f"write_{s[5:]}" in have)]


async def check_token(account: Account, token: str | None = None) -> str:
    """Run the ``shop`` query with ``token`` (default: the account's); return the shop domain."""
    if token is None:
        result = await ShopifyClient(account).graphql(queries.SHOP, what="token check")
        shop = result.data.get("shop") or {}
    else:
        http = account.client(shop_url(account), api=OAUTH_API,
                              headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        response = await http.post(f"/admin/api/{api_version(account)}/graphql.json",
                                   json={"query": queries.SHOP}, headers={TOKEN_HEADER: token},
                                   idempotent=True)
        shop = ((response.json() or {}).get("data") or {}).get("shop") or {}
    domain = shop.get("myshopifyDomain")
    if not isinstance(domain, str):
        raise AuthError(f"{account.label}: the token did not reach the shop")
    return domain


async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Verify a custom app's token (None), or run the OAuth code flow (new credentials)."""
    if static_token(account):
        await check_token(account)
        return None
    client_id, secret = _app(account)
    callback = await session.wait_for_callback(
        authorize_url(account, session.redirect_uri, session.state))
    params = {k: str(v) for k, v in callback.params.items()}
    hint = f"run: hub accounts authorize {account.name}"
    if not hmac.compare_digest(params.get("state", "").encode(), session.state.encode()):
        raise AuthError(f"{account.label}: the OAuth state does not match", hint=hint)
    if not verify_callback(params, secret):
        raise AuthError(f"{account.label}: the OAuth callback's hmac does not match "
                        "(wrong client_secret, or a forged redirect)", hint=hint)
    if params.get("shop", "").lower() != shop_domain(account):
        raise AuthError(f"{account.label}: the callback names shop '{params.get('shop')}', "
                        f"not {shop_domain(account)}", hint=hint)
    code = params.get("code")
    if not code:
        raise AuthError(f"{account.label}: the callback carries no authorization code", hint=hint)
    register_secret(code)
    expiring = "1" if account.setting_bool("expiring_tokens", True) else "0"
    body = await _token_request(account, {"client_id": client_id, "client_secret": secret,
                                          "code": code, "expiring": expiring},
                                "authorization code")
    credentials = credentials_from(body)
    requested = account.setting_list("scopes", DEFAULT_SCOPES.split(","))
    missing = missing_scopes(requested, credentials["scope"])
    if missing:
        raise AuthError(f"{account.label}: the app was not granted {', '.join(missing)}",
                        hint=hint)
    await check_token(account, credentials["access_token"])
    return credentials


async def refresh(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """New credentials for an expiring offline token (the refresh token rotates)."""
    refresh_token = credentials.get("refresh_token")
    if not refresh_token:
        raise AuthError(f"{account.label}: the token expired and there is no refresh token",
                        hint=f"run: hub accounts authorize {account.name}")
    client_id, secret = _app(account)
    body = await _token_request(account, {"client_id": client_id, "client_secret": secret,
                                          "grant_type": "refresh_token",
                                          "refresh_token": str(refresh_token)},
                                "refresh token")
    return credentials_from(body)
