"""Connecting an account: check a direct token, or authorize the app on the store.

Tiendanube's OAuth 2 (authorization code only; tokens do not expire):

1. the store owner opens ``{auth_base_url}/apps/{client_id}/authorize?state=..``
   and accepts the app's scopes;
2. the store redirects to the app's redirection URL (set in the partner's
   admin: point it at the URL ``hub accounts authorize`` prints) with ``code``
   and ``state``; the code lives 30 seconds;
3. ``POST {auth_base_url}/apps/authorize/token`` with ``client_id``,
   ``client_secret``, ``grant_type=authorization_code`` and ``code`` answers
   ``access_token``, ``token_type``, ``scope`` and ``user_id``: the store's id.

The token is tried (``GET /store``) before it is stored.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode

from hub import Account, AuthError, AuthSession, ConfigError, PlatformError, json_object, register_secret
from hub_nuvemshop.client import StoreClient, token, user_agent

OAUTH_API = "nuvemshop-oauth"


def _auth_base(account: Account) -> str:
    return (account.setting("auth_base_url") or "").strip().rstrip("/")


def _app(account: Account) -> tuple[str, str]:
    client_id = (account.setting("client_id") or "").strip()
    secret = account.setting("client_secret")
    if not client_id or not secret:
        raise ConfigError(f"{account.label} has neither an access_token nor the app's "
                          "client_id and client_secret",
                          hint=f"run: hub accounts set {account.name} client_id=... "
                               "client_secret=... (or store_id=... access_token=...)")
    register_secret(secret)
    return client_id, secret


def authorize_url(account: Account, state: str) -> str:
    """The store's app-authorization page for this account's app."""
    client_id, _ = _app(account)
    return f"{_auth_base(account)}/apps/{client_id}/authorize?{urlencode({'state': state})}"


async def check_token(account: Account, access_token: str | None = None,
                      store: str | None = None) -> dict[str, Any]:
    """``GET /store`` with the token; the store's record (AuthError when refused)."""
    client = StoreClient(account, access_token, store)
    return json_object(await client.get("store"), "store")


async def exchange(account: Account, code: str) -> dict[str, Any]:
    """The token answer for an authorization code."""
    client_id, secret = _app(account)
    register_secret(code)
    http = account.client(_auth_base(account), api=OAUTH_API,
                          headers={"User-Agent": user_agent(account), "Accept": "application/json"})
    try:
        response = await http.post("/apps/authorize/token", json={
            "client_id": client_id, "client_secret": secret,
            "grant_type": "authorization_code", "code": code})
    except PlatformError as exc:
        raise AuthError(f"{account.label}: Tiendanube refused the authorization code: "
                        f"{exc.message}", hint=f"run: hub accounts authorize {account.name}") from None
    body = json_object(response, "token answer")
    if body.get("error"):  # an expired or used code answers 200 with an error body
        raise AuthError(f"{account.label}: Tiendanube refused the authorization code: "
                        f"{body.get('error_description') or body['error']}",
                        hint=f"run: hub accounts authorize {account.name}")
    return body


async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Check a direct token (None), or run the app authorization (new credentials)."""
    hint = f"run: hub accounts authorize {account.name}"
    if account.setting("access_token"):
        await check_token(account)
        return None
    callback = await session.wait_for_callback(authorize_url(account, session.state))
    params = {k: str(v) for k, v in callback.params.items()}
    if not hmac.compare_digest(params.get("state", "").encode(), session.state.encode()):
        raise AuthError(f"{account.label}: the authorization's state does not match", hint=hint)
    code = params.get("code")
    if not code:
        raise AuthError(f"{account.label}: the store sent no authorization code", hint=hint)
    body = await exchange(account, code)
    access_token, store = body.get("access_token"), str(body.get("user_id") or "")
    if not isinstance(access_token, str) or not access_token or not store.isdigit():
        raise AuthError(f"{account.label}: Tiendanube's token answer lacks the token or the "
                        "store id", hint=hint)
    register_secret(access_token)
    await check_token(account, access_token, store)
    return {"access_token": access_token, "store_id": store, "user_id": store,
            "scope": str(body.get("scope") or "")}


def has_token(account: Account) -> bool:
    """Whether the account can make requests (a direct or an authorized token)."""
    return token(account) is not None
