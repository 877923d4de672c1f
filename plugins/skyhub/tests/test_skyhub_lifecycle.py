"""Invoice, shipment, delivery, cancellation, stock and price against the SkyHub sandbox, through
the plugin's hooks: what SkyHub holds afterwards, repeated pushes accepted, refusals in SkyHub's
words."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import hub
from hub import InvoiceDocument, Money, OrderState, PriceUpdate, Shipment, StateUpdate, StockUpdate
from hub.sandbox import SandboxOptions
from hub.testing.nfe import access_key
from hub_skyhub import plugin
from hub_skyhub.sandbox import SkyhubSandbox

T = TypeVar("T")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@contextmanager
def running(orders: int = 12) -> Iterator[tuple[SkyhubSandbox, hub.Account]]:
    sandbox = SkyhubSandbox(SandboxOptions(orders=orders))
    with sandbox.serve() as url:
        yield sandbox, hub.Account(name="sk", platform="skyhub",
                                   settings=sandbox.account_settings(url))


def call(account: hub.Account, make: Callable[[hub.Account], Awaitable[T]]) -> T:
    async def main() -> T:
        try:
            return await make(account)
        finally:
            await account.aclose()
    return asyncio.run(main())


def approved(sandbox: SkyhubSandbox) -> dict[str, Any]:
    return sandbox.orders[sorted(sandbox.eligible_order_ids())[0]]


def invoice(code: str, key: str | None, number: str = "1234") -> InvoiceDocument:
    return InvoiceDocument(platform_order_id=code, number=number, key=key, issued_at=NOW,
                           value=Money(amount=Decimal("100.00"), currency="BRL"))


def test_an_invoice_is_sent_with_its_nfe_key_once() -> None:
    with running() as (sandbox, account):
        order = approved(sandbox)
        key = access_key(NOW, 1234)
        first = call(account, lambda a: plugin.push_invoice(a, invoice(order["code"], key)))
        again = call(account, lambda a: plugin.push_invoice(a, invoice(order["code"], key)))
    assert first.outcome == "accepted" and again.outcome == "accepted", (first, again)
    assert order["status"]["code"] == "order_invoiced"
    assert [i["key"] for i in order["invoices"]] == [key]
    assert order["invoices"][0]["issue_date"] == "2026-11-20T12:00:00-03:00"
    assert sandbox.stats.routes["POST /orders/{code}/invoice"] == 1


def test_an_invoice_without_a_valid_key_is_refused_before_any_request() -> None:
    with running() as (sandbox, account):
        order = approved(sandbox)
        result = call(account, lambda a: plugin.push_invoice(a, invoice(order["code"], None)))
    assert result.outcome == "failed" and not result.retryable
    assert "44-digit key" in (result.error or "")
    assert sandbox.stats.requests == 0


def test_a_shipment_carries_tracking_and_items_and_a_repeat_is_accepted() -> None:
    with running() as (sandbox, account):
        order = approved(sandbox)
        key = access_key(NOW, 77)
        shipment = Shipment(platform_order_id=order["code"], carrier="Correios",
                            tracking_number="BR123456789BR", tracking_url="https://rastreio/1",
                            shipped_at=NOW, invoice=hub.Invoice(number="77", key=key, issued_at=NOW))
        first = call(account, lambda a: plugin.push_tracking(a, shipment))
        again = call(account, lambda a: plugin.push_tracking(a, shipment))
    assert first.outcome == "accepted" and again.outcome == "accepted", (first, again)
    assert order["status"]["code"] == "order_shipped"
    assert [i["key"] for i in order["invoices"]] == [key]  # invoiced first, with the NF-e key
    [sent] = order["shipments"]
    assert sent["track"] == {"code": "BR123456789BR", "carrier": "Correios",
                             "method": order["shipping_method"], "url": "https://rastreio/1"}
    assert sent["items"] == [{"sku": i["id"], "qty": i["qty"]} for i in order["items"]]
    assert sandbox.read_tracking(order["code"]) == "BR123456789BR"


def test_delivered_and_cancelled_follow_skyhubs_transitions() -> None:
    with running() as (sandbox, account):
        order = approved(sandbox)
        code = order["code"]

        def state(target: OrderState, previous: OrderState) -> Any:
            update = StateUpdate(platform_order_id=code, state=target, platform_status="x",
                                 previous=previous)
            return call(account, lambda a: plugin.push_order_state(a, update))

        early = state(OrderState.DELIVERED, OrderState.READY)  # not shipped yet: SkyHub says no
        assert early.outcome == "failed" and not early.retryable
        assert "Invalid status transition" in (early.error or "")
        shipment = Shipment(platform_order_id=code, carrier="Correios", tracking_number="BR1BR")
        assert call(account, lambda a: plugin.push_tracking(a, shipment)).outcome == "accepted"
        assert state(OrderState.DELIVERED, OrderState.SHIPPED).outcome == "accepted"
        assert order["status"]["code"] == "complete"
        assert state(OrderState.DELIVERED, OrderState.SHIPPED).outcome == "accepted"  # repeat
        late = state(OrderState.CANCELLED, OrderState.DELIVERED)
        assert late.outcome == "failed" and "complete" in (late.error or "")
        other = sorted(sandbox.eligible_order_ids())[0]
        update = StateUpdate(platform_order_id=other, state=OrderState.CANCELLED,
                             platform_status="payment_received", previous=OrderState.READY)
        assert call(account, lambda a: plugin.push_order_state(a, update)).outcome == "accepted"
        assert sandbox.orders[other]["status"]["code"] == "order_canceled"
        assert other in sandbox.queue  # SkyHub queues the change for the integration


def test_stock_and_prices_land_on_products_and_variations() -> None:
    with running() as (sandbox, account):
        now = datetime.now(UTC)
        stock = [StockUpdate(sku="SKH-1001", platform_product_id="SKH-1001", quantity=7),
                 StockUpdate(sku="SKH-2001-M", platform_product_id="SKH-2001",
                             platform_variant_id="SKH-2001-M", quantity=3),
                 StockUpdate(sku="GHOST", platform_product_id="GHOST", quantity=1)]
        results = call(account, lambda a: plugin.push_stock(a, stock))
        assert [r.outcome for r in results] == ["accepted", "accepted", "failed"]
        assert "SkyHub has no product with SKU GHOST" in (results[2].error or "")
        assert sandbox.read_stock("SKH-1001", None) == 7
        assert sandbox.read_stock("SKH-2001", "SKH-2001-M") == 3
        brl = "BRL"
        prices = [
            PriceUpdate(sku="SKH-1001", platform_product_id="SKH-1001",
                        regular=Money(amount=Decimal("59.90"), currency=brl),
                        promotional=Money(amount=Decimal("49.90"), currency=brl),
                        promo_from=now - timedelta(days=1), promo_to=now + timedelta(days=1)),
            PriceUpdate(sku="SKH-2001-M", platform_product_id="SKH-2001",
                        platform_variant_id="SKH-2001-M",
                        regular=Money(amount=Decimal("89.90"), currency=brl),
                        promotional=Money(amount=Decimal("79.90"), currency=brl),
                        promo_from=now + timedelta(days=3)),  # not open yet: regular price only
            PriceUpdate(sku="SKH-1002", platform_product_id="SKH-1002",
                        regular=Money(amount=Decimal("10.00"), currency=brl),
                        promotional=Money(amount=Decimal("12.00"), currency=brl)),
        ]
        results = call(account, lambda a: plugin.push_price(a, prices))
        assert [r.outcome for r in results] == ["accepted", "accepted", "failed"]
        assert "promotional_price must not exceed price" in (results[2].error or "")
        assert not results[2].retryable
        assert sandbox.read_price("SKH-1001", None) == (Decimal("59.90"), Decimal("49.90"))
        assert sandbox.read_price("SKH-2001", "SKH-2001-M") == (Decimal("89.90"), None)


def test_wrong_keys_ask_to_reauthorize_and_good_ones_authorize() -> None:
    with running() as (_sandbox, account):
        assert call(account, lambda a: plugin.authorize(a, None)) is None  # type: ignore[arg-type]
        bad = hub.Account(name="sk", platform="skyhub",
                          settings={**account.settings, "api_key": "wrong-key-123"})
        try:
            call(bad, lambda a: plugin.authorize(a, None))  # type: ignore[arg-type]
        except hub.AuthError as exc:
            assert "hub accounts authorize sk" in str(exc.hint) and "wrong-key-123" not in str(exc)
        else:
            raise AssertionError("wrong keys were accepted")


def _draft(**extra: Any) -> hub.ListingDraft:
    values: dict[str, Any] = {
        "sku": "NEW-MUG", "name": "Caneca", "description": "Caneca de cerâmica", "brand": "Hub",
        "barcode": "4006381333931", "weight": Decimal("0.35"), "length": Decimal("12"),
        "width": Decimal("9"), "height": Decimal("10"), "images": ["https://img.example/m.jpg"],
        "category": "Canecas", "platform_category": "100", "attributes": {"Material": "Cerâmica"},
        "price": Money(amount=Decimal("19.90"), currency="BRL"), "quantity": 12}
    values.update(extra)
    return hub.ListingDraft(**values)


def test_a_product_is_created_once_then_updated_with_what_changed() -> None:
    with running() as (sandbox, account):
        created = call(account, lambda a: plugin.push_product(a, _draft()))
        assert created.outcome == "accepted" and created.action == "created", created
        assert created.platform_id == "NEW-MUG"
        held = sandbox.products["NEW-MUG"]
        assert (held["price"], held["promotional_price"], held["qty"]) == (19.9, 19.9, 12)
        assert held["categories"] == [{"code": "100", "name": "Canecas"}]
        assert held["specifications"] == [{"key": "Material", "value": "Cerâmica"}]
        # not linked yet (platform_product_id None) and pushed again: found by SKU, updated
        renamed = call(account, lambda a: plugin.push_product(
            a, _draft(name="Caneca azul", changed=["name"])))
        assert renamed.outcome == "accepted" and renamed.action == "updated", renamed
        assert held["name"] == "Caneca azul" and held["price"] == 19.9
        assert sandbox.stats.routes["POST /products"] == 1


def test_a_new_product_without_what_skyhub_requires_fails_before_any_request() -> None:
    with running() as (sandbox, account):
        result = call(account, lambda a: plugin.push_product(
            a, _draft(platform_category=None, brand=None, weight=None)))
        assert result.outcome == "failed" and not result.retryable
        assert "a SkyHub category (hub categories map ACCOUNT 'Canecas' CODE)" in (result.error or "")
        assert "a brand" in (result.error or "") and "weight (kg)" in (result.error or "")
        assert sandbox.stats.routes["POST /products"] == 0 and "NEW-MUG" not in sandbox.products
        refused = call(account, lambda a: plugin.push_product(a, _draft(platform_category="999")))
        assert refused.outcome == "failed" and "categories must name SkyHub categories" in (
            refused.error or "")
