"""The GraphQL client against scripted answers: cost pacing, THROTTLED, errors, redaction."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import respx

import hub
from hub import Action
from hub_shopify import queries
from hub_shopify.client import ShopifyClient, classify, shop_domain


def _answer(data: Any = None, errors: Any = None, extensions: Any = None,
            status: int = 200) -> httpx.Response:
    body: dict[str, Any] = {}
    if data is not None:
        body["data"] = data
    if errors is not None:
        body["errors"] = errors
    if extensions is not None:
        body["extensions"] = extensions
    return httpx.Response(status, json=body)


def _call(shop: Any, acct: hub.Account, responses: list[httpx.Response], query: str = queries.SHOP
          ) -> tuple[Any, list[httpx.Request]]:
    async def go() -> tuple[Any, list[httpx.Request]]:
        with respx.mock:
            route = respx.post(shop.GRAPHQL).mock(side_effect=responses)
            try:
                return await ShopifyClient(acct).graphql(query), \
                    [c.request for c in route.calls]
            finally:
                await acct.aclose()

    return asyncio.run(go())


THROTTLED = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]


def test_throttled_waits_for_the_bucket_then_succeeds(shop: Any) -> None:
    acct = shop.account()
    throttled = _answer(errors=THROTTLED, extensions={"cost": {
        "requestedQueryCost": 400, "actualQueryCost": None, "throttleStatus": {
            "maximumAvailable": 1000.0, "currentlyAvailable": 300.0, "restoreRate": 1000.0}}})
    ok = _answer({"shop": {"myshopifyDomain": "acme.myshopify.com"}},
                 extensions=shop.cost_ext(1, 999.0, 1000.0))
    started = time.monotonic()
    result, requests = _call(shop, acct, [throttled, ok])
    assert time.monotonic() - started >= 0.1  # (400 - 300) / 1000 points per second
    assert len(requests) == 2
    assert result.data["shop"]["myshopifyDomain"] == "acme.myshopify.com"
    assert requests[0].headers["X-Shopify-Access-Token"] == shop.TOKEN
    assert requests[0].url.path == "/admin/api/2026-07/graphql.json"
    limiter = acct.runtime.limiters["shopify-graphql"]
    assert (limiter.rate, limiter.capacity) == (1000.0, 1000.0)


def test_classify_turns_throttle_status_into_the_wait_needed() -> None:
    request = httpx.Request("POST", "https://acme.myshopify.com/admin/api/2026-07/graphql.json")
    response = httpx.Response(200, request=request, json={"errors": THROTTLED, "extensions": {
        "cost": {"requestedQueryCost": 981, "throttleStatus": {
            "maximumAvailable": 1000.0, "currentlyAvailable": 181.0, "restoreRate": 100.0}}}})
    resolution = classify(response)
    assert resolution is not None and resolution.action is Action.RATE_LIMITED
    assert resolution.retry_after == pytest.approx(8.0)
    too_big = httpx.Response(200, request=request, json={"errors": [
        {"message": "Query cost is 2000", "extensions": {"code": "MAX_COST_EXCEEDED"}}]})
    assert classify(too_big).action is Action.FAIL  # type: ignore[union-attr]
    assert classify(httpx.Response(402, request=request)).action is Action.FAIL  # type: ignore
    assert classify(httpx.Response(200, request=request, json={"data": {}})) is None


def test_persistent_throttling_ends_in_rate_limited_not_a_tight_loop(shop: Any) -> None:
    acct = shop.account()
    acct.runtime.retry = hub.RetryPolicy(max_attempts=6)  # the time budget is tested in the core
    throttled = _answer(errors=THROTTLED, extensions={"cost": {
        "requestedQueryCost": 10, "throttleStatus": {
            "maximumAvailable": 1000.0, "currentlyAvailable": 9.0, "restoreRate": 1000.0}}})
    started = time.monotonic()
    with pytest.raises(hub.RateLimited):
        _call(shop, acct, [throttled] * 10)
    assert time.monotonic() - started >= 5 * 0.001


def test_denied_customer_fields_come_back_as_paths_not_failures(shop: Any) -> None:
    acct = shop.account()
    denied = [{"message": "This app is not approved to access the Customer object.",
               "path": ["orders", "nodes", 1, "customer"],
               "extensions": {"code": "ACCESS_DENIED"}}]
    result, _ = _call(shop, acct, [_answer({"orders": {"nodes": []}}, denied,
                                           shop.cost_ext())])
    assert result.denied == [("orders", "nodes", 1, "customer")]
    scope = [{"message": "Access denied for orders field.",
              "extensions": {"code": "ACCESS_DENIED"}}]
    with pytest.raises(hub.AuthError, match="access scope"):
        _call(shop, shop.account(), [_answer(None, scope)])
    other = [{"message": "Field 'nope' doesn't exist on type 'Shop'"}]
    with pytest.raises(hub.PlatformError, match="doesn't exist"):
        _call(shop, shop.account(), [_answer(None, other)])


def test_a_rejected_token_is_an_auth_error_without_the_token(shop: Any) -> None:
    acct = shop.account()
    with pytest.raises(hub.AuthError) as caught:
        _call(shop, acct, [httpx.Response(401, json={
            "errors": f"[API] Invalid API key or access token {shop.TOKEN}"})])
    assert shop.TOKEN not in str(caught.value)
    assert "hub accounts authorize main" in str(caught.value)


def test_shop_names_and_settings(shop: Any) -> None:
    for raw in ("acme", "ACME.myshopify.com", "https://acme.myshopify.com/admin"):
        assert shop_domain(shop.account(shop=raw)) == "acme.myshopify.com"
    with pytest.raises(hub.ConfigError):
        shop_domain(shop.account(shop="my shop!"))
    with pytest.raises(hub.ConfigError, match="api_version"):
        ShopifyClient(shop.account(api_version="latest"))
    with pytest.raises(hub.ConfigError, match="authorize"):
        ShopifyClient(shop.account(access_token=None))
