"""The plugin against its sandbox, served on 127.0.0.1: scans, faults, pushes, auth, webhooks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import hub
from hub.sandbox import SandboxOptions, serve
from hub_woocommerce import plugin
from hub_woocommerce.auth import OAuth1Auth
from hub_woocommerce.sandbox import WooCommerceSandbox

T = TypeVar("T")
NOW = datetime(2024, 5, 20, 15, 0, tzinfo=UTC)


@contextmanager
def running(**options: Any) -> Iterator[tuple[WooCommerceSandbox, hub.Account]]:
    """A served sandbox and an account that talks to it."""
    sandbox = plugin.create_sandbox(SandboxOptions(**{"now": NOW, **options}))
    with serve(sandbox.app) as url:
        settings = sandbox.account_settings(url)
        yield sandbox, hub.Account(name="main", platform="woocommerce", settings=settings)


def run(acct: hub.Account, work: Callable[[hub.Account], Awaitable[T]]) -> T:
    async def go() -> T:
        try:
            return await work(acct)
        finally:
            await acct.aclose()

    return asyncio.run(go())


async def scan(acct: hub.Account, since: datetime) -> list[hub.OrderPage]:
    return [page async for page in plugin.fetch_orders(acct, since, None)]


def ids(pages: list[hub.OrderPage]) -> list[str]:
    return [str(p["id"]) for page in pages for p in page.payloads]


def test_a_scan_returns_every_order_modified_since_exactly_once() -> None:
    with running(orders=250) as (sandbox, acct):
        since = sandbox.now() - timedelta(days=60)
        pages = run(acct, lambda a: scan(a, since))
        found = ids(pages)
        assert len(found) == len(set(found))
        assert set(found) == sandbox.listed(since)
        assert sandbox.listed() - set(found), "older orders exist and were left out"
        assert len(pages) >= 2 and pages[0].total == len(found)
        assert sandbox.stats.routes["GET /wp-json/wc/v3/orders"] == len(pages) - 1  # + checkpoint
        checkpoint = pages[-1].checkpoint
        assert checkpoint is not None and since < checkpoint <= sandbox.now()
        assert all(page.checkpoint is None for page in pages[:-1])


def test_drift_between_pages_loses_nothing_and_the_next_scan_has_the_edit() -> None:
    with running(orders=250, drift_page=1) as (sandbox, acct):
        since = sandbox.now() - timedelta(days=60)
        before = sandbox.listed(since)

        async def twice(a: hub.Account) -> tuple[list[hub.OrderPage], list[hub.OrderPage]]:
            first = await scan(a, since)
            checkpoint = first[-1].checkpoint
            assert checkpoint is not None
            return first, await scan(a, checkpoint)

        first, second = run(acct, twice)
        assert sandbox.drifted
        found = ids(first)
        assert len(found) == len(set(found))
        new = str(max(int(i) for i in sandbox.listed()))
        assert set(found) == before | {new}
        edited = min(before, key=int)  # the first order of page 1 was edited after it was served
        again = {str(p["id"]): p for page in second for p in page.payloads}
        assert edited in again
        assert again[edited]["customer_note"] == "Please leave the parcel at the door."


def test_429_bursts_and_503s_are_retried() -> None:
    with running(orders=250, burst_429=2, burst_at=2, retry_after=0.05,
                 error_5xx_every=4) as (sandbox, acct):
        since = sandbox.now() - timedelta(days=60)
        found = ids(run(acct, lambda a: scan(a, since)))
        assert set(found) == sandbox.listed(since) and len(found) == len(set(found))
        assert sandbox.stats.rejected_429 == 2
        assert sandbox.stats.errors_5xx >= 1


def test_parsed_orders_and_the_import_rules_agree_with_the_sandbox() -> None:
    with running(orders=200) as (sandbox, acct):
        since = sandbox.now() - timedelta(days=60)
        orders = [plugin.parse_order(acct, p) for page in run(acct, lambda a: scan(a, since))
                  for p in page.payloads]
    eligible = {o.platform_order_id for o in orders
                if o.status == "processing" and o.lines and o.currency == "USD"
                and o.customer is not None and (o.customer.email or o.customer.phone)}
    assert eligible == sandbox.eligible_order_ids()
    statuses = {o.status for o in orders}
    assert {"processing", "completed", "cancelled", "pending", "on-hold"} <= statuses
    assert any(o.customer is None for o in orders)
    assert any(o.customer and not o.customer.email and not o.customer.phone for o in orders)
    assert any(o.customer and o.customer.phone and not o.customer.email for o in orders)
    assert any(o.customer and o.customer.platform_id is None for o in orders)
    assert any(not o.lines for o in orders)
    assert any(o.currency == "EUR" for o in orders)
    assert any(o.discount_total and o.discount_total.amount > 0 for o in orders)
    assert any(line.platform_variant_id for o in orders for line in o.lines)
    assert any(len(o.lines) >= 3 for o in orders)
    modified = [o.updated_at for o in orders]
    assert len(set(modified)) < len(modified), "some orders share one modified time"
    for order in orders:  # the platform's totals add up, to the cent
        assert order.subtotal and order.shipping_total and order.tax_total
        lines = sum((line.total.amount for line in order.lines if line.total), Decimal(0))
        assert lines + order.shipping_total.amount + order.tax_total.amount == order.total.amount


def test_the_sandbox_is_deterministic() -> None:
    def orders(seed: int) -> str:
        sandbox = WooCommerceSandbox(SandboxOptions(seed=seed, orders=40, now=NOW))
        return json.dumps(sandbox.orders, sort_keys=True)

    assert orders(5) == orders(5)
    assert orders(5) != orders(6)


def test_stock_and_price_pushes_change_the_store() -> None:
    with running(orders=5) as (sandbox, acct):
        start = sandbox.now() - timedelta(days=1)
        end = sandbox.now() + timedelta(days=7)

        async def work(a: hub.Account) -> list[hub.PushResult]:
            stock = await plugin.push_stock(a, [
                hub.StockUpdate(sku="TEE-BASIC", platform_product_id="101", quantity=7),
                hub.StockUpdate(sku="HOODIE-M", platform_product_id="102",
                                platform_variant_id="202", quantity=0),
                hub.StockUpdate(sku="NOPE", platform_product_id="999", quantity=1),
                hub.StockUpdate(sku="WRONG-PARENT", platform_product_id="107",
                                platform_variant_id="202", quantity=1),
            ])
            price = await plugin.push_price(a, [
                hub.PriceUpdate(sku="TEE-BASIC", platform_product_id="101",
                                regular=hub.Money(amount=Decimal("21.90"), currency="USD"),
                                promotional=hub.Money(amount=Decimal("0.10"), currency="USD"),
                                promo_from=start, promo_to=end),
                hub.PriceUpdate(sku="HOODIE-L", platform_product_id="102",
                                platform_variant_id="203",
                                regular=hub.Money(amount=Decimal("55.00"), currency="USD")),
            ])
            return stock + price

        results = run(acct, work)
        outcomes = {r.key: r for r in results}
        accepted = {k for k, r in outcomes.items() if r.outcome is hub.PushOutcome.ACCEPTED}
        assert accepted == {"TEE-BASIC", "HOODIE-M", "HOODIE-L"}
        assert sandbox.stock(101) == 7 and sandbox.stock(102, 202) == 0
        assert outcomes["NOPE"].error == "Invalid ID. (woocommerce_rest_product_invalid_id)"
        assert not outcomes["NOPE"].retryable
        assert "variation_invalid_id" in (outcomes["WRONG-PARENT"].error or "")
        tee = sandbox.products[101]
        assert (tee["regular_price"], tee["sale_price"], tee["price"], tee["on_sale"]) == (
            "21.90", "0.10", "0.10", True)
        # the hub's end is exclusive; WooCommerce gets the sale's last second
        assert tee["date_on_sale_to_gmt"] == (end - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        assert sandbox.variations[102][203]["regular_price"] == "55.00"

        async def clear(a: hub.Account) -> list[hub.PushResult]:
            return await plugin.push_price(a, [hub.PriceUpdate(
                sku="TEE-BASIC", platform_product_id="101",
                regular=hub.Money(amount=Decimal("21.90"), currency="USD"))])

        assert run(acct, clear)[0].outcome is hub.PushOutcome.ACCEPTED
        assert (tee["sale_price"], tee["price"], tee["date_on_sale_from_gmt"]) == ("", "21.90",
                                                                                     None)


def test_tracking_is_written_once_and_completes_only_after_deduction() -> None:
    with running(orders=30) as (sandbox, acct):
        order_id = min(int(i) for i in sandbox.eligible_order_ids())
        shipment = hub.Shipment(platform_order_id=str(order_id), carrier="Correios",
                                tracking_number="QB123456789BR",
                                tracking_url="https://rastreamento.example/QB123456789BR",
                                shipped_at=sandbox.now(), invoice=hub.Invoice(number="NF-1001"))
        first = run(acct, lambda a: plugin.push_tracking(a, shipment))
        assert first.outcome is hub.PushOutcome.ACCEPTED
        order = sandbox.orders[order_id]
        assert order["status"] == "processing"
        meta = {m["key"]: m["value"] for m in order["meta_data"]}
        assert meta == {"_hub_tracking_number": "QB123456789BR",
                        "_hub_tracking_carrier": "Correios",
                        "_hub_tracking_url": "https://rastreamento.example/QB123456789BR",
                        "_hub_invoice_number": "NF-1001"}
        assert [n["customer_note"] for n in sandbox.notes[order_id]] == [True]
        assert "QB123456789BR" in sandbox.notes[order_id][0]["note"]

        deducted = shipment.model_copy(update={"stock_deducted": True})
        acct = hub.Account(name="main", platform="woocommerce",
                           settings={**acct.settings, "shipment_tracking": "true"})
        for _ in range(2):  # a retried push changes nothing more
            result = run(acct, lambda a: plugin.push_tracking(a, deducted))
            assert result.outcome is hub.PushOutcome.ACCEPTED
        assert order["status"] == "completed" and order["date_completed_gmt"]
        assert len(sandbox.notes[order_id]) == 1
        assert [t["tracking_number"] for t in sandbox.trackings[order_id]] == ["QB123456789BR"]
        assert sandbox.trackings[order_id][0]["custom_tracking_provider"] == "Correios"


# --- the sandbox's own rules -------------------------------------------------------------

def _oauth_get(url: str, auth: httpx.Auth, **params: Any) -> httpx.Response:
    return httpx.get(f"{url}/wp-json/wc/v3/orders", params=params, auth=auth)


def test_the_sandbox_authenticates_like_woocommerce() -> None:
    with running(orders=30) as (_, acct):
        url = acct.settings["base_url"]
        key, secret = acct.settings["consumer_key"], acct.settings["consumer_secret"]
        anonymous = httpx.get(f"{url}/wp-json/wc/v3/orders")
        assert (anonymous.status_code, anonymous.json()["code"]) == (
            401, "woocommerce_rest_cannot_view")
        wrong = _oauth_get(url, OAuth1Auth(key, "cs_wrong"))
        assert wrong.status_code == 401
        assert wrong.json() == {"code": "woocommerce_rest_authentication_error",
                                "message": "Invalid signature - provided signature does not "
                                           "match.", "data": {"status": 401}}
        unknown = _oauth_get(url, OAuth1Auth("ck_nobody", secret))
        assert unknown.json()["message"] == "Consumer key is invalid."
        fixed = OAuth1Auth(key, secret, nonce=lambda: "n-once")
        assert _oauth_get(url, fixed, per_page=5).status_code == 200
        replay = _oauth_get(url, fixed, per_page=5)
        assert replay.json()["message"] == "Invalid nonce - nonce has already been used."
        stale = _oauth_get(url, OAuth1Auth(key, secret, clock=lambda: time.time() - 3600))
        assert stale.json()["message"] == "Invalid timestamp."
        sha1 = _oauth_get(url, OAuth1Auth(key, secret, method="HMAC-SHA1"), status="processing")
        assert sha1.status_code == 200 and {o["status"] for o in sha1.json()} == {"processing"}
        basic = httpx.get(f"{url}/wp-json/wc/v3/orders", auth=(key, secret))
        query = httpx.get(f"{url}/wp-json/wc/v3/orders",
                          params={"consumer_key": key, "consumer_secret": secret})
        assert basic.status_code == query.status_code == 200


def test_the_sandbox_validates_and_paginates_like_woocommerce() -> None:
    with running(orders=30) as (sandbox, acct):
        url = acct.settings["base_url"]
        auth = (acct.settings["consumer_key"], acct.settings["consumer_secret"])
        too_many = httpx.get(f"{url}/wp-json/wc/v3/orders", params={"per_page": 101}, auth=auth)
        assert (too_many.status_code, too_many.json()["code"]) == (400, "rest_invalid_param")
        page = httpx.get(f"{url}/wp-json/wc/v3/orders", params={"per_page": 4, "page": 2},
                         auth=auth)
        total = len(sandbox.listed())
        assert page.headers["X-WP-Total"] == str(total)
        assert page.headers["X-WP-TotalPages"] == str(-(-total // 4))
        assert 'page=1>; rel="prev"' in page.headers["Link"]
        assert 'page=3>; rel="next"' in page.headers["Link"]
        assert page.headers["Date"].endswith("GMT") and "2024" in page.headers["Date"]
        batch = httpx.post(f"{url}/wp-json/wc/v3/products/batch", auth=auth,
                           json={"update": [{"id": 101, "stock_quantity": 1}] * 101})
        assert (batch.status_code, batch.json()["code"]) == (
            413, "woocommerce_rest_request_entity_too_large")
        missing = httpx.get(f"{url}/wp-json/wc/v3/nothing", auth=auth)
        assert (missing.status_code, missing.json()["code"]) == (404, "rest_no_route")
        gone = httpx.get(f"{url}/wp-json/wc/v3/orders/1", auth=auth)
        assert gone.json()["code"] == "woocommerce_rest_shop_order_invalid_id"


def test_authorize_gets_keys_from_the_sandbox() -> None:
    received: list[dict[str, Any]] = []

    async def callback(request: Request) -> Response:
        received.append(await request.json())
        return JSONResponse({}, status_code=200)

    receiver = Starlette(routes=[Route("/callback", callback, methods=["POST"])])

    class BrowserSession:
        state = "s"
        pkce_verifier = "v"

        def __init__(self, redirect_uri: str) -> None:
            self.redirect_uri = redirect_uri

        @property
        def pkce_challenge(self) -> str:
            return hub.pkce_challenge(self.pkce_verifier)

        async def wait_for_callback(self, url: str) -> hub.Callback:
            async with httpx.AsyncClient() as browser:  # the user approves at once
                answer = await browser.get(url)
            assert answer.status_code == 302
            location = urlsplit(answer.headers["location"])
            assert f"{location.scheme}://{location.netloc}{location.path}" == self.redirect_uri
            return hub.Callback(params=dict(parse_qsl(location.query)), body=received[-1])

        def prompt(self, label: str, *, secret: bool = True) -> str:
            raise AssertionError("no prompt in this flow")

    with running(orders=10) as (sandbox, acct), serve(receiver) as hook_url:
        bare = hub.Account(name="main", platform="woocommerce",
                           settings={"base_url": acct.settings["base_url"]})
        session = BrowserSession(f"{hook_url}/callback")
        credentials = run(bare, lambda a: plugin.authorize(a, session))
        assert credentials is not None
        assert credentials["consumer_key"].startswith("ck_")
        assert credentials["consumer_key"] != acct.settings["consumer_key"]
        assert credentials["key_permissions"] == "read_write"
        connected = hub.Account(name="main", platform="woocommerce",
                                settings={"base_url": acct.settings["base_url"]},
                                credentials=credentials)
        order_id = next(iter(sandbox.listed()))
        fetched = run(connected, lambda a: plugin.fetch_order(a, order_id))
        assert fetched is not None and str(fetched["id"]) == order_id


# --- webhooks -------------------------------------------------------------------------------

def test_webhooks_from_the_sandbox_verify_and_parse() -> None:
    sandbox = WooCommerceSandbox(SandboxOptions(orders=20, now=NOW,
                                                webhook_secret="s3cr3t-hook"))
    acct = hub.Account(name="main", platform="woocommerce",
                       settings={"base_url": "http://127.0.0.1", "webhook_secret": "s3cr3t-hook"})
    deliveries: list[tuple[dict[str, str], bytes]] = []

    async def receive(request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        deliveries.append((headers, body))
        ok = plugin.verify_webhook(acct, headers, body)
        return Response(status_code=200 if ok else 401)

    receiver = Starlette(routes=[Route("/webhooks/woocommerce/main", receive, methods=["POST"])])
    sandbox.webhook_transport = httpx.ASGITransport(app=receiver)
    target = "http://hub.test/webhooks/woocommerce/main"
    order_id = min(sandbox.orders)

    async def deliver(topic: str) -> int:
        return await sandbox.deliver_webhook(target, topic, str(order_id))

    assert asyncio.run(deliver("order.updated")) == 200
    headers, body = deliveries[-1]
    event = plugin.parse_webhook(acct, headers, body)
    assert (event.topic, event.ignore, event.dedupe_key) == ("order.updated", False, "1")
    assert event.payload is not None and event.payload["id"] == order_id
    assert plugin.parse_order(acct, event.payload).platform_order_id == str(order_id)

    tampered = body.replace(b'"status":"', b'"status":"x', 1)
    assert tampered != body and not plugin.verify_webhook(acct, headers, tampered)
    reserialised = json.dumps(json.loads(body)).encode()
    assert not plugin.verify_webhook(acct, headers, reserialised)
    unsigned = {k: v for k, v in headers.items() if k != "x-wc-webhook-signature"}
    assert not plugin.verify_webhook(acct, unsigned, body)
    other = hub.Account(name="main", platform="woocommerce", settings={"webhook_secret": "nope"})
    assert not plugin.verify_webhook(other, headers, body)
    no_secret = hub.Account(name="main", platform="woocommerce", settings={})
    assert not plugin.verify_webhook(no_secret, headers, body)

    assert asyncio.run(deliver("order.deleted")) == 200
    deleted = plugin.parse_webhook(acct, *deliveries[-1])
    assert (deleted.order_id, deleted.payload) == (str(order_id), None)
    assert asyncio.run(deliver("ping")) == 200  # unsigned, but the store needs a 200
    ping = plugin.parse_webhook(acct, *deliveries[-1])
    assert (ping.topic, ping.ignore) == ("ping", True)
    signed_topic = {"X-WC-Webhook-Topic": "order.updated"}
    assert not plugin.verify_webhook(acct, signed_topic, b"webhook_id=1")
    assert not plugin.verify_webhook(no_secret, {}, b"webhook_id=1")


def test_other_topics_and_bad_bodies(woo: Any) -> None:
    acct = woo.account()
    product = plugin.parse_webhook(acct, {"X-WC-Webhook-Topic": "product.updated"}, b"{}")
    assert product.ignore
    with pytest.raises(hub.DataError, match="not JSON"):
        plugin.parse_webhook(acct, {"X-WC-Webhook-Topic": "order.created"}, b"<html>")
    with pytest.raises(hub.DataError, match="not an order"):
        plugin.parse_webhook(acct, {"X-WC-Webhook-Topic": "order.created"}, b"[1]")
