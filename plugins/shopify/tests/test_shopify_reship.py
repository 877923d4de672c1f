"""Shipping an order twice updates its one Shopify fulfillment's tracking (read back from the sandbox)."""

from __future__ import annotations

from pathlib import Path

from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def test_a_second_ship_updates_the_fulfillment_tracking(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(seed=21, orders=20)) as h:
        assert h.import_orders().error is None
        order = next(o for o in h.orders())
        h.ship(order.id or 0, carrier="UPS", tracking="1ZFIRST")
        first = h.push("tracking")
        assert first.counts.counts["created"] == 1, first.counts.as_dict()
        h.ship(order.id or 0, carrier="FedEx", tracking="FXSECOND", url="https://t.example/FX")
        second = h.push("tracking")
        assert second.error is None and second.counts.counts["updated"] == 1, second.counts.as_dict()
        shop_order = h.sandbox.order_by_number(order.platform_order_id)
        [fulfillment] = shop_order["_fulfillments"]
        tracking = h.sandbox.store.fulfillments[fulfillment]["_tracking"]
        assert [(t["company"], t["number"]) for t in tracking] == [("FedEx", "FXSECOND")]
