"""Reading listings: the item search (offsets and scan), 20-id batches, category names."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx

from hub_mercadolibre import plugin


def _collect(acct: Any, ids: list[str] | None) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        out = [p async for batch in plugin.fetch_products(acct, ids) for p in batch]
        await acct.aclose()
        return out

    return asyncio.run(go())


def test_the_whole_catalogue_against_the_sandbox(meli: Any, served: Any) -> None:
    sandbox, url = served
    payloads = _collect(meli.sandbox_account(sandbox, url), None)
    assert sorted(p["id"] for p in payloads) == sorted(sandbox.items)
    products = {p.platform_product_id: p for p in
                (plugin.map_product(meli.account(), payload) for payload in payloads)}
    shirt = next(p for p in products.values() if p.name == "Remera algodón peinado")
    assert shirt.category == "Ropa y Accesorios" and len(shirt.variants) == 6
    assert {v.sku for v in shirt.variants} >= {"REM-NEGRO-S", "REM-BLANCO-L"}
    straw = next(p for p in products.values() if p.name.startswith("Bombilla"))
    assert straw.sku == "BOMB-ALP"  # from seller_custom_field
    jackets = [p for p in products.values() if p.name.startswith("Campera")]
    assert len(jackets) == 3 and all(not p.variants and p.sku for p in jackets)


def test_named_items_are_read_twenty_at_a_time(meli: Any, served: Any) -> None:
    sandbox, url = served
    ids = sorted(sandbox.items)
    wanted = [*ids, *ids[:2], "MLA999", "not-an-item"] * 2
    payloads = _collect(meli.sandbox_account(sandbox, url), wanted)
    assert sorted(p["id"] for p in payloads) == ids
    assert sandbox.stats.routes["GET /items"] == 1  # 12 distinct ids: one request


def test_more_than_1000_items_are_listed_with_a_scan(meli: Any) -> None:
    ids = [f"MLA{1000 + i}" for i in range(250)]

    def search(request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        if query.get("search_type") != "scan":
            return httpx.Response(200, json={"results": ids[:100],
                                             "paging": {"total": 1500, "offset": 0, "limit": 100}})
        start = {None: 0, "s1": 100, "s2": 200, "s3": 300}[query.get("scroll_id")]
        return httpx.Response(200, json={"results": ids[start:start + 100], "scroll_id": "s" + str(
            start // 100 + 1), "paging": {"total": 1500, "limit": 100}})

    def multiget(request: httpx.Request) -> httpx.Response:
        asked = parse_qs(request.url.query.decode())["ids"][0].split(",")
        assert len(asked) <= 20
        return httpx.Response(200, json=[{"code": 200, "body": meli.item(i, category_id=None)}
                                         for i in asked])

    with respx.mock() as mock:
        route = mock.get(f"{meli.API}/users/{meli.SELLER}/items/search").mock(side_effect=search)
        mock.get(f"{meli.API}/items").mock(side_effect=multiget)
        payloads = _collect(meli.account(), None)
        assert route.call_count == 5  # one offset page, then scan pages until an empty one
    assert [p["id"] for p in payloads] == ids
