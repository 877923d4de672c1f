"""Order states both ways through the WooCommerce sandbox: statuses read as hub states, and the
status flow's cancel and deliver written, read back from the store, refused where they make no
sense."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from hub.core.storage.models import Order
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

FLOWS = ("orders", "tracking", "status")


def test_cancel_and_deliver_reach_the_store_and_a_closed_order_refuses(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(seed=5, orders=12),
                        flows=FLOWS) as h:
        assert h.import_orders().error is None
        first, second, third = list(h.orders())[:3]
        assert {first.state, second.state, third.state} == {"ready"}  # processing
        h.set_state(first.id or 0, "cancelled", "buyer asked")
        h.ship(second.id or 0, carrier="UPS", tracking="1Z9")
        h.set_state(second.id or 0, "delivered")
        # a clerk cancels the third on the store; the hub still thinks it can deliver it
        store_third = h.sandbox.orders[int(third.platform_order_id)]
        store_third["status"] = "cancelled"
        h.ship(third.id or 0, carrier="UPS", tracking="1Z10", force=True)
        h.set_state(third.id or 0, "delivered")
        result = h.push("status")
        assert result.counts.counts["pushed"] == 2 and result.counts.counts["failed"] == 1
        store = h.sandbox.orders
        assert store[int(first.platform_order_id)]["status"] == "cancelled"
        notes = [n["note"] for n in h.sandbox.notes[int(first.platform_order_id)]]
        assert "Cancelled by the hub: buyer asked" in notes
        assert store[int(second.platform_order_id)]["status"] == "completed"
        assert store_third["status"] == "cancelled"  # nothing faked
        assert "cannot become completed" in (h.run_items("failed")[0].reason or "")


def test_store_statuses_move_the_hub_state(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(seed=5, orders=12),
                        flows=FLOWS) as h:
        assert h.import_orders().error is None
        first = h.orders()[0]
        oid = int(first.platform_order_id)
        h.sandbox.orders[oid]["status"] = "completed"
        h.sandbox._touch(h.sandbox.orders[oid])
        assert h.import_orders().error is None
        with h.app.db.session() as s:
            assert s.get(Order, first.id).state == "shipped"  # type: ignore[union-attr]
        h.sandbox.orders[oid]["status"] = "refunded"
        h.sandbox._touch(h.sandbox.orders[oid])
        assert h.import_orders().error is None
        with h.app.db.session() as s:
            row = s.exec(select(Order).where(Order.id == first.id)).one()
        assert row.state == "returned"  # refunded after it shipped: it came back
