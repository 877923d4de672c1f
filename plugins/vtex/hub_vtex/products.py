"""Reading the catalogue through the Catalog SKU endpoints.

A product payload is ``{"productId": "6", "skus": [<SKU and context>, ...]}``,
each SKU from ``GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}``
(name, RefId, EAN, product and categories). Named products list their SKUs
with ``GET /api/catalog_system/pvt/sku/stockkeepingunitByProductId/{productId}``;
the whole catalogue pages ``GET /api/catalog_system/pvt/sku/stockkeepingunitids``.
A product whose SKUs fall on two id pages comes in two payloads, each with its
own variants; the core links variants one by one, so that is harmless.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from hub import DataError, ListingPage, PageGuard, PageNumbers, bounded, paginate
from hub_vtex.client import VtexClient, json_list, json_object, segment

ID_PAGE_SIZE = 250
CONCURRENCY = 16
PRODUCTS_PER_BATCH = 25


async def sku(client: VtexClient, sku_id: str) -> dict[str, Any] | None:
    """One SKU with its context, or None when the catalogue no longer has it."""
    response = await client.catalog.get(
        f"api/catalog_system/pvt/sku/stockkeepingunitbyid/{segment(sku_id)}", expect={404})
    if response.status_code == 404:
        return None
    return json_object(response, f"SKU {sku_id}")


async def sku_id_by_ref(client: VtexClient, ref_id: str) -> str | None:
    """The SKU id of a reference id (``GET /api/catalog/pvt/stockkeepingunit?RefId=``)."""
    response = await client.catalog.get("api/catalog/pvt/stockkeepingunit",
                                        params={"RefId": ref_id}, expect={404})
    if response.status_code == 404:
        return None
    found = json_object(response, f"SKU with RefId {ref_id}").get("Id")
    return str(found) if found is not None else None


async def _skus(client: VtexClient, sku_ids: list[str]) -> list[dict[str, Any]]:
    found = await bounded(CONCURRENCY, (sku(client, s) for s in sku_ids))
    return [item for item in found if item is not None]


def _group(skus: list[dict[str, Any]]) -> list[dict[str, Any]]:
    products: dict[str, list[dict[str, Any]]] = {}
    for item in skus:
        products.setdefault(str(item.get("ProductId")), []).append(item)
    return [{"productId": pid, "skus": items} for pid, items in products.items()]


async def _product_sku_ids(client: VtexClient, product_id: str) -> list[str]:
    if not product_id.isdigit():
        return []
    response = await client.catalog.get(
        f"api/catalog_system/pvt/sku/stockkeepingunitByProductId/{product_id}", expect={404})
    if response.status_code == 404:
        return []
    return [str(item["Id"]) for item in json_list(response, f"SKUs of product {product_id}")
            if isinstance(item, dict) and item.get("Id") is not None]


async def fetch(client: VtexClient, product_ids: list[str] | None
                ) -> AsyncIterator[list[dict[str, Any]]]:
    """Product payloads: the named products, or the whole catalogue when ``None``."""
    if product_ids is not None:
        for start in range(0, len(product_ids), PRODUCTS_PER_BATCH):
            chunk = product_ids[start:start + PRODUCTS_PER_BATCH]
            id_lists = await bounded(CONCURRENCY, (_product_sku_ids(client, p) for p in chunk))
            skus = await _skus(client, [s for ids in id_lists for s in ids])
            if skus:
                yield _group(skus)
        return
    async def fetch(page: int) -> httpx.Response:
        return await client.catalog.get("api/catalog_system/pvt/sku/stockkeepingunitids",
                                        params={"page": page, "pagesize": ID_PAGE_SIZE})

    def parse(response: httpx.Response) -> ListingPage[int]:
        ids = json_list(response, "SKU ids page")
        if not all(isinstance(i, int) for i in ids):
            raise DataError(f"{client.label}: a SKU ids page holds something else than ids")
        return ListingPage(ids)

    async for page in paginate(fetch, parse, PageNumbers(size=ID_PAGE_SIZE), key=lambda i: i,
                               guard=PageGuard(f"{client.label}: SKU ids", max_pages=100_000)):
        if page.fresh:
            skus = await _skus(client, [str(i) for i in page.fresh])
            if skus:
                yield _group(skus)
