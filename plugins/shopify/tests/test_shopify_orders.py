"""The plugin against its sandbox: order scans (paged and bulk), faults, throttling, tokens."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import hub
from hub.sandbox import SandboxOptions
from hub_shopify import plugin
from hub_shopify.client import ShopifyClient
from hub_shopify.info import MAX_QUERY_COST
from hub_shopify.sandbox import ShopifySandbox


def _since(days: int = 60) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def _scan(acct: hub.Account, since: datetime, until: datetime | None = None
          ) -> list[hub.OrderPage]:
    async def go() -> list[hub.OrderPage]:
        try:
            return [page async for page in plugin.fetch_orders(acct, since, until)]
        finally:
            await acct.aclose()

    import asyncio

    return asyncio.run(go())


def _imported(acct: hub.Account, pages: list[hub.OrderPage]) -> Counter[str]:
    """How often each order id was delivered with a version the core would import."""
    return Counter(plugin.parse_order(acct, p).platform_order_id
                   for page in pages for p in page.payloads)


def _eligible_seen(sandbox: ShopifySandbox, acct: hub.Account, pages: list[hub.OrderPage]
                   ) -> set[str]:
    parsed = [plugin.parse_order(acct, p) for page in pages for p in page.payloads]
    return {o.platform_order_id for o in parsed} & sandbox.eligible_order_ids()


def test_paged_scan_delivers_every_order_once_within_the_cost_limit(served: Any, shop: Any
                                                                     ) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url, bulk_threshold_days="-1")
    pages = _scan(acct, _since())
    seen = _imported(acct, pages)
    assert set(seen) >= sandbox.eligible_order_ids()
    assert max(seen.values()) == 1
    assert len(pages) > 3 and max(sandbox.requested_costs) <= MAX_QUERY_COST
    assert max(sandbox.requested_costs) > MAX_QUERY_COST * 0.8  # pages as large as allowed
    checkpoints = [p.checkpoint for p in pages if p.checkpoint]
    assert checkpoints == sorted(checkpoints)
    # orders with more lines than one page of line items come back whole
    for page in pages:
        for payload in page.payloads:
            order = sandbox.store.orders[payload["id"]]
            assert len(payload["lineItems"]["nodes"]) == len(order["_lines"])
    assert any(len(p["lineItems"]["nodes"]) > 10 for page in pages for p in page.payloads)


def test_since_and_until_bound_the_scan(served: Any, shop: Any) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url, bulk_threshold_days="-1")
    since, until = _since(20), _since(10)
    pages = _scan(acct, since, until)
    updated = [hub.parse_datetime(p["updatedAt"]) for page in pages for p in page.payloads]
    assert updated and all(since - timedelta(seconds=1) <= u < until + timedelta(seconds=1)
                           for u in updated)
    assert all(p.checkpoint is None or p.checkpoint <= until for p in pages)


@pytest.mark.parametrize("faults", [
    {"burst_429": 3, "burst_at": 2, "retry_after": 0.05},
    {"error_5xx_every": 3},
    {"drift_page": 2},
    {"latency": 0.02},
])
def test_faults_still_end_with_every_order_exactly_once(shop: Any, faults: dict[str, Any]
                                                        ) -> None:
    sandbox = ShopifySandbox(SandboxOptions(seed=5, orders=70, **faults), restore_rate=5000.0)
    with sandbox.serve() as url:
        acct = shop.sandbox_account(sandbox, url, bulk_threshold_days="-1")
        pages = _scan(acct, _since())
    seen = _imported(acct, pages)
    by_version = Counter((p["id"], p["updatedAt"]) for page in pages for p in page.payloads)
    assert max(by_version.values()) == 1  # nothing delivered twice in the same version
    assert _eligible_seen(sandbox, acct, pages) == sandbox.eligible_order_ids()
    if "burst_429" in faults:
        assert sandbox.stats.rejected_429 == 3
    if "error_5xx_every" in faults:
        assert sandbox.stats.errors_5xx >= 2
    if "drift_page" in faults:
        assert sandbox.drifted
        newest = max(sandbox.store.orders.values(), key=lambda o: int(o["legacyResourceId"]))
        assert seen[newest["legacyResourceId"]] == 1  # the order created mid-scan arrived


def test_an_empty_bucket_is_waited_for_not_hammered(shop: Any) -> None:
    sandbox = ShopifySandbox(SandboxOptions(seed=2, orders=40), bucket_size=1000.0,
                             restore_rate=2000.0)
    sandbox.bucket.level = 50.0  # another app of this shop just spent the bucket
    with sandbox.serve() as url:
        acct = shop.sandbox_account(sandbox, url, bulk_threshold_days="-1")
        started = time.monotonic()
        pages = _scan(acct, _since())
        elapsed = time.monotonic() - started
    assert 1 <= sandbox.throttled <= 2
    first_cost = sandbox.requested_costs[0]
    assert elapsed >= (first_cost - 50.0) / 2000.0 * 0.9
    assert _eligible_seen(sandbox, acct, pages) == sandbox.eligible_order_ids()
    limiter = acct.runtime.limiters["shopify-graphql"]
    assert (limiter.rate, limiter.capacity) == (2000.0, 1000.0)  # synced from throttleStatus


def test_an_expired_oauth_token_is_refreshed_once_and_the_scan_goes_on(shop: Any) -> None:
    sandbox = ShopifySandbox(SandboxOptions(seed=4, orders=30), restore_rate=5000.0)
    with sandbox.serve() as url:
        first = sandbox.issue_token(expiring=True)
        acct = shop.oauth_account(sandbox, url, first, bulk_threshold_days="-1")
        sandbox.expire_tokens()  # expired on Shopify's side before the hub noticed
        pages = _scan(acct, _since())
    assert acct.credentials["access_token"] != first["access_token"]
    assert acct.credentials["refresh_token"] != first["refresh_token"]  # rotated
    assert acct.runtime.refresher is not None and acct.runtime.refresher.refreshes == 1
    assert _eligible_seen(sandbox, acct, pages) == sandbox.eligible_order_ids()


def test_a_backfill_runs_as_one_bulk_export(served: Any, shop: Any) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url)
    pages = _scan(acct, _since())
    [operation] = sandbox.bulk_ops.values()
    assert operation["status"] == "COMPLETED"
    assert pages[-1].checkpoint == hub.parse_datetime(operation["createdAt"])
    assert all(p.checkpoint is None for p in pages[:-1])
    seen = _imported(acct, pages)
    assert max(seen.values()) == 1
    assert _eligible_seen(sandbox, acct, pages) == sandbox.eligible_order_ids()
    for page in pages:  # line items reassembled under their orders
        for payload in page.payloads:
            assert len(payload["lineItems"]["nodes"]) == \
                len(sandbox.store.orders[payload["id"]]["_lines"])
    assert max(sandbox.requested_costs) <= 10  # run and poll only: no order pages


def test_without_protected_data_the_bulk_export_fails_and_paging_imports_unspecified(
        shop: Any) -> None:
    sandbox = ShopifySandbox(SandboxOptions(seed=6, orders=40), restore_rate=5000.0,
                             customer_data=False)
    with sandbox.serve() as url:
        acct = shop.sandbox_account(sandbox, url)
        pages = _scan(acct, _since())
    [operation] = sandbox.bulk_ops.values()
    assert (operation["status"], operation["errorCode"]) == ("FAILED", "ACCESS_DENIED")
    orders = [plugin.parse_order(acct, p) for page in pages for p in page.payloads]
    assert orders and all(o.customer is not None and o.customer.unspecified for o in orders)
    assert {o.platform_order_id for o in orders} & sandbox.eligible_order_ids() == \
        sandbox.eligible_order_ids()


def test_fetch_order_returns_every_line_or_none(served: Any, shop: Any) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url)
    big = next(o for o in sandbox.store.orders.values() if len(o["_lines"]) > 10)

    async def go() -> tuple[Any, Any]:
        try:
            return (await plugin.fetch_order(acct, big["legacyResourceId"]),
                    await plugin.fetch_order(acct, "999999"))
        finally:
            await acct.aclose()

    found, missing = shop.run(go())
    assert missing is None
    assert len(found["lineItems"]["nodes"]) == len(big["_lines"])
    assert plugin.parse_order(acct, found).platform_order_id == big["legacyResourceId"]


def test_the_shop_refuses_a_query_over_the_single_query_maximum(served: Any, shop: Any) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url)

    async def go() -> None:
        client = ShopifyClient(acct)
        try:
            await client.http.post(client.path, json={
                "query": "{ orders(first: 250) { nodes { id lineItems(first: 250) "
                         "{ nodes { id } } } } }"})
        finally:
            await acct.aclose()

    with pytest.raises(hub.PlatformError, match="exceeds the single query max cost"):
        shop.run(go())
    with pytest.raises(hub.PlatformError, match="over Shopify's single-query maximum"):
        shop.run(ShopifyClient(acct).graphql(
            "{ orders(first: 250) { nodes { id lineItems(first: 250) { nodes { id } } } } }"))


def test_fetch_products_whole_catalogue_and_by_id(served: Any, shop: Any) -> None:
    sandbox, url = served
    acct = shop.sandbox_account(sandbox, url)
    shirt = next(p for p in sandbox.store.products.values() if p["title"] == "Linen shirt")

    async def go() -> tuple[list[Any], list[Any]]:
        try:
            everything = [p async for batch in plugin.fetch_products(acct, None) for p in batch]
            named = [p async for batch in plugin.fetch_products(
                acct, [shirt["legacyResourceId"], "404", "not-a-number"]) for p in batch]
            return everything, named
        finally:
            await acct.aclose()

    everything, named = shop.run(go())
    products = [plugin.map_product(acct, p) for p in everything]
    assert len(products) == len(sandbox.store.products)
    assert sum(len(p.variants) for p in products) == len(sandbox.store.variants)
    [product] = [plugin.map_product(acct, p) for p in named]
    assert (product.platform_product_id, product.category, product.sku) == (
        shirt["legacyResourceId"], "Shirts", None)
    assert [(v.sku, str(v.price.amount) if v.price else None) for v in product.variants] == [
        ("SHIRT-LIN-S", "49.00"), ("SHIRT-LIN-M", "49.00"), ("SHIRT-LIN-L", "52.00")]


def _orphan(sandbox: ShopifySandbox, acct: hub.Account, since: datetime,
            until: datetime | None) -> dict[str, Any]:
    """The export a run killed while polling leaves behind: started, never read."""
    import asyncio

    from hub_shopify import bulk

    async def go() -> dict[str, Any]:
        try:
            return await bulk.start(ShopifyClient(acct), since, until)
        finally:
            await acct.aclose()

    return asyncio.run(go())


def test_an_export_orphaned_by_a_kill_is_reused_when_it_covers_the_window(served: Any,
                                                                          shop: Any) -> None:
    sandbox, url = served
    since = _since()
    orphan = _orphan(sandbox, shop.sandbox_account(sandbox, url), since, None)
    assert sandbox.bulk_ops[orphan["id"]]["status"] == "RUNNING"
    acct = shop.sandbox_account(sandbox, url)
    pages = _scan(acct, since + timedelta(minutes=10))  # the next run asks for a later window
    assert list(sandbox.bulk_ops) == [orphan["id"]], "no second export"
    assert sandbox.bulk_ops[orphan["id"]]["status"] == "COMPLETED"
    assert pages[-1].checkpoint == hub.parse_datetime(orphan["createdAt"])
    assert max(sandbox.requested_costs) <= 10  # no paging
    assert _eligible_seen(sandbox, acct, pages) == sandbox.eligible_order_ids()


def test_an_export_orphaned_by_a_kill_is_cancelled_when_it_does_not_cover_the_window(
        served: Any, shop: Any) -> None:
    sandbox, url = served
    sandbox.bulk_seconds = 3600.0  # the orphan would run for an hour
    since = _since()
    orphan = _orphan(sandbox, shop.sandbox_account(sandbox, url), since, since + timedelta(days=7))
    sandbox.bulk_seconds = 0.0
    acct = shop.sandbox_account(sandbox, url)
    pages = _scan(acct, since - timedelta(minutes=10))  # starts before the orphan's window
    statuses = [op["status"] for op in sandbox.bulk_ops.values()]
    assert statuses == ["CANCELED", "COMPLETED"] and next(iter(sandbox.bulk_ops)) == orphan["id"]
    assert max(sandbox.requested_costs) <= 10  # exported, not paged
    assert _eligible_seen(sandbox, acct, pages) == sandbox.eligible_order_ids()
