"""Stock, price and tracking pushes against scripted responses: batching and confirmation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import respx

import hub
from hub_woocommerce import plugin


def _echo(body: dict[str, Any], change: Callable[[dict[str, Any]], dict[str, Any]] = dict
          ) -> httpx.Response:
    return httpx.Response(200, json={"update": [change(item) for item in body["update"]]})


def _run(woo: Any, call: Callable[[hub.Account], Awaitable[Any]],
         routes: Callable[[respx.MockRouter], None], **settings: str) -> Any:
    acct = woo.account(**settings)

    async def go() -> Any:
        with respx.mock(assert_all_called=False) as mock:
            routes(mock)
            try:
                return await call(acct)
            finally:
                await acct.aclose()

    return asyncio.run(go())


def _stock(sku: str, pid: str, quantity: int, vid: str | None = None) -> hub.StockUpdate:
    return hub.StockUpdate(sku=sku, platform_product_id=pid, platform_variant_id=vid,
                           quantity=quantity)


def test_push_stock_batches_products_and_variations(woo: Any) -> None:
    updates = [_stock(f"S{i}", str(1000 + i), i) for i in range(150)]
    updates += [_stock("V1", "20", 3, "21"), _stock("V2", "20", 4, "22"), _stock("V3", "30", 0, "31")]
    sent: dict[str, list[dict[str, Any]]] = {}

    def routes(mock: respx.MockRouter) -> None:
        def echo(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            sent.setdefault(request.url.path, []).append(body)
            return _echo(body)

        mock.post(url__regex=r".*/batch$").mock(side_effect=echo)

    results = _run(woo, lambda a: plugin.push_stock(a, updates), routes)
    assert [r.outcome for r in results] == [hub.PushOutcome.ACCEPTED] * len(updates)
    assert [r.key for r in results] == [u.sku for u in updates]
    batches = sent["/wp-json/wc/v3/products/batch"]
    assert [len(b["update"]) for b in batches] == [100, 50]
    assert batches[0]["update"][7] == {"id": 1007, "manage_stock": True, "stock_quantity": 7}
    assert sent["/wp-json/wc/v3/products/20/variations/batch"] == [{"update": [
        {"id": 21, "manage_stock": True, "stock_quantity": 3},
        {"id": 22, "manage_stock": True, "stock_quantity": 4}]}]
    assert len(sent["/wp-json/wc/v3/products/30/variations/batch"]) == 1


def test_push_stock_accepts_only_what_the_store_echoes(woo: Any) -> None:
    updates = [_stock("OK", "1", 5), _stock("ERR", "2", 5), _stock("WRONG", "3", 5),
               _stock("GONE", "4", 5), _stock("BAD", "abc", 5)]

    def routes(mock: respx.MockRouter) -> None:
        def respond(request: httpx.Request) -> httpx.Response:
            items = json.loads(request.content)["update"]
            assert [i["id"] for i in items] == [1, 2, 3, 4]  # the bad id is never sent
            return httpx.Response(200, json={"update": [
                items[0],
                {"id": 2, "error": {"code": "woocommerce_rest_product_invalid_id",
                                    "message": "Invalid ID.", "data": {"status": 400}}},
                {**items[2], "stock_quantity": 4},
            ]})

        mock.post(f"{woo.API}/products/batch").mock(side_effect=respond)

    ok, err, wrong, gone, bad = _run(woo, lambda a: plugin.push_stock(a, updates), routes)
    assert ok.outcome is hub.PushOutcome.ACCEPTED
    assert (err.outcome, err.error, err.retryable) == (
        hub.PushOutcome.FAILED, "Invalid ID. (woocommerce_rest_product_invalid_id)", False)
    assert wrong.outcome is hub.PushOutcome.FAILED and "stock_quantity is 4" in (wrong.error or "")
    assert gone.outcome is hub.PushOutcome.FAILED and "did not confirm" in (gone.error or "")
    assert (bad.outcome, bad.retryable) == (hub.PushOutcome.FAILED, False)


def test_a_refused_batch_fails_its_items_and_the_others_go_on(woo: Any) -> None:
    updates = [_stock("A", "1", 1), _stock("B", "5", 2, "6")]

    def routes(mock: respx.MockRouter) -> None:
        mock.post(f"{woo.API}/products/batch").respond(413, json={
            "code": "woocommerce_rest_request_entity_too_large",
            "message": "Unable to accept more than 100 items for this request.",
            "data": {"status": 413}})
        mock.post(f"{woo.API}/products/5/variations/batch").mock(
            side_effect=lambda request: _echo(json.loads(request.content)))

    first, second = _run(woo, lambda a: plugin.push_stock(a, updates), routes)
    assert first.outcome is hub.PushOutcome.FAILED and not first.retryable
    assert "Unable to accept more than 100 items" in (first.error or "")
    assert second.outcome is hub.PushOutcome.ACCEPTED


def _price(sku: str, regular: str, promo: str | None = None, currency: str = "USD",
           **window: datetime) -> hub.PriceUpdate:
    return hub.PriceUpdate(sku=sku, platform_product_id="10",
                           regular=hub.Money(amount=Decimal(regular), currency=currency),
                           promotional=hub.Money(amount=Decimal(promo), currency=currency)
                           if promo else None, **window)


def test_push_price_sends_regular_sale_and_window(woo: Any) -> None:
    start, end = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 30, 23, 59, tzinfo=UTC)
    updates = [_price("A", "19.90", "14.90", promo_from=start, promo_to=end),
               _price("B", "1E+1"), _price("C", "5.00", currency="EUR")]
    sent: list[dict[str, Any]] = []

    def routes(mock: respx.MockRouter) -> None:
        def echo(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.content)
            sent.extend(body["update"])
            return _echo(body)

        mock.post(f"{woo.API}/products/batch").mock(side_effect=echo)

    a, b, c = _run(woo, lambda acct: plugin.push_price(acct, updates), routes, currency="USD")
    assert sent == [
        {"id": 10, "regular_price": "19.90", "sale_price": "14.90",
         "date_on_sale_from_gmt": "2024-06-01T00:00:00", "date_on_sale_to_gmt": "2024-06-30T23:58:59"},
        {"id": 10, "regular_price": "10", "sale_price": "", "date_on_sale_from_gmt": "",
         "date_on_sale_to_gmt": ""},
    ]
    assert a.outcome is b.outcome is hub.PushOutcome.ACCEPTED
    assert (c.outcome, c.retryable) == (hub.PushOutcome.FAILED, False)
    assert "EUR" in (c.error or "")


def test_push_price_reads_the_store_currency_once(woo: Any) -> None:
    calls: list[int] = []

    def routes(mock: respx.MockRouter) -> None:
        def currency(request: httpx.Request) -> httpx.Response:
            calls.append(1)
            return httpx.Response(200, json={"code": "USD", "name": "United States (US) dollar"})

        mock.get(f"{woo.API}/data/currencies/current").mock(side_effect=currency)
        mock.post(f"{woo.API}/products/batch").mock(
            side_effect=lambda request: _echo(json.loads(request.content),
                                              lambda i: {**i, "sale_price": "1.00"}))

    async def twice(acct: hub.Account) -> list[hub.PushResult]:
        first = await plugin.push_price(acct, [_price("A", "2.00")])
        return first + await plugin.push_price(acct, [_price("A", "2.00")])

    results = _run(woo, twice, routes)
    assert len(calls) == 1
    assert all(r.outcome is hub.PushOutcome.FAILED for r in results)  # sale_price not cleared
    assert "sale_price is '1.00'" in (results[0].error or "")


def test_push_tracking_writes_note_meta_and_completes_after_deduction(woo: Any) -> None:
    shipment = hub.Shipment(platform_order_id="5001", carrier="Correios",
                            tracking_number="BR123", tracking_url="https://track.example/BR123",
                            invoice=hub.Invoice(number="NF-77", key="3524"),
                            stock_deducted=True)
    seen: dict[str, Any] = {}

    def routes(mock: respx.MockRouter) -> None:
        mock.get(f"{woo.API}/orders/5001/notes").respond(200, json=[])

        def note(request: httpx.Request) -> httpx.Response:
            seen["note"] = json.loads(request.content)
            return httpx.Response(201, json={"id": 1, **seen["note"]})

        def put(request: httpx.Request) -> httpx.Response:
            seen["put"] = json.loads(request.content)
            return httpx.Response(200, json=woo.order(status="completed",
                                                      meta_data=seen["put"]["meta_data"]))

        mock.post(f"{woo.API}/orders/5001/notes").mock(side_effect=note)
        mock.put(f"{woo.API}/orders/5001").mock(side_effect=put)

    result = _run(woo, lambda a: plugin.push_tracking(a, shipment), routes)
    assert result.outcome is hub.PushOutcome.ACCEPTED and result.key == "5001"
    assert seen["note"]["customer_note"] is True
    for part in ("Correios", "BR123", "https://track.example/BR123", "NF-77"):
        assert part in seen["note"]["note"]
    assert seen["put"] == {"status": "completed", "meta_data": [
        {"key": "_hub_tracking_number", "value": "BR123"},
        {"key": "_hub_tracking_carrier", "value": "Correios"},
        {"key": "_hub_tracking_url", "value": "https://track.example/BR123"},
        {"key": "_hub_invoice_number", "value": "NF-77"}]}


def test_push_tracking_before_deduction_does_not_complete(woo: Any) -> None:
    shipment = hub.Shipment(platform_order_id="5001", carrier="UPS", tracking_number="1Z9")
    seen: dict[str, Any] = {}

    def routes(mock: respx.MockRouter) -> None:
        from hub_woocommerce.tracking import note_text

        mock.get(f"{woo.API}/orders/5001/notes").respond(
            200, json=[{"id": 4, "note": note_text(shipment), "customer_note": True}])

        def put(request: httpx.Request) -> httpx.Response:
            seen["put"] = json.loads(request.content)
            return httpx.Response(200, json=woo.order(meta_data=seen["put"]["meta_data"]))

        mock.put(f"{woo.API}/orders/5001").mock(side_effect=put)
        mock.post(f"{woo.API}/orders/5001/notes").respond(500)

    result = _run(woo, lambda a: plugin.push_tracking(a, shipment), routes)
    assert result.outcome is hub.PushOutcome.ACCEPTED  # the note was there: not sent again
    assert "status" not in seen["put"]


def test_push_tracking_unknown_order_fails_for_good(woo: Any) -> None:
    shipment = hub.Shipment(platform_order_id="404", carrier="UPS", tracking_number="1Z9")

    def routes(mock: respx.MockRouter) -> None:
        mock.get(f"{woo.API}/orders/404/notes").respond(404, json={
            "code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.",
            "data": {"status": 404}})

    result = _run(woo, lambda a: plugin.push_tracking(a, shipment), routes)
    assert (result.outcome, result.retryable) == (hub.PushOutcome.FAILED, False)
    assert "Invalid ID" in (result.error or "")
