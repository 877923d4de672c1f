"""Reading products (with their variants) for ``map_product``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from hub import bounded, json_object
from hub_nuvemshop.client import StoreClient

CURRENCY = "_hub_currency"  # the store's currency, added to each payload for map_product


async def _one(client: StoreClient, product_id: str) -> dict[str, Any] | None:
    response = await client.get(f"products/{product_id}", expect={404})
    return None if response.status_code == 404 else json_object(response, f"product {product_id}")


async def fetch(client: StoreClient, product_ids: list[str] | None
                ) -> AsyncIterator[list[dict[str, Any]]]:
    """The named products (one request each), or the whole catalogue along ``Link``."""
    currency = await client.currency()

    def marked(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, CURRENCY: currency} for item in items]

    if product_ids is None:
        async for batch in client.pages("products", {}, "products"):
            yield marked(batch)
        return
    wanted = sorted({pid for pid in product_ids if str(pid).isdigit()}, key=int)
    for start in range(0, len(wanted), 50):
        found = await bounded(4, [_one(client, pid) for pid in wanted[start:start + 50]])
        items = [p for p in found if p is not None]
        if items:
            yield marked(items)
