"""Reading products: the catalogue or named products, with variations and category paths."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from hub_woocommerce.client import PER_PAGE, WooClient, chunks, json_list
from hub_woocommerce.mapping import EXTRA


async def _variations(client: WooClient, product_id: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async for batch in client.pages(f"products/{product_id}/variations", {},
                                    f"variations of product {product_id}"):
        found.extend(batch)
    return found


def _category_items(product: dict[str, Any], tree: dict[int, dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """The product's categories and their ancestors as ``{id, name, parent}``."""
    items: dict[int, dict[str, Any]] = {}
    for category in product.get("categories") or []:
        try:
            cid = int(category["id"])
        except (KeyError, TypeError, ValueError):
            continue
        while cid and cid not in items and cid in tree:
            node = tree[cid]
            items[cid] = {"id": cid, "name": node.get("name"), "parent": node.get("parent") or 0}
            cid = int(node.get("parent") or 0)
    return list(items.values())


async def enrich(client: WooClient, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the ``_hub`` extras :func:`hub_woocommerce.mapping.map_product` reads."""
    tree = await client.categories()
    currency = await client.currency()
    for product in products:
        extra: dict[str, Any] = {"categories": _category_items(product, tree),
                                 "currency": currency}
        if product.get("type") == "variable":
            extra["variations"] = await _variations(client, product["id"])
        product[EXTRA] = extra
    return products


async def fetch(client: WooClient, product_ids: list[str] | None
                ) -> AsyncIterator[list[dict[str, Any]]]:
    """Product payloads: the named ones (``include=``, 100 per request) or the whole catalogue."""
    if product_ids is None:
        async for batch in client.pages("products", {"orderby": "id", "order": "asc"},
                                        "products"):
            yield await enrich(client, batch)
        return
    wanted = sorted({pid for pid in product_ids if str(pid).isdigit()}, key=int)
    for group in chunks(wanted, PER_PAGE):
        response = await client.get("products", {"include": ",".join(group),
                                                 "per_page": PER_PAGE})
        found = json_list(response, "GET products")
        if found:
            yield await enrich(client, found)
