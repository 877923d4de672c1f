"""Through the core against the sandbox: cancelled and refunded orders reach imported ones, the
status flow (pack, close, cancel), fulfilment with tracking URL, the promotional price."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from hub.core.storage.models import Order
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

FLOWS = ("orders", "stock", "price", "tracking", "status")
OPTIONS = SandboxOptions(seed=4, orders=30, currency="BRL")


def _state(h: SandboxHarness, order_id: int | None) -> tuple[str, str]:
    with h.app.db.session() as s:
        row = s.exec(select(Order).where(Order.id == order_id)).one()
    return row.status, row.state


def test_cancelled_and_refunded_orders_reach_imported_orders(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS, flows=FLOWS) as h:
        assert h.import_orders().error is None
        first, second = sorted(h.orders(), key=lambda o: o.platform_order_id)[:2]
        store = h.sandbox.orders
        store[first.platform_order_id]["status"] = "cancelled"  # left out of the default listing
        h.sandbox.touch(store[first.platform_order_id])
        store[second.platform_order_id]["payment_status"] = "refunded"
        h.sandbox.touch(store[second.platform_order_id])
        assert h.import_orders().error is None
        assert _state(h, first.id) == ("cancelled", "cancelled")
        assert _state(h, second.id) == ("refunded", "cancelled")
        assert h.order_ids() >= h.sandbox.eligible_order_ids()


def test_status_flow_packs_closes_and_cancels_and_the_store_refuses_the_rest(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS, flows=FLOWS) as h:
        assert h.import_orders().error is None
        one, two, three = sorted(h.orders(), key=lambda o: o.platform_order_id)[:3]
        assert {one.state, two.state, three.state} == {"ready"}
        h.set_state(one.id or 0, "handling")
        h.set_state(two.id or 0, "cancelled", "buyer asked")
        h.ship(three.id or 0, carrier="Correios", tracking="BR123",
               url="https://rastreamento.example/BR123")
        assert h.push("tracking").counts.counts["failed"] == 0
        h.set_state(three.id or 0, "delivered")
        result = h.push("status")
        assert result.counts.counts["pushed"] == 3, result.counts
        store = h.sandbox.orders
        assert store[one.platform_order_id]["shipping_status"] == "unshipped"  # packed
        assert store[two.platform_order_id]["status"] == "cancelled"
        shipped = store[three.platform_order_id]
        assert shipped["status"] == "closed" and shipped["shipping_tracking_number"] == "BR123"
        assert shipped["shipping_tracking_url"] == "https://rastreamento.example/BR123"
        # a clerk fulfils the packed order on the store; the hub then asks to cancel it
        store[one.platform_order_id]["shipping_status"] = "shipped"
        h.set_state(one.id or 0, "cancelled", "changed mind")
        assert h.push("status").counts.counts["failed"] == 1
        assert store[one.platform_order_id]["status"] == "open"  # nothing faked
        assert "cannot be cancelled" in (h.run_items("failed")[-1].reason or "")


def test_the_promotional_price_is_sent_inside_its_window_only(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS, flows=FLOWS) as h:
        assert h.import_orders().error is None
        h.sync_products()
        sku, later = h.skus()[0], h.skus()[1]
        now = datetime.now(UTC)
        h.set_price(sku, "50.00", promo="39.90", promo_from=now - timedelta(days=1),
                    promo_to=now + timedelta(days=1))
        h.set_price(later, "60.00", promo="45.00", promo_from=now + timedelta(days=2))
        result = h.push("price")
        assert result.counts.counts["failed"] == 0, result.counts
        links = {v["sku"]: v for v in h.sandbox.variants.values()}
        assert (links[sku]["price"], links[sku]["promotional_price"]) == ("50.00", "39.90")
        assert (links[later]["price"], links[later]["promotional_price"]) == ("60.00", None)


def test_the_limiter_follows_the_bucket_headers_from_one_run_to_the_next(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS, flows=FLOWS) as h:
        assert h.import_orders().error is None
        limiter = h.app.accounts.open_named(h.account).limiter("nuvemshop", rate=2.0, burst=40.0)
        h.sandbox.bucket.level = 3.0  # another burst of the app's spent the store's bucket
        assert h.import_orders().error is None  # a 429, waited out as the headers say
        again = h.app.accounts.open_named(h.account).limiter("nuvemshop", rate=2.0, burst=40.0)
        assert again is limiter  # the same limiter serves the next run
        assert limiter.capacity == 40 and limiter.available <= h.sandbox.bucket.refill() + 1
        assert h.sandbox.bucket.rejected <= 1
