"""Stock, price and tracking pushes through the outbox: only changes, batched, confirmed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.storage.models import Order, OutboxItem, RunItem
from hub.core.sync import fulfilment, inventory
from hub.core.sync.orders import import_orders
from hub.core.sync.push import push
from hub.core.sync.retry import retry_runs
from hub.core.sync.stock import add_warehouse
from hub.errors import ConfigError
from tests.fakeplatform import FakePlatform, make_order


def go(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture
def linked(app: HubApp, account: str, fake: FakePlatform) -> HubApp:
    """An account with two linked listings (SKU-1, SKU-2-RED) and two warehouses."""
    with app.db.session() as s:
        add_warehouse(s, "north")
        add_warehouse(s, "south")
    fake.add(make_order(1))
    go(import_orders(app, "main"))
    app.accounts.set_flags("main", flow_stock=True, flow_price=True, flow_tracking=True)
    return app


def quantities(fake: FakePlatform) -> list[dict[str, int]]:
    return [{u.sku: u.quantity for u in call} for call in fake.stock_calls]


def test_stock_is_the_sum_of_feed_warehouses_and_unchanged_stock_is_never_pushed(
        linked: HubApp, fake: FakePlatform) -> None:
    inventory.set_stock(linked, "SKU-1", 5, "north")
    inventory.set_stock(linked, "SKU-1", 7, "south")
    first = go(push(linked, "main", "stock"))
    assert quantities(fake) == [{"SKU-1": 12}]  # SKU-2-RED: no level anywhere, not managed
    assert first.counts.counts["pushed"] == 1 and first.not_managed == ["SKU-2-RED"]
    go(push(linked, "main", "stock"))
    assert len(fake.stock_calls) == 1  # nothing changed: no request at all
    inventory.set_stock(linked, "SKU-1", 6, "south")
    go(push(linked, "main", "stock"))
    assert quantities(fake)[-1] == {"SKU-1": 11}  # only the changed listing


def test_feed_warehouses_chosen_per_account(linked: HubApp, fake: FakePlatform) -> None:
    from hub.core.storage.models import AccountWarehouse

    inventory.set_stock(linked, "SKU-1", 5, "north")
    inventory.set_stock(linked, "SKU-1", 7, "south")
    with linked.db.session() as s:
        s.add(AccountWarehouse(account_id=1, warehouse_id=2))
    go(push(linked, "main", "stock"))
    assert quantities(fake)[0]["SKU-1"] == 7


def test_values_coalesce_per_listing_latest_wins(linked: HubApp, fake: FakePlatform) -> None:
    for qty in (1, 2, 3):
        inventory.set_stock(linked, "SKU-1", qty, "north")
    go(push(linked, "main", "stock"))
    assert quantities(fake) == [{"SKU-1": 3}]


def test_batches_follow_the_plugins_batch_size(linked: HubApp, fake: FakePlatform) -> None:
    from hub.core.storage.models import Product, ProductLink

    with linked.db.session() as s:
        for i in range(5):
            product = Product(sku=f"EXTRA-{i}", name=f"Extra {i}")
            s.add(product)
            s.flush()
            s.add(ProductLink(account_id=1, product_id=product.id, platform_product_id=f"x{i}",
                              sku=product.sku))
            product.stock_managed = True  # managed without a level: pushed as 0
    inventory.set_stock(linked, "SKU-1", 1, "north")
    inventory.manage_stock(linked, "SKU-2-RED")
    go(push(linked, "main", "stock"))
    assert [len(c) for c in fake.stock_calls] == [3, 3, 1]  # stock_batch_size=3, 7 listings


def test_nothing_is_written_for_a_flow_that_is_off(app: HubApp, account: str,
                                                   fake: FakePlatform) -> None:
    with app.db.session() as s:
        add_warehouse(s, "north")
    fake.add(make_order(1))
    go(import_orders(app, "main"))
    inventory.set_stock(app, "SKU-1", 5, "north")
    with pytest.raises(ConfigError, match="stock flow is off"):
        go(push(app, "main", "stock"))
    with app.db.session() as s:
        order_id = s.exec(select(Order.id)).one()
    _, queued = fulfilment.ship(app, order_id, carrier="UPS", tracking="1Z")
    assert not queued
    assert fake.stock_calls == [] and fake.tracking_calls == []


def test_rejected_items_stay_visible_retry_with_backoff_and_can_be_retried(
        linked: HubApp, fake: FakePlatform) -> None:
    inventory.set_stock(linked, "SKU-1", 4, "north")
    fake.reject_skus = {"SKU-1"}
    result = go(push(linked, "main", "stock"))
    assert result.status == "partial" and result.counts.counts["failed"] == 1
    with linked.db.session() as s:
        item = s.exec(select(OutboxItem).where(OutboxItem.status == "retrying")).one()
        assert item.last_error == "listing locked" and item.next_attempt_at > datetime.now(UTC)
        failed = s.exec(select(RunItem).where(RunItem.outcome == "failed")).one()
    go(push(linked, "main", "stock"))
    assert len(fake.stock_calls) == 1  # backing off: not sent again yet
    fake.reject_skus = set()
    retried = go(retry_runs(linked, [failed.run_id]))
    assert retried.resolved == 1 and retried.still_failing == 0
    assert quantities(fake)[-1] == {"SKU-1": 4}
    with linked.db.session() as s:
        assert s.get(RunItem, failed.id).resolved


def test_prices_with_a_scheduled_promotion_and_per_account_override(linked: HubApp,
                                                                     fake: FakePlatform) -> None:
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    inventory.set_price(linked, "SKU-1", Decimal("19.90"), promo=Decimal("14.90"),
                        promo_from=start, promo_to=end)
    go(push(linked, "main", "price"))
    [[update]] = fake.price_calls
    assert update.regular.amount == Decimal("19.90") and update.promotional.amount == Decimal("14.90")
    assert (update.promo_from, update.promo_to) == (start, end)
    inventory.set_price(linked, "SKU-1", Decimal("18.00"), account="main")
    go(push(linked, "main", "price"))
    assert fake.price_calls[-1][0].regular.amount == Decimal("18.00")
    assert fake.price_calls[-1][0].promotional is None
    go(push(linked, "main", "price"))
    assert len(fake.price_calls) == 2
    with pytest.raises(ConfigError, match="lower than the regular price"):
        inventory.set_price(linked, "SKU-1", Decimal("10"), promo=Decimal("12"))


def test_shipments_push_tracking_and_invoice_and_again_after_deduction(linked: HubApp,
                                                                       fake: FakePlatform) -> None:
    with linked.db.session() as s:
        order_id = s.exec(select(Order.id)).one()
    fulfilment.ship(linked, order_id, carrier="Correios", tracking="BR123", url="https://t.example/BR123",
                    invoice_number="NF-1", invoice_key="3519" + "0" * 40)
    go(push(linked, "main", "tracking"))
    [shipment] = fake.tracking_calls
    assert (shipment.platform_order_id, shipment.carrier, shipment.tracking_number) == (
        "1", "Correios", "BR123")
    assert shipment.invoice.number == "NF-1" and shipment.invoice.value.amount == Decimal("44.00")
    assert not shipment.stock_deducted and len(shipment.lines) == 2
    go(push(linked, "main", "tracking"))
    assert len(fake.tracking_calls) == 1
    fulfilment.deduct(linked, order_id)
    go(push(linked, "main", "tracking"))
    assert len(fake.tracking_calls) == 2 and fake.tracking_calls[-1].stock_deducted


def test_a_promotion_window_opening_and_closing_pushes_the_price_again(
        linked: HubApp, fake: FakePlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    """Platforms without scheduled sale prices (Shopify) need the price re-sent at each edge."""
    import hub.core.sync.push as push_module

    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC)
    inventory.set_price(linked, "SKU-1", Decimal("19.90"), promo=Decimal("14.90"),
                        promo_from=start, promo_to=end)
    for day, expected_calls in ((datetime(2026, 11, 30, tzinfo=UTC), 1),   # before: first push
                                (datetime(2026, 11, 30, 12, tzinfo=UTC), 1),  # nothing changed
                                (datetime(2026, 12, 2, tzinfo=UTC), 2),    # the window opened
                                (datetime(2026, 12, 9, tzinfo=UTC), 3)):   # the window closed
        monkeypatch.setattr(push_module, "now", lambda day=day: day)
        go(push(linked, "main", "price"))
        assert len(fake.price_calls) == expected_calls, day


def test_stock_updates_carry_the_warehouse_mappings_location(app: HubApp, account: str,
                                                             fake: FakePlatform) -> None:
    with app.db.session() as s:
        add_warehouse(s, "north", "gid://shopify/Location/7")
        add_warehouse(s, "south")  # no location: it still feeds the sum
    fake.add(make_order(1))
    go(import_orders(app, "main"))
    app.accounts.set_flags("main", flow_stock=True)
    inventory.set_stock(app, "SKU-1", 5, "north")
    inventory.set_stock(app, "SKU-1", 2, "south")
    go(push(app, "main", "stock"))
    assert {(u.sku, u.quantity, u.warehouse) for u in fake.stock_calls[0]} >= {
        ("SKU-1", 7, "gid://shopify/Location/7")}
    with app.db.session() as s:
        add_warehouse(s, "east", "gid://shopify/Location/9")  # two locations: the plugin decides
        assert inventory.feed_location(s, 1) is None


def test_a_sale_of_an_unmanaged_sku_debits_nothing_and_is_not_pushed(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    from hub.core.storage.models import StockLevel

    with app.db.session() as s:
        add_warehouse(s, "main")  # the only warehouse: sales debit it
    inventory.add_product(app, "SKU-1", "Mug")
    inventory.manage_stock(app, "SKU-1")  # managed without a level
    fake.add(make_order(1))  # sells SKU-1 and SKU-2-RED
    go(import_orders(app, "main"))
    app.accounts.set_flags("main", flow_stock=True)
    with app.db.session() as s:
        levels = {lv.product_id: lv.quantity for lv in s.exec(select(StockLevel))}
    assert list(levels.values()) == [-2]  # only the managed SKU-1 is debited
    result = go(push(app, "main", "stock"))
    assert quantities(fake) == [{"SKU-1": 0}] and result.not_managed == ["SKU-2-RED"]
    assert result.summary() == "pushed 1, failed 0, not managed 1, unchanged 0"
