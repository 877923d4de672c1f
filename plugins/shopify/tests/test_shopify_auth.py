"""OAuth against the sandbox (state, hmac, shop, token exchange, refresh) and custom-app tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

import hub
from hub.auth import Callback
from hub_shopify import connect, plugin


class Browser:
    """An :class:`hub.AuthSession` that approves like a user and reads the redirect."""

    def __init__(self, tamper: dict[str, str] | None = None) -> None:
        self.redirect_uri = "http://127.0.0.1:9/callback"
        self.state = "state-0123456789"
        self.pkce_verifier = "unused"
        self.tamper = tamper or {}
        self.opened: str | None = None

    @property
    def pkce_challenge(self) -> str:
        return ""

    async def wait_for_callback(self, url: str) -> Callback:
        self.opened = url
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        assert response.status_code == 302
        params = dict(parse_qsl(urlsplit(response.headers["location"]).query))
        params.update(self.tamper)
        return Callback(params=params)

    def prompt(self, label: str, *, secret: bool = True) -> str:
        raise AssertionError("no prompt expected")


def _authorize(acct: hub.Account, session: Browser) -> Any:
    async def go() -> Any:
        try:
            return await plugin.authorize(acct, session)
        finally:
            await acct.aclose()

    import asyncio

    return asyncio.run(go())


def test_oauth_gets_an_expiring_offline_token_that_works_and_refreshes(served: Any, shop: Any
                                                                       ) -> None:
    sandbox, url = served
    acct = hub.Account(name="main", platform="shopify", settings=sandbox.oauth_settings(url))
    session = Browser()
    credentials = _authorize(acct, session)
    opened = dict(parse_qsl(urlsplit(session.opened or "").query))
    assert opened["client_id"] == sandbox.client_id and opened["state"] == session.state
    assert "write_inventory" in opened["scope"].split(",")
    assert credentials["access_token"].startswith("shpua_")
    assert credentials["refresh_token"] and credentials["expires_at"]
    assert hub.parse_datetime(credentials["expires_at"]) > hub.parse_datetime(
        "2026-01-01T00:00:00Z")
    live = shop.oauth_account(sandbox, url, {**credentials, "expires_in": 3600})

    async def use_and_refresh() -> dict[str, Any]:
        try:
            assert await connect.check_token(live) == "hub-sandbox.myshopify.com"
            return await plugin.refresh_credentials(live, live.credentials)
        finally:
            await live.aclose()

    fresh = shop.run(use_and_refresh())
    assert fresh["access_token"] != credentials["access_token"]
    assert fresh["refresh_token"] != credentials["refresh_token"]
    stale = hub.Account(name="main", platform="shopify", settings=sandbox.oauth_settings(url))
    with pytest.raises(hub.AuthError, match="refresh token"):  # single use
        shop.run(plugin.refresh_credentials(stale, credentials))


@pytest.mark.parametrize(("tamper", "why"), [
    ({"hmac": "0" * 64}, "hmac does not match"),
    ({"state": "forged"}, "state does not match"),
    ({"shop": "evil.myshopify.com"}, "hmac does not match"),
])
def test_a_tampered_callback_is_refused(served: Any, tamper: dict[str, str], why: str) -> None:
    sandbox, url = served
    acct = hub.Account(name="main", platform="shopify", settings=sandbox.oauth_settings(url))
    with pytest.raises(hub.AuthError, match=why):
        _authorize(acct, Browser(tamper))
    assert len(sandbox.codes) == 1  # the code was never exchanged


def test_callback_hmac_is_over_the_sorted_parameters() -> None:
    params = {"shop": "acme.myshopify.com", "code": "abc", "timestamp": "1700000000",
              "state": "s1"}
    signed = {**params, "hmac": connect.sign_callback(params, "secret-1")}
    assert connect.callback_message(signed) == \
        b"code=abc&shop=acme.myshopify.com&state=s1&timestamp=1700000000"
    assert connect.verify_callback(signed, "secret-1")
    assert not connect.verify_callback(signed, "secret-2")
    assert not connect.verify_callback({**signed, "code": "abd"}, "secret-1")


def test_a_custom_app_token_is_only_verified(served: Any, shop: Any) -> None:
    sandbox, url = served
    assert _authorize(shop.sandbox_account(sandbox, url), Browser()) is None
    bad = shop.sandbox_account(sandbox, url, access_token="shpat_wrong_token_value")
    with pytest.raises(hub.AuthError) as caught:
        _authorize(bad, Browser())
    assert "shpat_wrong_token_value" not in str(caught.value)
    assert "hub accounts authorize main" in str(caught.value)


def test_missing_scopes_are_reported() -> None:
    assert connect.missing_scopes(["read_orders", "read_products", "write_inventory"],
                                  "write_products,read_orders") == ["write_inventory"]


def test_without_token_or_app_keys_the_account_is_told_what_to_set(shop: Any) -> None:
    acct = shop.account(access_token=None, client_secret=None)
    with pytest.raises(hub.ConfigError, match="client_id"):
        _authorize(acct, Browser())
