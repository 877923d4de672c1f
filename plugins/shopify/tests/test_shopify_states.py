"""Order states both ways through the Shopify sandbox: orderCancel with the reason, a DELIVERED
fulfillment event, each read back; Shopify's refusals (cancelling a fulfilled order, fulfilling
a cancelled one) surface as failed pushes, nothing faked."""

from __future__ import annotations

from pathlib import Path

from hub.core.storage.models import Order
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub.types import Shipment
from hub_shopify.client import ShopifyClient
from hub_shopify.tracking import push


def test_cancel_and_delivery_reach_shopify(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(seed=21, orders=20),
                        flows=("orders", "tracking", "status")) as h:
        assert h.import_orders().error is None
        cancel, deliver, late = h.orders()[:3]
        assert {o.state for o in (cancel, deliver, late)} == {"ready"}
        h.set_state(cancel.id or 0, "cancelled", "buyer changed their mind")
        h.ship(deliver.id or 0, carrier="UPS", tracking="1Z1")
        h.ship(late.id or 0, carrier="UPS", tracking="1Z2")
        assert h.push("tracking").counts.counts["pushed"] == 2
        h.set_state(deliver.id or 0, "delivered")
        result = h.push("status")
        assert result.counts.counts["pushed"] == 2, h.run_items("failed")
        shop_cancel = h.sandbox.order_by_number(cancel.platform_order_id)
        assert shop_cancel["cancelledAt"] is not None
        assert shop_cancel["_cancel"]["staffNote"] == "buyer changed their mind"
        assert shop_cancel["_cancel"]["refund"] is True  # refundMethod: original payment method
        fid = h.sandbox.order_by_number(deliver.platform_order_id)["_fulfillments"][-1]
        assert h.sandbox.store.fulfillments[fid]["displayStatus"] == "DELIVERED"

        # Shopify refuses to fulfil the cancelled order: the tracking push fails, nothing faked
        h.ship(cancel.id or 0, carrier="UPS", tracking="1Z3", force=True)
        assert h.push("tracking").counts.counts["failed"] == 1
        assert h.sandbox.order_by_number(cancel.platform_order_id)["_fulfillments"] == []


def test_shopify_refuses_to_cancel_a_fulfilled_order(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(seed=21, orders=20),
                        flows=("orders", "tracking", "status")) as h:
        assert h.import_orders().error is None
        order = h.orders()[0]
        # fulfilled on Shopify by someone else while the hub still has it ready
        shipment = Shipment(platform_order_id=order.platform_order_id, carrier="DHL",
                            tracking_number="D1")
        account = h.app.accounts.open(h.app.accounts.row("main"))
        assert h.run(push(ShopifyClient(account), shipment)).outcome == "accepted"
        h.set_state(order.id or 0, "cancelled", "too late")
        assert h.push("status").counts.counts["failed"] == 1
        assert "Cannot cancel an order that has fulfillments" in h.run_items("failed")[0].reason
        assert h.sandbox.order_by_number(order.platform_order_id)["cancelledAt"] is None
        with h.app.db.session() as s:
            assert s.get(Order, order.id).state == "cancelled"  # type: ignore[union-attr]


def test_refund_on_cancel_false_cancels_without_a_refund(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(seed=21, orders=20),
                        settings={"refund_on_cancel": "false"}, flows=("orders", "status")) as h:
        assert h.import_orders().error is None
        order = h.orders()[0]
        h.set_state(order.id or 0, "cancelled", "out of stock")
        assert h.push("status").counts.counts["pushed"] == 1, h.run_items("failed")
        assert h.sandbox.order_by_number(order.platform_order_id)["_cancel"]["refund"] is False
