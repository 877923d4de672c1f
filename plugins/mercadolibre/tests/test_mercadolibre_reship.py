"""Shipping a sale twice overwrites its shipment's tracking; ME2 tracking cannot change, said so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


@pytest.fixture
def h(tmp_path: Path) -> Any:
    with SandboxHarness("mercadolibre", tmp_path, SandboxOptions(seed=21, orders=50),
                        currency="ARS") as harness:
        assert harness.authorize()
        harness.import_orders()
        yield harness


def _sale(h: Any, mode: str) -> Any:
    return next(o for o in h.orders() if h.sandbox.shipment_of(o.platform_order_id)
                and h.sandbox.shipment_of(o.platform_order_id)["mode"] == mode)


def test_a_second_ship_updates_the_custom_shipment(h: Any) -> None:
    sale = _sale(h, "custom")
    h.ship(sale.id, carrier="OCA", tracking="OCA-1")
    assert h.push("tracking").counts.counts["created"] == 1
    h.ship(sale.id, carrier="Andreani", tracking="AND-2")
    second = h.push("tracking")
    assert second.error is None and second.counts.counts["updated"] == 1, second.counts.as_dict()
    assert h.sandbox.shipment_of(sale.platform_order_id)["tracking_number"] == "AND-2"


def test_a_changed_number_on_an_me2_shipment_fails_saying_why(h: Any) -> None:
    from sqlmodel import select

    from hub.core.storage.models import RunItem

    sale = _sale(h, "me2")
    held = "ME2-TRACK-9"
    h.sandbox.shipment_of(sale.platform_order_id)["tracking_number"] = held  # ML assigned it
    h.ship(sale.id, carrier="ME", tracking=held)
    h.push("tracking")
    h.ship(sale.id, carrier="ME", tracking="MINE-1")
    again = h.push("tracking")
    assert again.counts.counts["failed"] == 1
    with h.app.db.session() as s:
        [item] = s.exec(select(RunItem).where(RunItem.run_id == again.run_id)).all()
    assert "managed by Mercado Libre" in (item.reason or "") and "MINE-1" in (item.reason or "")
    assert h.sandbox.shipment_of(sale.platform_order_id)["tracking_number"] == held
