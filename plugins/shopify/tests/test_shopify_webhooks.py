"""Webhooks: Shopify's signature, shop check, topics, dedupe; bodies parse like GraphQL nodes."""

from __future__ import annotations

import json
from typing import Any

import httpx

import hub
from hub_shopify import plugin


def _capture(sandbox: Any) -> list[httpx.Request]:
    received: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200)

    sandbox.webhook_transport = httpx.MockTransport(handler)
    return received


def test_sandbox_deliveries_verify_and_parse_like_the_graphql_order(served: Any, shop: Any
                                                                    ) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url)
    received = _capture(sandbox)
    order = next(o for o in sandbox.store.orders.values()
                 if o["customer"] and o["shippingAddress"] and o["_presentment"] != "USD")
    oid = order["legacyResourceId"]
    assert shop.run(sandbox.deliver_webhook("http://hub/webhooks/shopify/main",
                                            "orders/updated", oid)) == 200
    assert shop.run(sandbox.redeliver()) == 200
    first, again = received
    headers, body = dict(first.headers), first.content
    assert plugin.verify_webhook(acct, headers, body)
    event = plugin.parse_webhook(acct, headers, body)
    assert event.topic == "orders/updated" and event.payload is not None
    assert plugin.parse_webhook(acct, dict(again.headers), again.content).dedupe_key == \
        event.dedupe_key == headers["x-shopify-webhook-id"]

    async def fetch() -> Any:
        try:
            return await plugin.fetch_order(acct, oid)
        finally:
            await acct.aclose()

    from_api = plugin.parse_order(acct, shop.run(fetch()))
    from_webhook = plugin.parse_order(acct, event.payload)
    assert from_webhook.model_dump(exclude={"raw"}) == from_api.model_dump(exclude={"raw"})


def test_bad_signatures_and_other_shops_are_refused(served: Any, shop: Any) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url)
    received = _capture(sandbox)
    oid = next(iter(sandbox.store.orders.values()))["legacyResourceId"]
    shop.run(sandbox.deliver_webhook("http://hub/x", "orders/create", oid))
    headers, body = dict(received[0].headers), received[0].content
    assert plugin.verify_webhook(acct, headers, body)
    reserialized = json.dumps(json.loads(body), indent=2).encode()
    assert not plugin.verify_webhook(acct, headers, reserialized)
    assert not plugin.verify_webhook(acct, headers, body.replace(b'"name"', b'"nom"'))
    assert not plugin.verify_webhook(acct, {**headers, "x-shopify-shop-domain":
                                            "other.myshopify.com"}, body)
    assert not plugin.verify_webhook(acct, {k: v for k, v in headers.items()
                                            if k != "x-shopify-hmac-sha256"}, body)
    # the app's secret is shared by every shop that installed it: no shop named, no delivery
    assert not plugin.verify_webhook(acct, {k: v for k, v in headers.items()
                                            if k != "x-shopify-shop-domain"}, body)
    other_secret = shop.sandbox_account(sandbox, url, webhook_secret="admin-made-secret")
    assert not plugin.verify_webhook(other_secret, headers, body)


def test_topics_payload_refetch_or_ignore(shop: Any) -> None:
    acct = shop.account()

    def event(topic: str, body: dict[str, Any]) -> hub.WebhookEvent:
        return plugin.parse_webhook(acct, {"X-Shopify-Topic": topic,
                                           "X-Shopify-Webhook-Id": "w-1"},
                                    json.dumps(body).encode())

    for topic in ("orders/create", "orders/updated", "orders/paid", "orders/cancelled"):
        parsed = event(topic, shop.rest_order())
        assert parsed.payload is not None and not parsed.ignore
    assert event("orders/delete", {"id": 5500000123}).order_id == "5500000123"
    assert event("orders/edited", {"order_edit": {"id": 1, "order_id": 77}}).order_id == "77"
    for topic in ("customers/redact", "shop/redact", "customers/data_request",
                  "products/update", "app/uninstalled"):
        ignored = event(topic, {"id": 1})
        assert ignored.ignore and ignored.dedupe_key == "w-1"
