"""Stock, price and tracking pushes change the sandbox's state and are confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import ModuleType

import hub
from hub_vtex import plugin
from hub_vtex.sandbox import VtexSandbox


def stock(sku_id: int, quantity: int, warehouse: str | None = None) -> hub.StockUpdate:
    return hub.StockUpdate(sku=f"REF-{sku_id}", platform_product_id="100",
                           platform_variant_id=str(sku_id), quantity=quantity, warehouse=warehouse)


def test_stock_is_set_per_sku_and_warehouse_keeping_the_lead_time(vt: ModuleType) -> None:
    with vt.running(orders=5) as (sandbox, acct):
        by_ref = hub.StockUpdate(sku="BT-M", platform_product_id="100", quantity=9)
        results = vt.run(acct, lambda a: plugin.push_stock(
            a, [stock(1001, 17), stock(1003, 4, warehouse="sp_02"), by_ref, stock(1004, -3)]))
    assert [r.outcome for r in results] == ["accepted"] * 4
    assert sandbox.inventory[(1001, "1_1")]["totalQuantity"] == 17
    assert sandbox.inventory[(1001, "1_1")]["leadTime"] == "1.00:00:00"  # kept as it was
    assert sandbox.inventory[(1003, "sp_02")]["totalQuantity"] == 4
    assert sandbox.inventory[(1004, "1_1")]["totalQuantity"] == 0  # never negative
    assert sandbox.inventory[(1002, "1_1")]["totalQuantity"] == 9  # found by its RefId
    assert all(p["quantity"] is not None and p["unlimitedQuantity"] is False
               for p in sandbox.stock_pushes)
    assert {p["skuId"] for p in sandbox.stock_pushes} == {1001, 1002, 1003, 1004}


def test_stock_costs_one_request_per_sku_and_the_lead_time_setting_is_sent(vt: ModuleType) -> None:
    with vt.running(orders=5) as (sandbox, acct):
        quiet = vt.run(acct, lambda a: plugin.push_stock(a, [stock(1001, 5), stock(1003, 6)]))
        assert [p.get("leadTime") for p in sandbox.stock_pushes] == [None, None]  # PATCH .../quantity
        timed = vt.with_settings(acct, lead_time="2.00:00:00")
        vt.run(timed, lambda a: plugin.push_stock(a, [stock(1001, 7)]))
    assert [r.outcome for r in quiet] == ["accepted"] * 2
    assert len(sandbox.stock_pushes) == 3
    inventory_reads = {k: n for k, n in sandbox.stats.routes.items() if "inventory" in k and "GET" in k}
    assert inventory_reads == {}  # one request each: no lead-time read, no read-back
    assert sandbox.inventory[(1001, "1_1")] | {} == {**sandbox.inventory[(1001, "1_1")],
                                                     "totalQuantity": 7, "leadTime": "2.00:00:00"}


def test_stock_fails_clearly_without_a_warehouse_or_a_known_sku(vt: ModuleType) -> None:
    with vt.running(orders=5) as (sandbox, acct):
        no_warehouse = vt.with_settings(acct, warehouse_id="")
        missing = vt.run(no_warehouse, lambda a: plugin.push_stock(a, [stock(1001, 1)]))
        unknown = vt.run(acct, lambda a: plugin.push_stock(
            a, [hub.StockUpdate(sku="NOPE", platform_product_id="1", quantity=1),
                stock(1001, 2, warehouse="nowhere")]))
    assert missing[0].outcome == "failed" and "warehouse_id" in (missing[0].error or "")
    assert not missing[0].retryable
    assert [r.outcome for r in unknown] == ["failed", "failed"]
    assert not unknown[0].retryable and not unknown[1].retryable
    assert sandbox.stock_pushes == []


def test_prices_promotions_and_schedules_are_set_and_read_back(vt: ModuleType) -> None:
    start = datetime(2024, 6, 1, tzinfo=UTC)

    def price(sku_id: int, regular: str, promo: str | None = None, **window: datetime
              ) -> hub.PriceUpdate:
        return hub.PriceUpdate(sku=f"REF-{sku_id}", platform_product_id="100",
                               platform_variant_id=str(sku_id),
                               regular=hub.Money(amount=Decimal(regular), currency="BRL"),
                               promotional=hub.Money(amount=Decimal(promo), currency="BRL")
                               if promo else None, **window)

    with vt.running(orders=5) as (sandbox, acct):
        acct = vt.with_settings(acct, price_table="1")
        first = vt.run(acct, lambda a: plugin.push_price(a, [
            price(1001, "59.90", "44.90", promo_from=start, promo_to=start + timedelta(days=7)),
            price(1002, "59.90", "49.90"), price(1003, "19.99")]))
        assert [r.outcome for r in first] == ["accepted"] * 3
        scheduled = sandbox.prices[1001]
        assert scheduled["basePrice"] == Decimal("59.9") and scheduled["listPrice"] == Decimal("59.9")
        assert scheduled["fixedPrices"] == [{
            "tradePolicyId": "1", "value": Decimal("44.9"), "listPrice": Decimal("59.9"),
            "minQuantity": 1,
            "dateRange": {"from": "2024-06-01T00:00:00Z", "to": "2024-06-08T00:00:00Z"}}]
        assert "dateRange" not in sandbox.prices[1002]["fixedPrices"][0]
        assert sandbox.prices[1003]["fixedPrices"] == []
        # The promotion ends: the price table's fixed price goes.
        second = vt.run(acct, lambda a: plugin.push_price(a, [price(1001, "54.90")]))
        assert second[0].outcome == "accepted"
        assert sandbox.prices[1001]["fixedPrices"] == []
        assert sandbox.prices[1001]["basePrice"] == Decimal("54.9")


def ready_order(sandbox: VtexSandbox) -> dict[str, object]:
    return sandbox.orders[sorted(sandbox.eligible_order_ids())[0]]


def shipment(order: dict[str, object], invoice: str | None = "NF-1001", **kw: object
             ) -> hub.Shipment:
    items = order["items"]
    assert isinstance(items, list)
    value = sum(i["sellingPrice"] * i["quantity"] for i in items)
    return hub.Shipment(
        platform_order_id=str(order["orderId"]), carrier="Correios", tracking_number="BR123",
        tracking_url="https://track.example/BR123",
        shipped_at=datetime(2024, 5, 21, 10, 0, tzinfo=UTC),
        invoice=hub.Invoice(number=invoice, key="3524" + "0" * 40,
                            value=hub.Money(amount=Decimal(value).scaleb(-2), currency="BRL"),
                            issued_at=datetime(2024, 5, 21, 9, 0, tzinfo=UTC)) if invoice else None,
        lines=[{"platform_line_id": items[0]["uniqueId"], "sku": items[0]["refId"],
                "quantity": items[0]["quantity"]}], **kw)


def test_an_invoice_with_tracking_then_a_tracking_change(vt: ModuleType) -> None:
    with vt.running(orders=30) as (sandbox, acct):
        order = ready_order(sandbox)
        first = vt.run(acct, lambda a: plugin.push_tracking(a, shipment(order)))
        assert first.outcome == "accepted", first.error
        sent = sandbox.invoices[0]
        item = order["items"][0]  # type: ignore[index]
        assert sent["type"] == "Output" and sent["invoiceNumber"] == "NF-1001"
        assert sent["invoiceKey"] == "3524" + "0" * 40 and sent["courier"] == "Correios"
        assert sent["trackingNumber"] == "BR123" and sent["items"] == [
            {"id": item["id"], "price": item["sellingPrice"], "quantity": item["quantity"]}]
        assert sent["issuanceDate"] == "2024-05-21T09:00:00+00:00"
        assert int(sent["invoiceValue"]) > 0 and isinstance(sent["invoiceValue"], str)
        assert order["status"] in ("handling", "invoiced")  # started handling, then invoiced
        changed = shipment(order).model_copy(update={"tracking_number": "BR999"})
        again = vt.run(acct, lambda a: plugin.push_tracking(a, changed))
        assert again.outcome == "accepted", again.error
        package = order["packageAttachment"]["packages"][-1]  # type: ignore[index]
        assert package["trackingNumber"] == "BR999" and package["invoiceNumber"] == "NF-1001"
        assert sandbox.invoices[-1] == {"orderId": order["orderId"], "invoiceNumber": "NF-1001",
                                        "trackingNumber": "BR999",
                                        "trackingUrl": "https://track.example/BR123",
                                        "courier": "Correios",
                                        "dispatchedDate": "2024-05-21T10:00:00+00:00"}


def test_tracking_without_an_invoice_waits_for_one(vt: ModuleType) -> None:
    with vt.running(orders=30) as (sandbox, acct):
        order = ready_order(sandbox)
        waiting = vt.run(acct, lambda a: plugin.push_tracking(a, shipment(order, invoice=None)))
        assert waiting.outcome == "failed" and waiting.retryable
        assert "--invoice-number" in (waiting.error or "") and sandbox.invoices == []
        invoiced = next(o for o in sandbox.orders.values() if o["status"] == "invoiced")
        patched = vt.run(acct, lambda a: plugin.push_tracking(a, shipment(invoiced, invoice=None)))
        assert patched.outcome == "accepted", patched.error
        number = invoiced["packageAttachment"]["packages"][0]["invoiceNumber"]
        assert sandbox.invoices[-1]["invoiceNumber"] == number


def test_tracking_for_a_canceled_or_unknown_order_is_not_retried(vt: ModuleType) -> None:
    with vt.running(orders=30) as (sandbox, acct):
        canceled = next(o for o in sandbox.orders.values() if o["status"] == "canceled")
        refused = vt.run(acct, lambda a: plugin.push_tracking(a, shipment(canceled)))
        unknown = vt.run(acct, lambda a: plugin.push_tracking(
            a, shipment(canceled).model_copy(update={"platform_order_id": "999-01"})))
    assert refused.outcome == unknown.outcome == "failed"
    assert not refused.retryable and not unknown.retryable
