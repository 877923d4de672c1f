"""Pushes against the WooCommerce sandbox: only managed stock and set prices, dry runs send nothing,
and a whole-day promotion keeps its last day."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from hub.core.storage.models import ProductLink
from hub.core.sync.inventory import window_bound
from hub.core.sync.push import plan
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def _links(h: SandboxHarness) -> list[ProductLink]:
    with h.app.db.session() as s:
        return [lk for lk in s.exec(select(ProductLink).order_by(ProductLink.id)) if lk.sku]


def _count(h: SandboxHarness) -> int:
    with h.app.db.session() as s:
        return len(s.exec(select(ProductLink)).all())


def _writes(h: SandboxHarness) -> int:
    return sum(n for route, n in h.sandbox.stats.routes.items() if not route.startswith("GET"))


def test_first_stock_push_leaves_unmanaged_listings_alone(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        h.sync_products()
        managed, other = _links(h)[:2]
        before = h.sandbox.read_stock(other.platform_product_id, other.platform_variant_id or None)
        assert before is not None
        h.set_stock(managed.sku or "", 12)
        result = h.push("stock")
        assert result.counts.counts["pushed"] == 1 and result.counts.counts["failed"] == 0
        assert other.sku in result.not_managed and managed.sku not in result.not_managed
        assert result.counts.counts["not_managed"] == _count(h) - 1
        assert h.sandbox.read_stock(managed.platform_product_id,
                                    managed.platform_variant_id or None) == 12
        # the listing the hub holds no level for keeps the store's quantity (was zeroed before)
        assert h.sandbox.read_stock(other.platform_product_id,
                                    other.platform_variant_id or None) == before
        again = h.push("stock")
        assert "pushed 0, failed 0, not managed" in again.summary()
        assert again.counts.counts["unchanged"] == 1


def test_zero_unmanaged_stock_is_an_explicit_account_setting(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3),
                        settings={"zero_unmanaged_stock": "true"}) as h:
        h.sync_products()
        other = _links(h)[1]
        h.push("stock")
        assert h.sandbox.read_stock(other.platform_product_id, other.platform_variant_id or None) == 0


def test_dry_run_shows_old_and_new_and_sends_nothing(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        h.sync_products()
        first = _links(h)[0]
        sku = first.sku or ""
        h.set_stock(sku, 7)
        h.set_price(sku, "21.50")
        h.sandbox.stats.reset()
        stock, prices = plan(h.app, "main", "stock"), plan(h.app, "main", "price")
        assert [(i.sku, i.old, i.new["quantity"]) for i in stock.items] == [(sku, None, 7)]
        assert [(i.sku, i.new["regular"]) for i in prices.items] == [(sku, "21.50")]
        assert len(stock.not_managed) == _count(h) - 1
        assert _writes(h) == 0 and h.sandbox.stats.requests == 0  # nothing sent
        h.push("stock")
        h.set_stock(sku, 9)
        later = plan(h.app, "main", "stock")
        assert [(i.old or {}).get("quantity") for i in later.items] == [7]  # what the store accepted


@pytest.mark.parametrize("zone", ["America/Sao_Paulo", "Asia/Tokyo"])
def test_a_whole_day_promotion_keeps_its_last_day(tmp_path: Path, zone: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TIMEZONE", zone)
    start, end = window_bound("2030-12-01", "--from"), window_bound("2030-12-31", "--to", end=True)
    offset = {"America/Sao_Paulo": -3, "Asia/Tokyo": 9}[zone]
    assert start is not None and end is not None
    assert (end - start).days == 31  # 1..31 December inclusive
    assert end.hour == (24 - offset) % 24 and end.day == (1 if offset < 0 else 31)
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=3)) as h:
        h.sync_products()
        link = _links(h)[0]
        h.set_price(link.sku or "", "30.00", promo="20.00", promo_from=start, promo_to=end)
        assert h.push("price").counts.counts["pushed"] == 1
        item = h.sandbox.products[int(link.platform_product_id)] if not link.platform_variant_id \
            else h.sandbox.variations[int(link.platform_product_id)][int(link.platform_variant_id)]
        last = (end.replace(tzinfo=None)).isoformat(timespec="seconds")
        assert item["date_on_sale_to_gmt"] < last  # the sale's last second, 31 Dec 23:59:59 local
        assert item["date_on_sale_to_gmt"].endswith(":59:59")
