"""Resolving hub listings to Shopify variants and inventory items (cached per account runtime).

A hub listing names a product and usually a variant. Every Shopify product has
at least one variant; a listing linked at product level (no variant id) is
resolved to the product's only variant, and refused when it has several.
Inventory item ids come from ``productVariant { inventoryItem { id } }`` in
batches (``nodes(ids:)``) and are cached for the account runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub_shopify import queries
from hub_shopify.client import ShopifyClient
from hub_shopify.cost import requested_cost
from hub_shopify.ids import gid, legacy_id
from hub_shopify.info import MAX_QUERY_COST


@dataclass
class Item:
    """A variant's inventory item: its gid and whether Shopify tracks its quantity."""

    variant: str
    product: str | None
    inventory_item: str
    tracked: bool


class Unresolved(Exception):
    """A listing that names no usable Shopify variant; the message says why."""


async def variant_of(client: ShopifyClient, product_id: str, variant_id: str | None) -> str:
    """The variant gid of a listing (its own, or its product's only variant)."""
    if variant_id:
        if not (legacy_id(variant_id) or "").isdigit():
            raise Unresolved(f"'{variant_id}' is not a Shopify variant id")
        return gid("ProductVariant", variant_id)
    if not (legacy_id(product_id) or "").isdigit():
        raise Unresolved(f"'{product_id}' is not a Shopify product id")
    cache: dict[str, Any] = client.memo.setdefault("only_variant", {})
    key = gid("Product", product_id)
    if key not in cache:
        result = await client.graphql(queries.PRODUCT_VARIANTS,
                                      {"id": key, "first": 2, "after": None},
                                      what=f"variants of product {product_id}")
        product = result.data.get("product")
        if not isinstance(product, dict):
            raise Unresolved(f"Shopify has no product {product_id}")
        nodes = (product.get("variants") or {}).get("nodes") or []
        cache[key] = nodes[0]["id"] if len(nodes) == 1 else None
    if cache[key] is None:
        raise Unresolved(f"product {product_id} has several variants; link the variant")
    return str(cache[key])


async def inventory_items(client: ShopifyClient, variants: list[str]) -> dict[str, Item | None]:
    """``variant gid -> Item`` (None where Shopify has no such variant), batched and cached."""
    cache: dict[str, Item | None] = client.memo.setdefault("inventory_items", {})
    wanted = sorted({v for v in variants if v not in cache})
    per_id = requested_cost(queries.VARIANT_ITEMS, {"ids": ["x"]})
    size = max(1, min(250, MAX_QUERY_COST // per_id))
    for start in range(0, len(wanted), size):
        chunk = wanted[start:start + size]
        result = await client.graphql(queries.VARIANT_ITEMS, {"ids": chunk},
                                      what="inventory items")
        nodes = result.data.get("nodes") or []
        for requested, node in zip(chunk, nodes, strict=False):
            item = (node or {}).get("inventoryItem") if isinstance(node, dict) else None
            if not isinstance(item, dict) or not item.get("id"):
                cache[requested] = None
                continue
            cache[requested] = Item(variant=requested,
                                    product=(node.get("product") or {}).get("id"),
                                    inventory_item=str(item["id"]),
                                    tracked=bool(item.get("tracked")))
    return {v: cache.get(v) for v in variants}
