"""Variant-level writes on every sandbox that publishes variants: a change to one variant's
barcode updates that variant only (counted at the sandbox), and a variant added in the hub is
created on the existing listing (Mercado Libre: a new variation of the item), never a second
listing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core.storage.models import ProductLink
from hub.core.sync import inventory
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.categories import map_category
from hub.core.sync.publish import publish, set_flow
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from tests.e2e.test_catalogue_publish import CATEGORY, CURRENCY, MEASURES, _catalogue, _holding

PLATFORMS = ["woocommerce", "vtex", "mercadolibre", "shopify"]
# the writes one changed variant barcode costs: only that variant's
BARCODE_WRITES = {
    "woocommerce": {"POST /wp-json/wc/v3/products/{product_id:int}/variations/batch": 1},
    "vtex": {"DELETE /api/catalog/pvt/stockkeepingunit/{skuId}/ean": 1,
             "POST /api/catalog/pvt/stockkeepingunit/{skuId}/ean/{ean}": 1},
    "mercadolibre": {"PUT /items/{item_id}": 1},
    "shopify": None,  # productSet takes the whole variant list (variants left out are deleted)
}
OLD, NEW, OTHER, ADDED = "4006381333931", "5901234123457", "9780201379624", "0012345678905"


def _add(h: SandboxHarness, **values: Any) -> None:
    with h.app.db.session() as s:
        save_product(s, parse_input(values))


def _writes(h: SandboxHarness) -> dict[str, int]:
    return {route: n for route, n in h.sandbox.stats.routes.items()
            if not route.startswith(("GET ", "HEAD "))}


def _barcodes(h: SandboxHarness) -> dict[str, str | None]:
    [tee] = _holding(_catalogue(h), "HUB-TEE-S")
    return {v.sku or "": v.barcode for v in tee.variants}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_one_variant_changed_updates_that_variant_and_a_new_one_is_added(
        platform: str, tmp_path: Path) -> None:
    options = SandboxOptions(orders=0, seed=6, currency=CURRENCY.get(platform))
    with SandboxHarness(platform, tmp_path, options) as h:
        set_flow(h.app, "main", "products", True)
        map_category(h.app, "main", "Mugs", CATEGORY[platform])
        _add(h, sku="HUB-TEE", name="Tee", images=["https://img.example/tee.jpg"],
             attributes={"Model": "T1"}, **MEASURES)
        _add(h, sku="HUB-TEE-S", name="Tee S", parent_sku="HUB-TEE", attributes={"Size": "S"},
             barcode=OLD)
        _add(h, sku="HUB-TEE-M", name="Tee M", parent_sku="HUB-TEE", attributes={"Size": "M"},
             barcode=OTHER)
        inventory.set_price(h.app, "HUB-TEE", Decimal("19.90"))
        for sku in ("HUB-TEE-S", "HUB-TEE-M"):
            inventory.set_stock(h.app, sku, 5, "main")
        first = h.run(publish(h.app, "main"))
        assert first.error is None and first.counts.counts["created"] == 1, first.counts.as_dict()
        assert _barcodes(h) == {"HUB-TEE-S": OLD, "HUB-TEE-M": OTHER}

        h.sandbox.stats.reset()
        _add(h, sku="HUB-TEE-S", barcode=NEW)
        changed = h.run(publish(h.app, "main"))
        assert changed.counts.counts["updated"] == 1, changed.counts.as_dict()
        writes = _writes(h)
        if BARCODE_WRITES[platform] is not None:
            assert writes == BARCODE_WRITES[platform]
        assert _barcodes(h) == {"HUB-TEE-S": NEW, "HUB-TEE-M": OTHER}

        h.sandbox.stats.reset()  # nothing changed: nothing written
        assert h.run(publish(h.app, "main")).counts.counts["unchanged"] == 1
        assert _writes(h) == {}

        _add(h, sku="HUB-TEE-L", name="Tee L", parent_sku="HUB-TEE", attributes={"Size": "L"},
             barcode=ADDED)
        inventory.set_stock(h.app, "HUB-TEE-L", 3, "main")
        added = h.run(publish(h.app, "main"))
        assert added.error is None and added.counts.counts["updated"] == 1, added.counts.as_dict()
        assert len(_holding(_catalogue(h), "HUB-TEE-L")) == 1  # on the same listing, once
        assert _barcodes(h) == {"HUB-TEE-S": NEW, "HUB-TEE-M": OTHER, "HUB-TEE-L": ADDED}
        with h.app.db.session() as s:
            linked = {link.sku: link.platform_variant_id for link in s.exec(select(ProductLink))}
        assert set(linked) == {"HUB-TEE-S", "HUB-TEE-M", "HUB-TEE-L"} and all(linked.values())
        h.sandbox.stats.reset()
        assert h.run(publish(h.app, "main")).counts.counts["unchanged"] == 1
        assert _writes(h) == {}
