"""Webhooks (signed with the app's secret, only naming the order) and connecting an account
(the app authorization against the sandbox's pages, a direct token, the required User-Agent)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import hub
from hub.auth import Callback
from hub.sandbox import SandboxOptions
from hub_nuvemshop import plugin
from hub_nuvemshop.sandbox import NuvemshopSandbox


@pytest.fixture
def served() -> Iterator[tuple[NuvemshopSandbox, dict[str, str]]]:
    sandbox = NuvemshopSandbox(SandboxOptions(seed=9, orders=12))
    with sandbox.serve() as url:
        yield sandbox, sandbox.account_settings(url)


def account(settings: dict[str, str], **changes: str | None) -> hub.Account:
    values = {**settings, **changes}
    return hub.Account(name="loja", platform="nuvemshop",
                       settings={k: v for k, v in values.items() if v is not None})


def signed(secret: str, data: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(data).encode()
    return {"X-Linkedstore-Hmac-Sha256": hub.sign_hmac(secret, body, encoding="hex")}, body


def test_a_signed_delivery_names_the_order_and_a_forged_one_is_refused(served: Any) -> None:
    sandbox, settings = served
    acct = account(settings)
    headers, body = signed(sandbox.client_secret,
                           {"store_id": int(sandbox.store_id), "event": "order/paid", "id": 900003})
    assert plugin.verify_webhook(acct, headers, body)
    event = plugin.parse_webhook(acct, headers, body)
    assert (event.order_id, event.payload, event.topic) == ("900003", None, "order/paid")
    forged, _ = signed("not-the-app-secret", json.loads(body))
    assert not plugin.verify_webhook(acct, forged, body)
    assert not plugin.verify_webhook(acct, {}, body)
    assert not plugin.verify_webhook(account(settings, client_secret=None), headers, body)
    other_headers, other = signed(sandbox.client_secret,
                                  {"store_id": 1, "event": "order/paid", "id": 900003})
    assert plugin.verify_webhook(acct, other_headers, other)
    with pytest.raises(hub.DataError, match="for store 1"):
        plugin.parse_webhook(acct, other_headers, other)
    product_headers, product = signed(sandbox.client_secret, {
        "store_id": int(sandbox.store_id), "event": "product/updated", "id": 101})
    assert plugin.parse_webhook(acct, product_headers, product).ignore


@dataclass
class BrowserSession:
    """The user's browser: opens the authorization page and lands on the redirect."""

    redirect_uri: str = "http://127.0.0.1:9/callback"
    state: str = "state-0123456789"
    pkce_verifier: str = "v" * 43
    tamper_state: bool = False

    @property
    def pkce_challenge(self) -> str:
        return hub.pkce_challenge(self.pkce_verifier)

    async def wait_for_callback(self, url: str) -> Callback:
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
        assert answer.status_code == 302
        location = httpx.URL(answer.headers["location"])
        assert str(location).startswith(self.redirect_uri)
        params = dict(location.params)
        if self.tamper_state:
            params["state"] = "someone-else"
        return Callback(params=params)

    def prompt(self, label: str, *, secret: bool = True) -> str:
        raise AssertionError("no prompt expected")


def test_the_app_authorization_stores_the_token_and_the_store_id(served: Any) -> None:
    sandbox, settings = served
    session = BrowserSession()
    sandbox.redirect_url = session.redirect_uri
    acct = account(settings, access_token=None, store_id=None)
    credentials = asyncio.run(plugin.authorize(acct, session))
    assert credentials is not None and credentials["store_id"] == sandbox.store_id
    assert credentials["access_token"] in sandbox.tokens
    assert credentials["access_token"] != sandbox.access_token
    with pytest.raises(hub.AuthError, match="state"):
        asyncio.run(plugin.authorize(account(settings, access_token=None, store_id=None),
                                     BrowserSession(tamper_state=True)))


def test_a_direct_token_is_checked_and_a_wrong_one_asks_to_reauthorize(served: Any) -> None:
    _, settings = served
    assert asyncio.run(plugin.authorize(account(settings), BrowserSession())) is None
    with pytest.raises(hub.AuthError, match="hub accounts authorize loja"):
        asyncio.run(plugin.authorize(account(settings, access_token="f" * 40), BrowserSession()))


def test_without_a_user_agent_nothing_is_sent(served: Any) -> None:
    sandbox, settings = served
    before = sandbox.stats.requests
    with pytest.raises(hub.ConfigError, match="User-Agent"):
        asyncio.run(plugin.fetch_order(account(settings, user_agent=None), "900001"))
    assert sandbox.stats.requests == before
