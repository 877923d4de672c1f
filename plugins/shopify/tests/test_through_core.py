"""The Shopify plugin and its sandbox through the real core (hub.testing.harness)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from hub.core.storage.models import OrderEvent, OutboxItem
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

OPTIONS = SandboxOptions(seed=21, orders=60)


def _fast(h: SandboxHarness) -> None:
    h.sandbox.bucket.rate = 5000.0  # a Plus-plan bucket keeps the suite quick


def test_import_then_reimport_changes_nothing(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, OPTIONS) as h:
        _fast(h)
        first = h.import_orders()
        assert first.error is None
        assert h.order_ids() == h.sandbox.eligible_order_ids()
        assert first.counts.counts["imported"] == len(h.sandbox.eligible_order_ids())
        again = h.import_orders(full=True)
        assert again.counts.counts.get("imported", 0) == 0
        assert again.counts.counts.get("updated", 0) == 0
        assert [op["status"] for op in h.sandbox.bulk_ops.values()] == ["COMPLETED"] * len(
            h.sandbox.bulk_ops)  # the 60-day backfill slices older than 7 days went bulk
        assert h.sandbox.bulk_ops


def test_a_changed_delivery_address_adds_a_comment(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, OPTIONS) as h:
        _fast(h)
        h.import_orders()
        row = next(o for o in h.orders() if o.shipping_address)
        order = h.sandbox.order_by_number(row.platform_order_id)
        h.sandbox.touch(row.platform_order_id, shippingAddress={
            **order["shippingAddress"], "address1": "77 New Street"})
        result = h.import_orders()
        assert result.counts.counts.get("updated") == 1
        with h.app.db.session() as s:
            events = list(s.exec(select(OrderEvent).where(OrderEvent.order_id == row.id,
                                                          OrderEvent.kind == "delivery")))
        assert len(events) == 2 and "77 New Street" in events[-1].message


def test_pushes_reach_the_shop(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, OPTIONS) as h:
        _fast(h)
        h.import_orders()
        sku = next(s for s in h.skus() if s != "GIFT-50" and s in {
            v["sku"] for v in h.sandbox.store.variants.values()})
        h.set_stock(sku, 42)
        stock = h.push("stock")
        assert stock.error is None
        with h.app.db.session() as s:
            accepted = [item.accepted for item in s.exec(select(OutboxItem).where(
                OutboxItem.kind == "stock")) if item.accepted and item.accepted["sku"] == sku]
        assert accepted and h.sandbox.available(sku) == accepted[0]["quantity"]
        assert {p["sku"] for p in h.sandbox.stock_pushes} <= set(h.skus())
        h.set_price(sku, "61.50")
        assert h.push("price").error is None
        assert h.sandbox.variant(sku)["price"] == "61.50"
        order = next(o for o in h.orders())
        h.ship(order.id or 0, carrier="UPS", tracking="1ZHUB0001")
        tracking = h.push("tracking")
        assert tracking.error is None and tracking.counts.counts.get("pushed") == 1
        shop_order = h.sandbox.order_by_number(order.platform_order_id)
        numbers = [t["number"] for f in shop_order["_fulfillments"]
                   for t in h.sandbox.store.fulfillments[f]["_tracking"]]
        assert "1ZHUB0001" in numbers


def test_webhook_deliveries_reach_the_daemon_route(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, OPTIONS) as h:
        _fast(h)
        from hub.core.sync import webhooks

        received: list[tuple[int, Any]] = []

        def handler(request: httpx.Request) -> httpx.Response:
            result = webhooks.receive(h.app, "shopify", "main", dict(request.headers),
                                      request.content)
            received.append((result.status, result.event_id))
            return httpx.Response(result.status)

        h.sandbox.webhook_transport = httpx.MockTransport(handler)
        oid = sorted(h.sandbox.eligible_order_ids())[0]
        assert h.run(h.sandbox.deliver_webhook("http://hub/webhooks/shopify/main",
                                               "orders/create", oid)) == 202
        assert h.run(h.sandbox.redeliver()) == 200  # the retry is a duplicate
        h.run(webhooks.process(h.app, received[0][1]))
        assert h.order_ids() == {oid}


def test_oauth_through_the_cli_flow_then_import(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(seed=22, orders=20),
                        settings={"access_token": ""}) as h:
        _fast(h)
        assert h.authorize() is True  # new credentials stored, encrypted
        stored = h.app.accounts.load_credentials(h.app.accounts.row("main").id or 0)
        assert stored["access_token"].startswith("shpua_") and stored["refresh_token"]
        result = h.import_orders()
        assert result.error is None and h.order_ids() == h.sandbox.eligible_order_ids()
