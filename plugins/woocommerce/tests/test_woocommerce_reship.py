"""Shipping an order twice leaves one hub tracking note, one tracking item and the new meta."""

from __future__ import annotations

from pathlib import Path

from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def test_a_second_ship_replaces_the_note_item_and_meta(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(seed=3, orders=20),
                        settings={"shipment_tracking": "true"}) as h:
        assert h.import_orders().error is None
        order = next(o for o in h.orders())
        oid = int(order.platform_order_id)
        h.ship(order.id or 0, carrier="UPS", tracking="1ZFIRST")
        first = h.push("tracking")
        assert first.counts.counts["created"] == 1, first.counts.as_dict()
        h.ship(order.id or 0, carrier="DHL", tracking="DHLSECOND")
        second = h.push("tracking")
        assert second.error is None and second.counts.counts["updated"] == 1, second.counts.as_dict()
        notes = [n["note"] for n in h.sandbox.notes[oid] if n["customer_note"]]
        assert len(notes) == 1 and "DHLSECOND" in notes[0] and "1ZFIRST" not in notes[0]
        assert [i["tracking_number"] for i in h.sandbox.trackings[oid]] == ["DHLSECOND"]
        meta = {m["key"]: m["value"] for m in h.sandbox.orders[oid]["meta_data"]}
        assert meta["_hub_tracking_number"] == "DHLSECOND"
