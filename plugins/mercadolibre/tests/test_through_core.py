"""The plugin and its sandbox driven by the real core (hub.testing.harness)."""

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
        yield harness


def _listing(sandbox: Any, sku: str) -> dict[str, Any]:
    """The item or variation of ``sku`` in the sandbox."""
    for item in sandbox.items.values():
        attrs = {a["id"]: a["value_name"] for a in item["attributes"]}
        if sku in (attrs.get("SELLER_SKU"), item["seller_custom_field"]):
            return item
        for variation in item["variations"]:
            if any(a["value_name"] == sku for a in variation["attributes"]):
                return variation
    raise AssertionError(f"no listing with SKU {sku}")


def test_import_holds_the_eligible_sales_and_a_reimport_changes_nothing(h: Any) -> None:
    first = h.import_orders()
    assert first.error is None
    eligible = h.sandbox.eligible_order_ids()
    assert h.order_ids() == eligible
    assert first.counts.counts["imported"] == len(eligible)
    assert any(key.startswith("pack:") for key in eligible)
    skipped = first.counts.skipped
    assert skipped["Mercado Libre tagged the sale fraud_risk_detected"] >= 1
    assert skipped["status 'cancelled' is excluded"] >= 1
    assert skipped["currency USD differs from the hub's ARS"] >= 1
    assert not skipped.get("customer has neither email nor phone")
    again = h.import_orders(full=True)
    assert again.error is None
    assert again.counts.counts.get("imported", 0) == 0
    assert again.counts.counts.get("updated", 0) == 0
    assert h.order_ids() == eligible


def test_a_sale_becoming_ready_is_imported_by_the_next_run(h: Any) -> None:
    h.import_orders()
    waiting = next(key for key, orders in h.sandbox.sales().items()
                   if h.sandbox.sale_status(key, orders) == ("paid", "handling")
                   and orders[0]["currency_id"] == "ARS")
    h.sandbox.set_shipment_status(waiting, "ready_to_ship", substatus="ready_to_print")
    result = h.import_orders()
    assert result.counts.counts["imported"] == 1
    assert waiting in h.order_ids() and h.order_ids() == h.sandbox.eligible_order_ids()


def test_stock_price_and_tracking_pushed_through_the_core(h: Any) -> None:
    h.import_orders()
    skus = h.skus()
    sku = skus[0]
    h.set_stock(sku, 7)
    stock = h.push("stock")
    assert stock.error is None and not stock.counts.counts.get("failed")
    # only the SKU given a level is pushed; the other listings keep the store's quantity
    assert stock.counts.counts["pushed"] == 1 and stock.counts.counts["not_managed"] >= len(skus) - 1
    assert _listing(h.sandbox, sku)["available_quantity"] == 7

    h.set_price(sku, "12345.50", promo="11000")
    price = h.push("price")
    assert price.error is None and price.counts.counts["pushed"] == 1
    assert _listing(h.sandbox, sku)["price"] == 12345.5
    assert any(p["price"] == 11000 for promos in h.sandbox.promotions.values() for p in promos)

    custom = next(o for o in h.orders() if h.sandbox.shipment_of(o.platform_order_id)
                  and h.sandbox.shipment_of(o.platform_order_id)["mode"] == "custom")
    h.ship(custom.id, carrier="OCA", tracking="OCA-123456")
    tracking = h.push("tracking")
    assert tracking.error is None and tracking.counts.counts["pushed"] == 1
    assert h.sandbox.shipment_of(custom.platform_order_id)["tracking_number"] == "OCA-123456"
