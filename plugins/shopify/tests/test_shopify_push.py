"""Stock, price and tracking pushes against the sandbox, confirmed by reading the shop back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import hub
from hub import PushOutcome
from hub.sandbox import SandboxOptions
from hub_shopify import plugin, prices
from hub_shopify.sandbox import ShopifySandbox


def _listing(sandbox: ShopifySandbox, sku: str) -> tuple[str, str]:
    variant = sandbox.variant(sku)
    product = sandbox.store.products[variant["_product"]]
    return product["legacyResourceId"], variant["legacyResourceId"]


def _stock(sandbox: ShopifySandbox, sku: str, quantity: int, *, product_level: bool = False,
           warehouse: str | None = None) -> hub.StockUpdate:
    product, variant = _listing(sandbox, sku)
    return hub.StockUpdate(sku=sku, platform_product_id=product,
                           platform_variant_id=None if product_level else variant,
                           quantity=quantity, warehouse=warehouse)


def _push_stock(shop: Any, acct: hub.Account, updates: list[hub.StockUpdate]
                ) -> list[hub.PushResult]:
    async def go() -> list[hub.PushResult]:
        try:
            return await plugin.push_stock(acct, updates)
        finally:
            await acct.aclose()

    return shop.run(go())  # type: ignore[no-any-return]


def test_push_stock_sets_available_quantities_and_reads_them_back(served: Any, shop: Any
                                                                  ) -> None:
    sandbox, url = served
    popup = list(sandbox.store.locations.values())[1]["legacyResourceId"]
    updates = [_stock(sandbox, "SHIRT-LIN-M", 17), _stock(sandbox, "TOTE-CNV", 0,
                                                          product_level=True),
               _stock(sandbox, "GIFT-50", 5), _stock(sandbox, "BOTTLE-750", 3, warehouse=popup),
               _stock(sandbox, "CUP-ESP-W", 4, warehouse=popup),
               hub.StockUpdate(sku="GONE", platform_product_id="1", platform_variant_id="999",
                               quantity=1)]
    results = _push_stock(shop, shop.sandbox_account(sandbox, url), updates)
    assert [r.key for r in results] == [u.sku for u in updates]
    outcome = {r.key: (r.outcome, r.retryable, r.error) for r in results}
    assert outcome["SHIRT-LIN-M"][0] == outcome["TOTE-CNV"][0] == PushOutcome.ACCEPTED, outcome
    assert outcome["CUP-ESP-W"][0] == PushOutcome.ACCEPTED
    assert outcome["GIFT-50"][:2] == (PushOutcome.FAILED, False)
    assert "Track quantity" in outcome["GIFT-50"][2]
    assert outcome["BOTTLE-750"][:2] == (PushOutcome.FAILED, False)
    assert "not stocked at the location" in outcome["BOTTLE-750"][2]
    assert outcome["GONE"][:2] == (PushOutcome.FAILED, False)
    assert sandbox.available("SHIRT-LIN-M") == 17 and sandbox.available("TOTE-CNV") == 0
    assert sandbox.available("CUP-ESP-W", list(sandbox.store.locations)[1]) == 4
    assert len(sandbox.idempotency) == 2  # the rejected call, then the retry without it


def test_push_stock_speaks_the_older_api_versions(served: Any, shop: Any) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url, api_version="2026-01")
    [result] = _push_stock(shop, acct, [_stock(sandbox, "HAT-WOOL", 9)])
    assert result.outcome == PushOutcome.ACCEPTED and sandbox.available("HAT-WOOL") == 9
    assert not sandbox.idempotency  # no @idempotent before 2026-04


def test_stock_batches_of_250_go_in_one_call(shop: Any) -> None:
    sandbox = ShopifySandbox(SandboxOptions(seed=8, orders=1), restore_rate=5000.0)
    with sandbox.serve() as url:
        skus = [v["sku"] for v in sandbox.store.variants.values()
                if sandbox.store.items[v["_item"]]["tracked"]]
        updates = [_stock(sandbox, sku, n) for n, sku in enumerate(skus)]
        results = _push_stock(shop, shop.sandbox_account(sandbox, url), updates)
    assert all(r.outcome == PushOutcome.ACCEPTED for r in results)
    assert len(sandbox.idempotency) == 1 and len(sandbox.stock_pushes) == len(skus)


def test_the_mutation_answer_confirms_the_push_without_a_read_back(served: Any, shop: Any) -> None:
    sandbox, url = served
    before = len(sandbox.requested_costs)
    results = _push_stock(shop, shop.sandbox_account(sandbox, url), [_stock(sandbox, "TOTE-CNV", 7)])
    assert results[0].outcome == PushOutcome.ACCEPTED and sandbox.available("TOTE-CNV") == 7
    # the variant's inventory item, then the mutation, whose changes confirm it: no third query
    assert len(sandbox.requested_costs) - before == 2


def test_confirm_reads_quantity_after_change_per_item() -> None:
    from hub_shopify.stock import Planned, _confirm

    batch = [Planned(0, "A", "gid://shopify/InventoryItem/1", "gid://shopify/Location/9", 5),
             Planned(1, "B", "gid://shopify/InventoryItem/2", "gid://shopify/Location/9", 6),
             Planned(2, "C", "gid://shopify/InventoryItem/3", "gid://shopify/Location/9", 7)]
    payload = {"inventoryAdjustmentGroup": {"changes": [
        {"name": "available", "delta": 5, "quantityAfterChange": 5,
         "item": {"id": "gid://shopify/InventoryItem/1"}},
        {"name": "available", "delta": 1, "quantityAfterChange": 4,
         "item": {"id": "gid://shopify/InventoryItem/2"}},
        {"name": "on_hand", "delta": 1, "quantityAfterChange": 7,
         "item": {"id": "gid://shopify/InventoryItem/3"}}]}, "userErrors": []}
    results: list[hub.PushResult | None] = [None, None, None]
    unconfirmed = _confirm(batch, payload, results)
    assert results[0] is not None and results[0].outcome == PushOutcome.ACCEPTED
    assert results[1] is not None and results[1].outcome == PushOutcome.FAILED
    assert "holds 4" in (results[1].error or "")
    assert [p.key for p in unconfirmed] == ["C"] and results[2] is None  # read back


def _push_price(shop: Any, acct: hub.Account, updates: list[hub.PriceUpdate]
                ) -> list[hub.PushResult]:
    async def go() -> list[hub.PushResult]:
        try:
            return await plugin.push_price(acct, updates)
        finally:
            await acct.aclose()

    return shop.run(go())  # type: ignore[no-any-return]


def _price(sandbox: ShopifySandbox, sku: str, regular: str, promo: str | None = None,
           start: datetime | None = None, end: datetime | None = None,
           currency: str = "USD") -> hub.PriceUpdate:
    product, variant = _listing(sandbox, sku)
    return hub.PriceUpdate(sku=sku, platform_product_id=product, platform_variant_id=variant,
                           regular=hub.Money(amount=regular, currency=currency),
                           promotional=hub.Money(amount=promo, currency=currency)
                           if promo else None, promo_from=start, promo_to=end)


def test_push_price_sets_price_and_compare_at_price_inside_the_window(served: Any, shop: Any
                                                                      ) -> None:
    sandbox, url = served
    now = datetime.now(UTC)
    updates = [_price(sandbox, "SHIRT-LIN-M", "55.00"),
               _price(sandbox, "SHIRT-LIN-L", "55.00", "44.00", now - timedelta(days=1),
                      now + timedelta(days=1)),
               _price(sandbox, "TOTE-CNV", "30.00", "20.00", now + timedelta(days=2), None),
               _price(sandbox, "NOTE-A5", "9.00", currency="EUR")]
    results = _push_price(shop, shop.sandbox_account(sandbox, url), updates)
    assert [r.outcome for r in results] == [PushOutcome.ACCEPTED] * 3 + [PushOutcome.FAILED]
    assert not results[3].retryable and "EUR" in (results[3].error or "")
    m, lrg, tote = (sandbox.variant(s) for s in ("SHIRT-LIN-M", "SHIRT-LIN-L", "TOTE-CNV"))
    assert (m["price"], m["compareAtPrice"]) == ("55.00", None)
    assert (lrg["price"], lrg["compareAtPrice"]) == ("44.00", "55.00")  # on sale now
    assert (tote["price"], tote["compareAtPrice"]) == ("30.00", None)  # sale not started
    # one call for the two shirt variants (same product), one for the tote
    assert len(sandbox.price_pushes) == 3


def test_promotion_window_rules() -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    usd = {"currency": "USD"}
    update = hub.PriceUpdate(sku="A", platform_product_id="1", regular={"amount": "10", **usd},
                             promotional={"amount": "8", **usd},
                             promo_from=now, promo_to=now + timedelta(days=1))
    assert prices.target(update, now) == (8, 10)
    assert prices.target(update, now + timedelta(days=1)) == (10, None)  # the end is exclusive
    assert prices.target(update, now - timedelta(seconds=1)) == (10, None)


def _ship(shop: Any, acct: hub.Account, shipment: hub.Shipment) -> hub.PushResult:
    async def go() -> hub.PushResult:
        try:
            return await plugin.push_tracking(acct, shipment)
        finally:
            await acct.aclose()

    return shop.run(go())  # type: ignore[no-any-return]


def test_tracking_creates_a_fulfillment_then_updates_its_tracking(served: Any, shop: Any
                                                                  ) -> None:
    sandbox, url = served
    order = next(o for o in sandbox.store.orders.values()
                 if o["displayFulfillmentStatus"] == "UNFULFILLED" and not o["cancelledAt"]
                 and o["displayFinancialStatus"] == "PAID")
    oid = order["legacyResourceId"]
    first = hub.Shipment(platform_order_id=oid, carrier="UPS", tracking_number="1Z999AA1",
                         tracking_url="https://ups.example/1Z999AA1")
    assert _ship(shop, shop.sandbox_account(sandbox, url), first).outcome == PushOutcome.ACCEPTED
    assert order["displayFulfillmentStatus"] == "FULFILLED"
    assert sandbox.tracking_pushes[-1]["tracking"] == [
        {"company": "UPS", "number": "1Z999AA1", "url": "https://ups.example/1Z999AA1"}]
    assert sandbox.tracking_pushes[-1]["notify"] is True
    # the same shipment again: already there, nothing sent
    assert _ship(shop, shop.sandbox_account(sandbox, url), first).outcome == PushOutcome.ACCEPTED
    assert len(sandbox.tracking_pushes) == 1
    changed = first.model_copy(update={"tracking_number": "1Z999BB2", "tracking_url": None})
    acct = shop.sandbox_account(sandbox, url, notify_customer="false")
    assert _ship(shop, acct, changed).outcome == PushOutcome.ACCEPTED
    fulfillment = sandbox.store.fulfillments[order["_fulfillments"][-1]]
    assert fulfillment["_tracking"] == [{"company": "UPS", "number": "1Z999BB2", "url": None}]
    assert len(order["_fulfillments"]) == 1 and sandbox.tracking_pushes[-1]["notify"] is False


def test_a_shipment_of_some_lines_fulfils_only_those(served: Any, shop: Any) -> None:
    sandbox, url = served
    order = next(o for o in sandbox.store.orders.values()
                 if o["displayFulfillmentStatus"] == "UNFULFILLED" and not o["cancelledAt"]
                 and len([i for i in o["_lines"]
                          if sandbox.store.line_items[i]["currentQuantity"]]) >= 2)
    line = sandbox.store.line_items[order["_lines"][0]]
    shipment = hub.Shipment(platform_order_id=order["legacyResourceId"], carrier="DHL",
                            tracking_number="JD0001", lines=[hub.ShipmentLine(
                                platform_line_id=line["id"].rsplit("/", 1)[-1], quantity=1)])
    assert _ship(shop, shop.sandbox_account(sandbox, url), shipment).outcome == \
        PushOutcome.ACCEPTED
    assert order["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"


def test_tracking_for_cancelled_or_unknown_orders_fails_for_good(served: Any, shop: Any) -> None:
    sandbox, url = served
    cancelled = next(o for o in sandbox.store.orders.values() if o["cancelledAt"])
    for oid in (cancelled["legacyResourceId"], "123456789", "not-an-id"):
        result = _ship(shop, shop.sandbox_account(sandbox, url),
                       hub.Shipment(platform_order_id=oid, carrier="UPS", tracking_number="X1"))
        assert (result.outcome, result.retryable, result.key) == (PushOutcome.FAILED, False, oid)
