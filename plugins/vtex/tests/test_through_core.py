"""The plugin's sandbox through the real core (hub.testing.harness): import, re-import, pushes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.sandbox import SandboxOptions

harness = pytest.importorskip("hub.testing.harness", reason="the core's test harness is missing")


def test_import_reimport_and_every_push(tmp_path: Path) -> None:
    with harness.SandboxHarness("vtex", tmp_path, SandboxOptions(orders=80, seed=5),
                                currency="BRL", settings={"start_handling": "true"}) as h:
        assert h.authorize() is False  # keys verified, nothing stored
        eligible = h.sandbox.eligible_order_ids()  # before start_handling moves them on
        first = h.import_orders()
        assert first.error is None, first.error
        assert first.counts.counts["imported"] == len(eligible)
        assert h.order_ids() == eligible
        skipped = first.counts.skipped
        assert any("USD" in reason for reason in skipped)
        assert any("not ready to ship" in reason for reason in skipped)
        # start_handling: every imported order moved to handling on VTEX.
        assert {h.sandbox.orders[i]["status"] for i in eligible} == {"handling"}

        again = h.import_orders()  # incremental: the feed, set up by the backfill
        assert again.error is None and again.counts.counts["imported"] == 0
        assert h.sandbox.stats.routes["GET /api/orders/feed"] >= 1
        full = h.import_orders(full=True)
        assert full.counts.counts["imported"] == 0

        fresh = h.sandbox.new_order()
        third = h.import_orders()
        assert third.counts.counts["imported"] == 1 and fresh in h.order_ids()

        skus = h.skus()
        assert skus
        for n, sku in enumerate(skus):
            h.set_stock(sku, 10 + n)
        stock = h.push("stock")
        assert stock.error is None and stock.counts.counts["pushed"] == len(skus)
        pushed = {p["skuId"] for p in h.sandbox.stock_pushes}
        assert len(pushed) == len(skus)

        start = datetime.now(UTC).replace(microsecond=0)
        h.set_price(skus[0], "59.90", promo="49.90", promo_from=start,
                    promo_to=start + timedelta(days=7))
        price = h.push("price")
        assert price.error is None and price.counts.counts["pushed"] >= 1
        assert any(p["method"] == "POST" for p in h.sandbox.price_pushes)

        order = next(o for o in h.orders() if o.platform_order_id == fresh)
        h.ship(order.id, carrier="Correios", tracking="BR555", url="https://t.example/BR555",
               invoice_number="NF-555", invoice_key="3" * 43 + "6", invoice_date=start)
        tracking = h.push("tracking")  # the invoice record, then the shipment's tracking on it
        assert tracking.error is None and tracking.counts.counts["pushed"] == 2
        packages = h.sandbox.orders[fresh]["packageAttachment"]["packages"]
        assert [(p["invoiceNumber"], p["trackingNumber"]) for p in packages] == [("NF-555", "BR555")]
        assert h.sandbox.orders[fresh]["status"] == "invoiced"
