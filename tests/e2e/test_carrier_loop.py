"""The loop closes: a carrier's delivered reaches the sales channel through the status flow."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from hub.core.storage.models import Order, Shipment
from hub.core.sync.tracking_in import poll_tracking
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def test_carrier_delivered_moves_the_order_and_reaches_the_channel(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(seed=3, orders=20),
                        flows=("orders", "tracking", "status")) as shop:
        assert shop.import_orders().error is None
        order = next(o for o in shop.orders() if o.state == "ready")
        carrier = shop.host.create_sandbox("correios", SandboxOptions())
        with carrier.serve() as url:
            shop.app.accounts.add("correios", "post", carrier.account_settings(url))
            shop.authorize("post")
            shop.app.accounts.set_flags("post", flow_tracking_in=True)
            code = carrier.code("4")  # type: ignore[attr-defined]  # posted ... delivered
            shop.ship(order.id or 0, carrier="Correios", tracking=code)
            assert shop.push("tracking").error is None
            first = shop.run(poll_tracking(shop.app, "post"))
            again = shop.run(poll_tracking(shop.app, "post"))  # delivered: not asked again
        assert first.status == "ok" and first.counts.counts["new_events"] == 1
        assert again.status == "idle" or again.counts.counts["new_events"] == 0
        with shop.app.db.session() as s:
            row = s.get(Order, order.id)
            assert row is not None and row.state == "delivered"
            assert s.exec(select(Shipment).where(Shipment.order_id == order.id)).one().status \
                == "delivered"
        pushed = shop.push("status")
        assert pushed.error is None and pushed.counts.counts["pushed"] == 1
        woo = shop.sandbox.orders  # type: ignore[attr-defined]
        assert woo[int(order.platform_order_id)]["status"] == "completed"
