"""Mapping a SkyHub order written from the documented queue sample, and the requests the plugin
sends (headers, paths with spaces, SkyHub's error bodies), with respx."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

import hub
from hub_skyhub import mapping, plugin
from hub_skyhub.info import DEFAULT_ACCOUNTMANAGER_KEY

BASE = "https://api.skyhub.com.br"
ORDER: dict[str, Any] = {  # the fields of the "/queues/orders" response sample in SkyHub's docs
    "code": "Lojas Americanas-1517940500554-01", "channel": "Lojas Americanas",
    "placed_at": "2019-10-16T17:25:23-03:00", "updated_at": "2019-10-16T17:45:38-03:00",
    "total_ordered": 391.45, "interest": 0.0, "shipping_cost": 24.25, "discount": 0.0,
    "shipping_method": "Courier", "sync_status": "SYNCED",
    "status": {"type": "APPROVED", "label": "Aprovado (SkyHub)", "code": "payment_received"},
    "shipping_address": {"street": "Av Central da Praia do Rosa", "number": "01",
                         "detail": "Mercado Pimenta Rosa", "neighborhood": "Ibiraquera",
                         "city": "Imbituba", "region": "SC", "postcode": "88780000",
                         "country": "BR", "full_name": "marco antonio", "phone": "51 00000000"},
    "customer": {"name": "marco antonio", "email": "marco@example.com.br",
                 "vat_number": "12345678901", "phones": ["51 00000000"]},
    "items": [{"id": "1001", "product_id": "1000", "name": "Produto", "qty": 3,
               "original_price": 129.9, "special_price": 122.4}],
    "invoices": [], "shipments": [],
}


def account(**extra: str) -> hub.Account:
    return hub.Account(name="sk", platform="skyhub",
                       settings={"user_email": "seller@example.com.br", "api_key": "KEY-123456",
                                 **extra})


def test_the_documented_order_maps_to_the_cent() -> None:
    order = plugin.parse_order(account(), ORDER)
    assert order.platform_order_id == ORDER["code"] and order.number == "1517940500554-01"
    assert order.status == "payment_received" and order.currency == "BRL"
    assert order.created_at == datetime(2019, 10, 16, 20, 25, 23, tzinfo=UTC)
    assert order.total.amount == Decimal("391.45")
    assert order.subtotal and order.subtotal.amount == Decimal("367.20")
    assert order.shipping_total and order.shipping_total.amount == Decimal("24.25")
    [line] = order.lines
    assert (line.sku, line.quantity, line.unit_price.amount) == ("1001", 3, Decimal("122.4"))
    assert order.customer and order.customer.first_name == "marco"
    assert order.customer.email == "marco@example.com.br" and order.customer.phone == "51 00000000"
    assert order.shipping_address and order.shipping_address.state == "SC"
    assert mapping.peek_order(ORDER) == ("Lojas Americanas-1517940500554-01", "payment_received")


def test_an_order_without_items_or_status_is_a_data_error() -> None:
    with pytest.raises(hub.DataError):
        plugin.parse_order(account(), {**ORDER, "items": []})
    with pytest.raises(hub.DataError):
        plugin.parse_order(account(), {**ORDER, "status": {}})
    assert mapping.peek_order({**ORDER, "status": None}) is None


def run(make: Any) -> Any:
    acct = account()

    async def main() -> Any:
        try:
            return await make(acct)
        finally:
            await acct.aclose()
    return asyncio.run(main())


@respx.mock
def test_requests_carry_the_three_headers_and_quote_the_code() -> None:
    route = respx.get(f"{BASE}/orders/Lojas%20Americanas-1517940500554-01").mock(
        return_value=httpx.Response(200, json=ORDER))
    found = run(lambda a: plugin.fetch_order(a, ORDER["code"]))
    assert found == ORDER
    sent = route.calls[0].request.headers
    assert sent["X-User-Email"] == "seller@example.com.br" and sent["X-Api-Key"] == "KEY-123456"
    assert sent["X-Accountmanager-Key"] == DEFAULT_ACCOUNTMANAGER_KEY
    assert sent["Accept"] == "application/json"


@respx.mock
def test_the_queue_is_read_until_empty_and_acknowledged_after_each_page() -> None:
    second = {**ORDER, "code": "Submarino-2-01"}
    answers = iter([httpx.Response(200, json=ORDER), httpx.Response(200, json=second),
                    httpx.Response(204)])
    respx.get(f"{BASE}/queues/orders").mock(side_effect=lambda request: next(answers))
    deleted = respx.delete(url__regex=rf"{BASE}/queues/orders/.*").mock(
        return_value=httpx.Response(204))

    async def scan(a: hub.Account) -> list[tuple[list[str], int]]:
        seen = []
        async for page in plugin.fetch_orders(a, datetime.now(UTC) - timedelta(minutes=1), None):
            seen.append(([p["code"] for p in page.payloads], len(deleted.calls)))
        return seen

    seen = run(scan)
    # each page is yielded before any of its orders is deleted from the queue
    assert seen == [([ORDER["code"]], 0), (["Submarino-2-01"], 1)]
    assert [c.request.url.raw_path.decode() for c in deleted.calls] == [
        "/queues/orders/Lojas%20Americanas-1517940500554-01", "/queues/orders/Submarino-2-01"]


@respx.mock
def test_a_refusal_is_reported_in_skyhubs_words_and_a_429_is_waited_out() -> None:
    respx.put(f"{BASE}/products/SKU1").mock(side_effect=[
        httpx.Response(429, json={"error": "Too Many Requests"}),
        httpx.Response(422, json={"error": "qty inválido"})])
    update = hub.StockUpdate(sku="SKU1", platform_product_id="SKU1", quantity=2)
    [result] = run(lambda a: plugin.push_stock(a, [update]))
    assert result.outcome == "failed" and not result.retryable
    assert result.error == "SkyHub refused the product update: qty inválido"


def test_the_buyers_vat_number_is_the_customers_document() -> None:
    customer = plugin.parse_order(account(), ORDER).customer
    assert customer is not None and customer.document == "12345678901"
    without = dict(ORDER, customer={"name": "Ana", "email": "ana@example.com"})
    assert (customer := plugin.parse_order(account(), without).customer) is not None
    assert customer.document is None
