"""Reading listings: the seller's item ids, items in batches of 20, category names.

``GET /users/{seller}/items/search`` lists item ids (100 a page); past 1,000
results offsets are refused, so larger catalogues are listed with
``search_type=scan`` and the returned ``scroll_id``. Items are read with
``GET /items?ids=..`` (at most 20 ids a request, ``include_attributes=all`` so
variations carry their ``SELLER_SKU``), and each item gets the name of its
category (``GET /categories/{id}``, read once per account runtime).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx

from hub import DataError, ListingPage, Offsets, PageGuard, Scroll, paginate
from hub_mercadolibre.client import MeliClient, json_list, json_object

SEARCH_LIMIT = 100
OFFSET_CAP = 1000
MULTIGET = 20
ITEM_ID = re.compile(r"^[A-Z]{3}\d+$")



def chunks(values: list[str], size: int) -> Iterable[list[str]]:
    """``values`` in lists of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _page(body: dict[str, Any], what: str) -> tuple[list[str], int | None]:
    results = body.get("results")
    if not isinstance(results, list):
        raise DataError(f"{what}: the answer has no results list")
    total = (body.get("paging") or {}).get("total")
    return [str(r) for r in results], total if isinstance(total, int) else None


async def item_ids(client: MeliClient) -> AsyncIterator[list[str]]:
    """Every item id of the seller, a page at a time (offsets, then a scan past 1,000)."""
    path = f"/users/{client.seller_id}/items/search"
    what = f"{client.account.label}: items search"
    guard = PageGuard(what, max_pages=100_000)

    def parse(response: httpx.Response) -> ListingPage[str]:
        body = json_object(response, what)
        ids, total = _page(body, what)
        return ListingPage(ids, total=total, next=str(body.get("scroll_id") or "") or None)

    async def by_offset(offset: int) -> httpx.Response:
        return await client.get(path, {"offset": offset, "limit": SEARCH_LIMIT})

    async for page in paginate(by_offset, parse, Offsets(SEARCH_LIMIT), guard=guard, key=str,
                               scope="offset"):
        if page.total is not None and page.total > OFFSET_CAP:
            break  # offsets stop at 1,000: scan instead
        if page.fresh:
            yield page.fresh
    else:
        return

    async def by_scroll(scroll: str | None) -> httpx.Response:
        params: dict[str, Any] = {"search_type": "scan", "limit": SEARCH_LIMIT}
        if scroll:
            params["scroll_id"] = scroll
        return await client.get(path, params)

    guard = PageGuard(what, max_pages=100_000)  # the offset page read is thrown away: anew
    async for page in paginate(by_scroll, parse, Scroll(), guard=guard, key=str, scope="scan"):
        if page.fresh:
            yield page.fresh


async def items(client: MeliClient, ids: list[str]) -> list[dict[str, Any]]:
    """The items named by ``ids`` (unknown ones left out), read 20 a request, concurrently."""
    valid = [i for i in dict.fromkeys(ids) if ITEM_ID.match(i)]
    answers = await client.bounded(
        client.get("/items", {"ids": ",".join(batch), "include_attributes": "all"})
        for batch in chunks(valid, MULTIGET))
    found: list[dict[str, Any]] = []
    for answer in answers:
        for entry in json_list(answer, "GET /items"):
            if isinstance(entry, dict) and entry.get("code") == 200 and isinstance(
                    entry.get("body"), dict):
                found.append(entry["body"])
    return found


async def with_categories(client: MeliClient, listing: list[dict[str, Any]]
                          ) -> list[dict[str, Any]]:
    """``listing`` with each item's ``category_name`` filled in (names read once)."""
    names: dict[str, str] = client.account.runtime.memo("mercadolibre.categories")
    wanted = sorted({str(i["category_id"]) for i in listing if i.get("category_id")} - set(names))
    bodies = await client.bounded(client.get_object(f"/categories/{category}", missing_ok=True)
                                  for category in wanted)
    for category, body in zip(wanted, bodies, strict=True):
        names[category] = str((body or {}).get("name") or category)
    for item in listing:
        if item.get("category_id"):
            item["category_name"] = names.get(str(item["category_id"]))
    return listing


async def fetch(client: MeliClient, product_ids: list[str] | None
                ) -> AsyncIterator[list[dict[str, Any]]]:
    """Item payloads for ``map_product``: the named items, or the seller's whole catalogue."""
    if product_ids is not None:
        for batch in chunks(list(product_ids), MULTIGET * client.concurrency):
            found = await items(client, batch)
            if found:
                yield await with_categories(client, found)
        return
    async for ids in item_ids(client):
        found = await items(client, ids)
        if found:
            yield await with_categories(client, found)
