"""The client on the wire (respx): headers, Link paging kept on the API's host, empty listings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

import hub
from hub_nuvemshop import plugin

API = "https://api.tiendanube.com/v1/123456"
TOKEN = "61181d08b7e328d256736hdcb671c3ce50b8af5"


def account() -> hub.Account:
    return hub.Account(name="loja", platform="nuvemshop", settings={
        "store_id": "123456", "access_token": TOKEN, "user_agent": "Acme ERP (ops@acme.example)",
        "client_id": "123", "client_secret": "abcdef",
        "base_url": "https://api.tiendanube.com/v1", "auth_base_url": "https://www.tiendanube.com"})


def scan(acct: hub.Account) -> list[Any]:
    async def go() -> list[Any]:
        found = []
        async for page in plugin.fetch_orders(acct, datetime(2024, 1, 1, tzinfo=UTC), None):
            found.append(page)
        await acct.aclose()
        return found
    return asyncio.run(go())


@respx.mock
def test_requests_carry_the_bearer_token_and_the_user_agent_and_empty_listings_end() -> None:
    route = respx.get(f"{API}/orders").mock(return_value=httpx.Response(
        404, json={"code": 404, "message": "Not Found", "description": "Last page is 0"}))
    pages = scan(account())
    assert pages[-1].checkpoint is not None and not any(p.payloads for p in pages)
    sent = route.calls[0].request
    assert sent.headers["authentication"] == f"bearer {TOKEN}"
    assert sent.headers["user-agent"] == "Acme ERP (ops@acme.example)"
    assert sent.url.params["updated_at_min"] == "2023-12-31T23:59:59+00:00"
    assert sent.url.params["per_page"] == "200"
    assert {c.request.url.params.get("status") for c in route.calls} >= {"cancelled"}
    assert {c.request.url.params.get("payment_status") for c in route.calls} >= {"refunded"}


@respx.mock
def test_a_link_to_another_host_is_not_followed() -> None:
    respx.get(f"{API}/orders").mock(return_value=httpx.Response(
        200, json=[{"id": 1}], headers={"Link": '<https://evil.example/steal?page=2>; rel="next"'}))
    evil = respx.get(url__startswith="https://evil.example/").mock(return_value=httpx.Response(200))
    with pytest.raises(hub.DataError, match="another host"):
        scan(account())
    assert not evil.called


@respx.mock
def test_a_404_that_is_not_an_empty_listing_fails() -> None:
    respx.get(f"{API}/orders").mock(return_value=httpx.Response(
        404, json={"code": 404, "message": "Not Found", "description": "Store not found"}))
    with pytest.raises(hub.PlatformError):
        scan(account())
