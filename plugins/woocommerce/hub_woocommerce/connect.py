"""Connecting an account: check configured keys, or get keys from the store.

WooCommerce's app-authorization flow: the user opens
``{store}/wc-auth/v1/authorize?app_name=..&scope=read_write&user_id=..&return_url=..&callback_url=..``,
logs in and approves; the store then POSTs the new keys as JSON
(``key_id``, ``user_id``, ``consumer_key``, ``consumer_secret``,
``key_permissions``) to ``callback_url`` and sends the browser to
``return_url?success=1&user_id=..``. The real store requires an https callback.
"""

from __future__ import annotations

from typing import Any

import httpx

from hub import Account, AuthError, AuthSession
from hub_woocommerce.client import WooClient, store_url

APP_NAME = "hub"
SCOPE = "read_write"


def authorize_url(account: Account, redirect_uri: str, state: str) -> str:
    """The store's key-request page for this account, coming back to ``redirect_uri``.

    WooCommerce has no ``state``: it posts the keys to ``callback_url`` as given,
    with the ``user_id`` it was given. The session's state goes in both (the
    callback URL's query, which the hub matches like any OAuth2 redirect, and
    ``user_id``, checked by :func:`authorize`), so the hub accepts only the answer
    to the request it made.
    """
    url = httpx.URL(f"{store_url(account)}/wc-auth/v1/authorize")
    callback_url = str(httpx.URL(redirect_uri).copy_merge_params({"state": state}))
    return str(url.copy_merge_params({
        "app_name": APP_NAME, "scope": SCOPE, "user_id": state,
        "return_url": redirect_uri, "callback_url": callback_url,
    }))


async def check_keys(account: Account, credentials: tuple[str, str] | None = None) -> None:
    """One cheap authenticated read (``GET /orders?per_page=1``); AuthError when refused."""
    client = WooClient(account, credentials)
    await client.get("orders", {"per_page": 1})


async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Verify configured keys (None), or run the app-authorization flow (new credentials)."""
    if account.setting("consumer_key") and account.setting("consumer_secret"):
        await check_keys(account)
        return None
    callback = await session.wait_for_callback(authorize_url(account, session.redirect_uri,
                                                             session.state))
    body = callback.body
    if "user_id" in body and str(body["user_id"]) != session.state:
        raise AuthError(f"{account.label}: the store answered a different authorization request",
                        hint=f"run: hub accounts authorize {account.name}")
    key, secret = body.get("consumer_key"), body.get("consumer_secret")
    if not (isinstance(key, str) and key and isinstance(secret, str) and secret):
        denied = callback.params.get("success") == "0"
        raise AuthError(f"{account.label}: " + ("the store owner denied access" if denied
                                                  else "the store sent no API keys"),
                        hint=f"run: hub accounts authorize {account.name}")
    permissions = str(body.get("key_permissions") or SCOPE)
    if permissions != "read_write":
        raise AuthError(f"{account.label}: the keys only allow '{permissions}'; "
                        "the hub needs read_write",
                        hint=f"run: hub accounts authorize {account.name}")
    await check_keys(account, (key, secret))
    credentials: dict[str, Any] = {"consumer_key": key, "consumer_secret": secret,
                                   "key_permissions": permissions}
    for extra in ("key_id",):
        if body.get(extra) not in (None, ""):
            credentials[extra] = str(body[extra])
    return credentials

