"""Products in: ``GET /products`` (100 a page, then the ``next`` link SkyHub puts in the body for
the following page) or ``GET /products/{sku}`` for the SKUs asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from hub import Cursors, ListingPage, PageGuard, bounded, json_object, paginate
from hub_skyhub.client import SkyhubClient, segment

PER_PAGE = 100


async def one(client: SkyhubClient, sku: str) -> dict[str, Any] | None:
    """``GET /products/{sku}``; None when SkyHub has no such product."""
    response = await client.api("skyhub-products-get").get(f"products/{segment(sku)}",
                                                           expect={404})
    if response.status_code == 404:
        return None
    return json_object(response, f"{client.label}: product {sku}")


async def fetch(client: SkyhubClient, product_ids: list[str] | None
                ) -> AsyncIterator[list[dict[str, Any]]]:
    """Every product (or those of ``product_ids``), a page at a time."""
    if product_ids is not None:
        for start in range(0, len(product_ids), PER_PAGE):
            found = await bounded(9, (one(client, sku) for sku in product_ids[start:start + PER_PAGE]))
            yield [p for p in found if p is not None]
        return
    api = client.api("skyhub-products-get")

    async def get(token: str | None) -> httpx.Response:
        if token is None:
            return await api.get("products", params={"per_page": str(PER_PAGE)})
        return await api.get(token)  # SkyHub's `next`: the following page's path and query

    def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
        body = json_object(response, f"{client.label}: products")
        items = [p for p in body.get("products") or [] if isinstance(p, dict)]
        following = body.get("next")
        return ListingPage(items, next=str(following).lstrip("/") if following else None)

    guard = PageGuard(f"{client.label}: products")
    async for page in paginate(get, parse, Cursors(), guard=guard,
                               key=lambda p: str(p.get("sku"))):
        yield page.fresh
