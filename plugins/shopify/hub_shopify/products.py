"""Reading products: the catalogue (``products`` connection) or named products (``nodes``).

Each product comes with its variants (SKU, barcode, price, compare-at price,
inventory item); a product with more than ``VARIANTS_PER_PRODUCT`` variants
gets the rest by extra queries. The shop's currency is added under ``_hub``
because :func:`hub_shopify.mapping.map_product` cannot ask for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from hub import Cursors, ListingPage, PageGuard, paginate
from hub_shopify import nested, queries
from hub_shopify.client import Result, ShopifyClient
from hub_shopify.cost import largest_first, requested_cost
from hub_shopify.ids import gid, legacy_id
from hub_shopify.info import MAX_QUERY_COST
from hub_shopify.views import EXTRA

VARIANTS_PER_PRODUCT = 20


async def complete_variants(client: ShopifyClient, product: dict[str, Any]) -> None:
    """Fetch the variants beyond the first page of ``product``."""
    await nested.complete(
        client, queries.PRODUCT_VARIANTS, product, root="product", field="variants",
        what=f"variants of product {product.get('id')}",
        vanished=f"product {product.get('id')} vanished while reading its variants")


async def _finish(client: ShopifyClient, nodes: list[Any], currency: str) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        if isinstance(node, dict) and node.get("id"):
            await complete_variants(client, node)
            node[EXTRA] = {"currency": currency}
            out.append(node)
    return out


async def fetch(client: ShopifyClient, product_ids: list[str] | None
                ) -> AsyncIterator[list[dict[str, Any]]]:
    """Product payloads: the named ones, or the whole catalogue in id order."""
    currency = await client.currency()
    variables = {"variants": VARIANTS_PER_PRODUCT}
    if product_ids is None:
        first = largest_first(queries.PRODUCTS, variables, limit=MAX_QUERY_COST)

        async def page_of(after: str | None) -> Result:
            return await client.graphql(queries.PRODUCTS, {**variables, "first": first,
                                                           "after": after}, what="products")

        async def parse(result: Result) -> ListingPage[dict[str, Any]]:
            connection = result.data.get("products") or {}
            info = connection.get("pageInfo") or {}
            return ListingPage(await _finish(client, connection.get("nodes") or [], currency),
                               next=info.get("endCursor") if info.get("hasNextPage") else None)

        async for page in paginate(page_of, parse, Cursors(),
                                   guard=PageGuard(f"{client.account.label}: products")):
            if page.fresh:
                yield page.fresh
        return
    wanted = sorted({i for i in (legacy_id(p) for p in product_ids) if i and i.isdigit()},
                    key=int)
    per_id = requested_cost(queries.PRODUCTS_BY_ID, {**variables, "ids": ["x"]})
    size = max(1, min(250, MAX_QUERY_COST // per_id))
    for start in range(0, len(wanted), size):
        ids = [gid("Product", i) for i in wanted[start:start + size]]
        result = await client.graphql(queries.PRODUCTS_BY_ID, {**variables, "ids": ids},
                                      what="products by id")
        found = await _finish(client, result.data.get("nodes") or [], currency)
        if found:
            yield found
