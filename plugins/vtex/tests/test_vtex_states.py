"""Order states both ways through the VTEX sandbox: start-handling, cancel with its reason and
delivery on the tracked invoice, each read back; VTEX's refusals (cancel after invoicing,
delivery without a tracked invoice) surface as failed pushes, nothing faked."""

from __future__ import annotations

from pathlib import Path

from hub.core.storage.models import Order
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def test_handling_cancel_and_delivery_reach_vtex(tmp_path: Path) -> None:
    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=4, seed=5), currency="BRL",
                        flows=("orders", "tracking", "status")) as h:
        ids = [h.sandbox.new_order() for _ in range(5)]
        assert h.import_orders().error is None
        by_id = {o.platform_order_id: o for o in h.orders()}
        handle, cancel, deliver, late, untracked = (by_id[i] for i in ids)
        assert {o.state for o in (handle, cancel, deliver)} == {"ready"}
        h.set_state(handle.id or 0, "handling")
        h.set_state(cancel.id or 0, "cancelled", "out of stock")
        h.set_state(late.id or 0, "handling")
        h.ship(deliver.id or 0, carrier="Correios", tracking="BR1", invoice_number="NF-1")
        h.ship(untracked.id or 0, carrier="Correios", tracking="BR2")
        # NF-1 is notified, then BR1 tracks it; BR2 has no invoice: retried
        assert h.push("tracking").counts.counts["pushed"] == 2
        assert h.push("status").counts.counts["pushed"] == 3
        orders = h.sandbox.orders
        assert orders[handle.platform_order_id]["status"] == "handling"
        assert orders[cancel.platform_order_id]["status"] == "canceled"
        assert orders[cancel.platform_order_id]["cancellationData"]["Reason"] == "out of stock"

        h.set_state(deliver.id or 0, "delivered")
        h.set_state(untracked.id or 0, "delivered")
        h.sandbox.change_status(late.platform_order_id, "invoiced")  # invoiced by another system
        h.set_state(late.id or 0, "cancelled", "buyer regret")
        result = h.push("status")
        assert result.counts.counts["pushed"] == 1 and result.counts.counts["failed"] == 2
        [package] = orders[deliver.platform_order_id]["packageAttachment"]["packages"]
        assert package["courierStatus"]["finished"] is True
        reasons = " | ".join(i.reason or "" for i in h.run_items("failed"))
        assert "cannot be canceled after it is invoiced" in reasons
        assert "invoice with a tracking number" in reasons
        assert orders[late.platform_order_id]["status"] == "invoiced"  # nothing faked


def test_vtex_statuses_move_the_hub_state(tmp_path: Path) -> None:
    """The feed, hook and list watch the eligible and excluded statuses, and the followed ones:
    handling and invoicing done in VTEX's admin reach the hub too (see info.py)."""
    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=4, seed=5), currency="BRL",
                        flows=("orders",)) as h:
        fresh, other = h.sandbox.new_order(), h.sandbox.new_order()
        assert h.import_orders().error is None
        for order_id, status, state in ((fresh, "handling", "handling"),
                                        (fresh, "invoiced", "invoiced"),
                                        (other, "canceled", "cancelled")):
            h.sandbox.change_status(order_id, status)
            assert h.import_orders().error is None
            with h.app.db.session() as s:
                row = next(o for o in h.orders() if o.platform_order_id == order_id)
                assert s.get(Order, row.id).state == state, status  # type: ignore[union-attr]
