"""The order lifecycle both ways through the core: platform statuses move the hub's state,
cancellations after deduction wait for a restock, and admins' moves reach the platform
through the status flow (coalesced, confirmed, retried, refused when impossible)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.metrics import collect, render
from hub.core.storage.models import Order as OrderRow
from hub.core.storage.models import (
    OrderEvent,
    OutboxItem,
    Product,
    RunItem,
    StockLevel,
    Warehouse,
)
from hub.core.sync import fulfilment
from hub.core.sync.lifecycle import TransitionRefused, request_state, restock
from hub.core.sync.orders import import_orders
from hub.core.sync.push import push
from hub.core.sync.stock import set_level
from hub.errors import ConfigError
from hub.lifecycle import OrderState
from tests.fakeplatform import NOW, FakePlatform, make_order

S = OrderState


def run_import(app: HubApp) -> None:
    async def go() -> None:
        try:
            await import_orders(app, "main", since=NOW - timedelta(days=30))
        finally:
            await app.accounts.aclose()
    asyncio.run(go())


def run_push(app: HubApp):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        try:
            return await push(app, "main", "status")
        finally:
            await app.accounts.aclose()
    return asyncio.run(go())


def order(app: HubApp, platform_id: str = "1") -> OrderRow:
    with app.db.session() as s:
        return s.exec(select(OrderRow).where(OrderRow.platform_order_id == platform_id)).one()


def level(app: HubApp) -> int:
    with app.db.session() as s:
        return s.exec(select(StockLevel.quantity).where(StockLevel.product_id == 1)).one()


def stocked(app: HubApp) -> None:
    with app.db.session() as s:
        s.add(Warehouse(name="main"))
        s.add(Product(sku="SKU-1", name="Mug"))
        s.flush()
        set_level(s, 1, 1, 10)


def later(fake: FakePlatform, minutes: int, **changes: str) -> None:
    fake.orders["1"].update(changes)
    fake.orders["1"]["modified"] = (NOW - timedelta(minutes=minutes)).isoformat()


def test_imported_orders_take_their_state_from_the_platform_status(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    app.accounts.update_settings("main", {"eligible_statuses": "paid,packing"})
    fake.add(make_order(1), make_order(2, status="packing"))
    run_import(app)
    assert (order(app, "1").state, order(app, "2").state) == ("ready", "handling")
    later(fake, 5, status="packing")
    run_import(app)
    assert order(app).state == "handling"
    later(fake, 4, status="pending")  # the platform walks back: recorded, not applied
    run_import(app)
    current = order(app)
    assert current.state == "handling" and current.status == "pending"
    with app.db.session() as s:
        events = s.exec(select(OrderEvent).where(OrderEvent.order_id == current.id)).all()
    assert ("state", "platform") in {(e.kind, e.source) for e in events}
    assert any(e.kind == "ignored" and "cannot go back to new" in e.message for e in events)


def test_cancel_before_deduction_gives_stock_back_after_it_waits_for_restock(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    stocked(app)
    fake.add(make_order(1))
    run_import(app)
    assert level(app) == 8
    fulfilment.deduct(app, order(app).id or 0)
    later(fake, 5, status="refunded")
    run_import(app)
    row = order(app)
    assert row.state == "cancelled" and level(app) == 8  # deducted: nothing comes back alone
    with app.db.session() as s:
        alerts = s.exec(select(RunItem).where(RunItem.outcome == "alert")).all()
    assert len(alerts) == 1 and f"hub orders restock {row.id}" in (alerts[0].reason or "")
    text = render(collect(app))
    assert 'hub_restock_pending{account="main"} 1' in text
    assert 'hub_order_alerts_total{account="main"} 1' in text
    assert restock(app, row.id or 0).units == 3  # 2 mugs and a shirt
    assert level(app) == 10
    assert 'hub_restock_pending{account="main"} 0' in render(collect(app))
    with pytest.raises(TransitionRefused, match="holds no stock to give back"):
        restock(app, row.id or 0)


def test_restock_refuses_a_live_order(app: HubApp, account: str, fake: FakePlatform) -> None:
    stocked(app)
    fake.add(make_order(1))
    run_import(app)
    with pytest.raises(TransitionRefused, match="only a cancelled, returned or released"):
        restock(app, order(app).id or 0)


def test_apply_on_status_deducts_the_order_in_the_hub(app: HubApp, account: str,
                                                      fake: FakePlatform) -> None:
    stocked(app)
    app.accounts.update_settings("main", {"apply_on": "sent"})
    fake.add(make_order(1))
    run_import(app)
    assert order(app).stock_deducted_at is None
    later(fake, 5, status="sent")
    run_import(app)
    row = order(app)
    assert row.stock_deducted_at is not None and row.state == "shipped" and level(app) == 8
    with app.db.session() as s:
        deducted = s.exec(select(OrderEvent).where(OrderEvent.kind == "deducted")).one()
    assert deducted.source == "platform" and "finalised on FakeShop" in deducted.message


def test_admin_moves_are_pushed_coalesced_and_confirmed(app: HubApp, account: str,
                                                        fake: FakePlatform) -> None:
    fake.add(make_order(1))
    run_import(app)
    order_id = order(app).id or 0
    off = request_state(app, order_id, S.HANDLING, source="cli")
    assert not off.queued and "status flow is off" in off.note
    with pytest.raises(ConfigError, match="the status flow is off"):
        run_push(app)
    app.accounts.set_flags("main", flow_status=True)
    fulfilment.ship_order(app, order_id, carrier="UPS", tracking="1Z")
    assert order(app).state == "shipped"  # shipping moves the state; tracking carries it
    done = request_state(app, order_id, S.DELIVERED, source="api")
    assert done.queued and done.previous == S.SHIPPED
    result = run_push(app)
    assert result.counts.counts["pushed"] == 1
    [update] = fake.state_calls
    assert (update.state, update.previous, update.platform_order_id) == (S.DELIVERED, S.SHIPPED, "1")
    assert fake.orders["1"]["status"] == "delivered"
    assert run_push(app).counts.counts["pushed"] == 0  # confirmed: nothing left to send


def test_refused_moves_and_unwritable_states_change_nothing(app: HubApp, account: str,
                                                            fake: FakePlatform) -> None:
    fake.add(make_order(1))
    run_import(app)
    order_id = order(app).id or 0
    app.accounts.set_flags("main", flow_status=True)
    with pytest.raises(TransitionRefused, match="cannot be delivered before it is shipped"):
        request_state(app, order_id, S.DELIVERED, source="cli")
    with pytest.raises(TransitionRefused, match="FakeShop cannot set an order to invoiced"):
        request_state(app, order_id, S.INVOICED, source="cli")
    with pytest.raises(TransitionRefused, match="hub orders ship"):
        request_state(app, order_id, S.SHIPPED, source="cli")
    with pytest.raises(ConfigError, match="needs a reason"):
        request_state(app, order_id, S.CANCELLED, source="cli")
    assert order(app).state == "ready"
    local = request_state(app, order_id, S.INVOICED, source="cli", local=True)
    assert not local.queued and order(app).state == "invoiced"
    with app.db.session() as s:
        assert s.exec(select(OutboxItem)).all() == []


def test_a_platform_refusal_is_visible_and_not_faked(app: HubApp, account: str,
                                                     fake: FakePlatform) -> None:
    fake.add(make_order(1))
    run_import(app)
    app.accounts.set_flags("main", flow_status=True)
    fake.refuse_state = "order already closed on the platform"
    done = request_state(app, order(app).id or 0, S.CANCELLED, source="cli", reason="buyer asked")
    assert done.queued
    result = run_push(app)
    assert result.counts.counts["failed"] == 1 and fake.orders["1"]["status"] == "paid"
    with app.db.session() as s:
        item = s.exec(select(OutboxItem).where(OutboxItem.kind == "status")).one()
    assert item.status == "failed" and item.last_error == "order already closed on the platform"
    assert fake.state_calls[0].reason == "buyer asked"


def test_an_alert_shows_in_the_import_summary(app: HubApp, account: str, fake: FakePlatform,
                                              hub_cli) -> None:  # type: ignore[no-untyped-def]
    stocked(app)
    fake.add(make_order(1))
    run_import(app)
    fulfilment.deduct(app, order(app).id or 0)
    later(fake, 5, status="cancelled")
    done = hub_cli("orders", "import", "--account", "main", "--since", "2026-10-01")
    assert done.code == 0 and "alerts 1" in done.err
    assert "hub orders restock ID" in done.err
    restocked = hub_cli("orders", "restock", str(order(app).id))
    assert restocked.code == 0 and "3 unit(s) given back" in restocked.err and level(app) == 10
