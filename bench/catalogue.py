"""Scenario: the products flow, requests per 1,000 changed products on each platform.

Against each plugin's sandbox through the real core: ``n`` simple products
(brand, barcode, measures, one image, a price and stock, a mapped category)
are published (first publication: lookups by SKU and creates), then each is
renamed and published again (the figure: an update of one field), then
published with nothing changed. Then ``n // 4`` products with two variants each
are published and one variant's barcode is changed on each (the figure: a
variant-level write, only that variant sent). Requests are counted on the wire
by the sandbox and projected to 1,000 products (the count is linear in ``n``).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from bench.common import Figure, quiet_env

PLATFORMS = {"woocommerce": ("24", None), "shopify": (None, None), "vtex": ("21", None),
             "mercadolibre": ("MLA1574", "ARS")}
# (new listings, renamed products) per 1,000: batched where the platform allows it
# (WooCommerce 100 a request, Shopify 10 productSet a request); Mercado Libre and VTEX
# have no batch write for listings (VTEX: product and SKU are two records)
TARGETS = {"woocommerce": (20, 10), "shopify": (200, 100), "vtex": (6000, 2000),
           "mercadolibre": (2100, 1000)}
# one variant's barcode changed, per 1,000 products: WooCommerce's variations batch is per
# product (products/batch refuses variations: woocommerce/woocommerce#29341, #31282); VTEX
# replaces that SKU's EAN (DELETE + POST); Mercado Libre reads the item for its variation ids,
# then one PUT; Shopify one productSet per 10
VARIANT_TARGETS = {"woocommerce": 1000, "shopify": 100, "vtex": 2000, "mercadolibre": 2000}


def gtin(number: int) -> str:
    """A valid EAN-13 for ``number`` (its check digit computed)."""
    body = f"789{number:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _variable(h: Any, m: int, category: str | None) -> None:
    """``m`` products with two variants each (sizes S and M), priced and in stock."""
    from hub.core.sync import inventory
    from hub.core.sync.catalogue_edit import parse_input, save_product

    with h.app.db.session() as s:
        for i in range(m):
            save_product(s, parse_input({
                "sku": f"VAR-{i:05d}", "name": f"Variable product {i}", "brand": "Bench",
                "weight": "0.5", "length": "10", "width": "10", "height": "10",
                "images": [f"https://img.example/var-{i}.jpg"], "category": "Bench",
                "attributes": {"Model": f"V{i}"}}))
            for n, size in enumerate(("S", "M")):
                save_product(s, parse_input({"sku": f"VAR-{i:05d}-{size}", "name": f"Variable {i} {size}",
                                             "parent_sku": f"VAR-{i:05d}", "attributes": {"Size": size},
                                             "barcode": gtin(i * 10 + n)}))
    inventory_prices = [f"VAR-{i:05d}" for i in range(m)]
    for sku in inventory_prices:
        inventory.set_price(h.app, sku, Decimal("10.00"))
        for size in ("S", "M"):
            inventory.set_stock(h.app, f"{sku}-{size}", 3, "main")


def _catalogue(h: Any, n: int, category: str | None) -> None:
    from hub.core.sync import inventory
    from hub.core.sync.catalogue_edit import parse_input, save_product
    from hub.core.sync.categories import map_category

    if category:
        map_category(h.app, h.account, "Bench", category)
    with h.app.db.session() as s:
        for i in range(n):
            save_product(s, parse_input({
                "sku": f"BENCH-{i:05d}", "name": f"Bench product {i}", "brand": "Bench",
                "barcode": None, "weight": "0.5", "length": "10", "width": "10", "height": "10",
                "images": [f"https://img.example/bench-{i}.jpg"], "category": "Bench",
                "attributes": {"Model": f"B{i}"}}))
    for i in range(n):
        inventory.set_price(h.app, f"BENCH-{i:05d}", Decimal("10.00"))
        inventory.set_stock(h.app, f"BENCH-{i:05d}", 3, "main")


def platform_requests(platform: str, n: int) -> list[Figure]:
    from hub.core.sync.catalogue_edit import parse_input, save_product
    from hub.core.sync.publish import publish, set_flow
    from hub.sandbox import SandboxOptions
    from hub.testing.harness import SandboxHarness

    category, currency = PLATFORMS[platform]
    with quiet_env() as tmp, SandboxHarness(platform, tmp, SandboxOptions(orders=0, currency=currency),
                                            flows=()) as h:
        set_flow(h.app, h.account, "products", True)
        _catalogue(h, n, category)

        async def cycle() -> tuple[int, int, int, Any, Any]:
            counts = []
            results = []
            for step in ("create", "rename", "unchanged"):
                if step == "rename":
                    with h.app.db.session() as s:
                        for i in range(n):
                            save_product(s, parse_input({"sku": f"BENCH-{i:05d}",
                                                         "name": f"Bench product {i} v2"}))
                h.sandbox.stats.reset()
                results.append(await publish(h.app, h.account))
                counts.append(h.sandbox.stats.requests)
            await h.app.accounts.aclose()
            return counts[0], counts[1], counts[2], results[0], results[1]

        created, renamed, unchanged, first, second = asyncio.run(cycle())
        m = max(n // 4, 1)
        _variable(h, m, category)

        async def variant_cycle() -> tuple[int, Any, Any]:
            listed = await publish(h.app, h.account)
            with h.app.db.session() as s:
                for i in range(m):
                    save_product(s, parse_input({"sku": f"VAR-{i:05d}-S", "barcode": gtin(i * 10 + 7)}))
            h.sandbox.stats.reset()
            changed = await publish(h.app, h.account)
            await h.app.accounts.aclose()
            return h.sandbox.stats.requests, listed, changed

        variant_requests, listed, changed = asyncio.run(variant_cycle())
    variant_ok = listed.counts.counts["created"] == m and changed.counts.counts["updated"] == m
    variant_target = VARIANT_TARGETS[platform]
    ok = first.counts.counts["created"] == n and second.counts.counts["updated"] == n
    scale = 1000 / n
    context = {"products": n, "created": first.counts.counts["created"],
               "updated": second.counts.counts["updated"], "requests_create": created,
               "requests_rename": renamed}
    title = platform
    new_target, rename_target = TARGETS[platform]
    return [
        Figure("catalogue", f"{title} requests for 1,000 new listings (projected from {n})",
               round(created * scale), "requests", f"<= {new_target}",
               ok and created * scale <= new_target, context),
        Figure("catalogue", f"{title} requests for 1,000 renamed products (projected from {n})",
               round(renamed * scale), "requests", f"<= {rename_target}",
               ok and renamed * scale <= rename_target, context),
        Figure("catalogue", f"{title} requests, nothing changed", unchanged, "requests", "0",
               unchanged == 0),
        Figure("catalogue", f"{title} requests for 1,000 products with one variant's barcode "
               f"changed (projected from {m})", round(variant_requests * 1000 / m), "requests",
               f"<= {variant_target}", variant_ok and variant_requests * 1000 / m <= variant_target,
               {"products": m, "variants_each": 2, "listed": listed.counts.counts.get("created", 0),
                "updated": changed.counts.counts.get("updated", 0),
                "requests_barcode": variant_requests}),
    ]


def run(n: int, platforms: list[str] | None = None) -> list[Figure]:
    from hub.core.plugins import get_host

    installed = get_host().platforms
    figures: list[Figure] = []
    for platform in platforms or list(PLATFORMS):
        if platform in installed:
            figures += platform_requests(platform, n)
    return figures
