"""Every plugin that publishes (Capability.PUBLISH), against its sandbox through the real core:
create, update only what changed, re-publish after the hub forgot its links, and never a
duplicate listing (counted through the plugin's own catalogue read)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import delete, select

from hub.core.storage.models import OutboxItem, ProductLink
from hub.core.sync import inventory
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.categories import map_category
from hub.core.sync.publish import publish, set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness

PLATFORMS = ["woocommerce", "shopify", "vtex", "mercadolibre"]
CURRENCY = {"mercadolibre": "ARS"}
CATEGORY = {"woocommerce": "24", "shopify": "Home", "vtex": "21", "mercadolibre": "MLA1574"}
MEASURES = {"weight": "0.35", "length": "10", "width": "8", "height": "9", "brand": "Acme",
            "category": "Mugs"}


def _add(h: SandboxHarness, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input(values))


def mug_and_tee(h: SandboxHarness, prefix: str, **mug: Any) -> None:
    """Switch the products flow on and add ``PREFIX-MUG`` (simple) and ``PREFIX-TEE`` (sizes S
    and M), priced and in stock, in a category mapped for the platform."""
    set_flow(h.app, "main", "products", True)
    map_category(h.app, "main", "Mugs", CATEGORY[h.platform])
    _add(h, sku=f"{prefix}-MUG", name="Mug", barcode="4006381333931",
         images=["https://img.example/mug.jpg"], attributes={"Model": "M1"}, **MEASURES, **mug)
    _add(h, sku=f"{prefix}-TEE", name="Tee", images=["https://img.example/tee.jpg"],
         attributes={"Model": "T1"}, **MEASURES)
    _add(h, sku=f"{prefix}-TEE-S", name="Tee S", parent_sku=f"{prefix}-TEE", attributes={"Size": "S"})
    _add(h, sku=f"{prefix}-TEE-M", name="Tee M", parent_sku=f"{prefix}-TEE", attributes={"Size": "M"})
    for sku in (f"{prefix}-MUG", f"{prefix}-TEE"):
        inventory.set_price(h.app, sku, Decimal("19.90"))
    for sku in (f"{prefix}-MUG", f"{prefix}-TEE-S", f"{prefix}-TEE-M"):
        inventory.set_stock(h.app, sku, 5, "main")


def _catalogue(h: SandboxHarness) -> list[Any]:
    """The platform's products, read by the plugin (``fetch_products`` + ``map_product``)."""
    async def read() -> list[Any]:
        account = h.app.accounts.open(h.app.accounts.row("main"))
        found = []
        async for batch in h.app.host.fetch_products(account, None):
            found += [h.app.host.map_product(account, payload) for payload in batch]
        return found

    return h.run(read())


def _holding(products: list[Any], sku: str) -> list[Any]:
    """The products holding ``sku`` on the product or a variant."""
    return [p for p in products if p.sku == sku or any(v.sku == sku for v in p.variants)]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_publish_creates_updates_and_never_duplicates(platform: str, tmp_path: Path) -> None:
    options = SandboxOptions(orders=0, seed=5, currency=CURRENCY.get(platform))
    with SandboxHarness(platform, tmp_path, options) as h:
        mug_and_tee(h, "HUB", description="Stoneware")
        first = h.run(publish(h.app, "main"))
        assert first.error is None and first.counts.counts["created"] == 2, first.counts.as_dict()
        listed = _catalogue(h)
        [mug] = _holding(listed, "HUB-MUG")
        assert mug.name == "Mug"
        [tee] = _holding(listed, "HUB-TEE-S")
        assert sorted(v.sku or "" for v in tee.variants) == ["HUB-TEE-M", "HUB-TEE-S"]

        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["unchanged"] == 2
        assert h.sandbox.stats.requests == 0

        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "HUB-MUG", "name": "Big mug"}))
        updated = h.run(publish(h.app, "main"))
        assert updated.counts.counts["updated"] == 1

        with h.app.db.session() as s:  # the hub forgets its links: the SKUs are matched
            s.exec(delete(ProductLink))  # type: ignore[call-overload]
            s.exec(delete(OutboxItem))  # type: ignore[call-overload]
        again = h.run(publish(h.app, "main"))
        assert again.counts.counts["updated"] == 2 and again.counts.counts["created"] == 0
        listed = _catalogue(h)
        assert [p.name for p in _holding(listed, "HUB-MUG")] == ["Big mug"]  # one, renamed
        [tee_again] = _holding(listed, "HUB-TEE-S")
        assert sorted(v.sku or "" for v in tee_again.variants) == ["HUB-TEE-M", "HUB-TEE-S"]
        with h.app.db.session() as s:
            assert {link.sku for link in s.exec(select(ProductLink))} == {
                "HUB-MUG", "HUB-TEE-S", "HUB-TEE-M"}
