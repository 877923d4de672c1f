"""Order states through the Mercado Libre sandbox: a seller-shipped (custom/ME1) sale is marked
delivered and read back; an ME2 sale, or a sale not yet shipped, refuses; cancelling is not
writable at all (the core refuses it before anything is sent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.core.sync.lifecycle import TransitionRefused
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def _sale(h: Any, mode: str, skip: int = 0) -> Any:
    return [o for o in h.orders() if h.sandbox.shipment_of(o.platform_order_id)
            and h.sandbox.shipment_of(o.platform_order_id)["mode"] == mode][skip]


def test_delivered_on_seller_shipments_only(tmp_path: Path) -> None:
    with SandboxHarness("mercadolibre", tmp_path, SandboxOptions(seed=21, orders=50),
                        currency="ARS", flows=("orders", "tracking", "status")) as h:
        assert h.authorize()
        assert h.import_orders().error is None
        custom, early, me2 = _sale(h, "custom"), _sale(h, "custom", 1), _sale(h, "me2")
        h.ship(custom.id, carrier="OCA", tracking="OCA-1")
        h.ship(me2.id, carrier="ME", tracking="ME2-1")
        h.sandbox.shipment_of(me2.platform_order_id)["tracking_number"] = "ME2-1"
        h.push("tracking")
        assert h.sandbox.shipment_of(custom.platform_order_id)["status"] == "shipped"
        h.set_state(custom.id, "delivered")
        h.set_state(me2.id, "delivered")
        h.ship(early.id, carrier="OCA", tracking="OCA-2")  # recorded, never sent: still ready_to_ship
        h.set_state(early.id, "delivered")
        result = h.push("status")
        assert result.counts.counts["pushed"] == 1 and result.counts.counts["failed"] == 2
        assert h.sandbox.shipment_of(custom.platform_order_id)["status"] == "delivered"
        reasons = " | ".join(i.reason or "" for i in h.run_items("failed"))
        assert "ME2 shipments are moved by Mercado Libre" in reasons
        assert "takes delivered only after shipped" in reasons
        assert h.sandbox.shipment_of(me2.platform_order_id)["status"] != "delivered"
        with pytest.raises(TransitionRefused, match="Mercado Libre cannot set an order to "
                                                    "cancelled"):
            h.set_state(_sale(h, "me1").id, "cancelled", "no stock")
