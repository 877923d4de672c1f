"""The sale search: filters, paging, carts, shipments, faults, and single-sale fetches."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

import hub
from hub.sandbox import SandboxOptions
from hub.testing.transports import InFlight
from hub_mercadolibre import plugin
from hub_mercadolibre.sandbox import MercadoLibreSandbox


def _search(meli: Any, results: list[dict[str, Any]], total: int | None = None) -> httpx.Response:
    return httpx.Response(200, json={
        "results": results, "paging": {"total": len(results) if total is None else total,
                                       "offset": 0, "limit": 50}},
        headers={"Date": "Mon, 05 Oct 2026 12:00:00 GMT"})


def test_search_sends_the_seller_sort_and_whole_hour_bounds(meli: Any) -> None:
    since = datetime(2026, 10, 1, 10, 37, 12, tzinfo=UTC)
    until = datetime(2026, 10, 1, 18, 5, tzinfo=UTC)

    async def go(setting: str) -> dict[str, list[str]]:
        with respx.mock() as mock:
            route = mock.get(f"{meli.API}/orders/search").mock(return_value=_search(meli, []))
            acct = meli.account(meli.settings(search_hour_granularity=setting))
            pages = [p async for p in plugin.fetch_orders(acct, since, until)]
            await acct.aclose()
            assert pages[-1].checkpoint == until
            return parse_qs(route.calls[0].request.url.query.decode())

    rounded = asyncio.run(go("true"))
    assert rounded["seller"] == [str(meli.SELLER)] and rounded["sort"] == ["date_asc"]
    assert rounded["limit"] == ["50"] and rounded["offset"] == ["0"]
    assert rounded["order.date_last_updated.from"] == ["2026-10-01T10:00:00.000-00:00"]
    assert rounded["order.date_last_updated.to"] == ["2026-10-01T19:00:00.000-00:00"]
    exact = asyncio.run(go("false"))
    assert exact["order.date_last_updated.from"] == ["2026-10-01T10:37:12.000-00:00"]
    assert exact["order.date_last_updated.to"] == ["2026-10-01T18:05:00.000-00:00"]


def test_a_cart_split_across_pages_is_completed_and_yielded_once(meli: Any) -> None:
    cart_first = meli.order(2000000101, pack_id=2100000009, shipping={"id": 4100})
    cart_second = meli.order(2000000102, pack_id=2100000009, shipping={"id": 4100})
    single = meli.order(2000000103, shipping={"id": 4200})
    page_one = [meli.order(2000000000 + i, shipping={"id": None}) for i in range(49)]
    page_one.append(cart_first)

    async def go() -> list[dict[str, Any]]:
        with respx.mock() as mock:
            mock.get(f"{meli.API}/orders/search", params={"offset": "0"}).mock(
                return_value=_search(meli, page_one, total=52))
            mock.get(f"{meli.API}/orders/search", params={"offset": "50"}).mock(
                return_value=_search(meli, [cart_second, single], total=52))
            pack = mock.get(f"{meli.API}/packs/2100000009").respond(200, json={
                "id": 2100000009, "orders": [{"id": 2000000101}, {"id": 2000000102}],
                "shipment": {"id": 4100}})
            fetched = mock.get(f"{meli.API}/orders/2000000102").respond(200, json=cart_second)
            mock.get(f"{meli.API}/shipments/4100").respond(200, json=meli.shipment(4100))
            mock.get(f"{meli.API}/shipments/4200").respond(200, json=meli.shipment(
                4200, mode="custom", status="handling"))
            acct = meli.account()
            payloads = [p async for page in plugin.fetch_orders(
                acct, datetime(2026, 10, 1, tzinfo=UTC), None) for p in page.payloads]
            await acct.aclose()
            assert pack.call_count == 1 and fetched.call_count == 1
            return payloads

    payloads = asyncio.run(go())
    keys = Counter(p["id"] for p in payloads)
    assert keys["pack:2100000009"] == 1 and keys["2000000103"] == 1 and len(keys) == 51
    cart = next(p for p in payloads if p["id"] == "pack:2100000009")
    assert [o["id"] for o in cart["orders"]] == [2000000101, 2000000102]
    order = plugin.parse_order(meli.account(), cart)
    assert len(order.lines) == 2 and order.status == "paid/ready_to_ship"
    single_sale = next(p for p in payloads if p["id"] == "2000000103")
    assert plugin.parse_order(meli.account(), single_sale).status == "paid/handling"


def test_a_missing_shipment_quarantines_only_its_sale(meli: Any) -> None:
    async def go() -> list[dict[str, Any]]:
        with respx.mock() as mock:
            mock.get(f"{meli.API}/orders/search").mock(return_value=_search(
                meli, [meli.order(1, shipping={"id": 9}), meli.order(2, shipping={"id": None})]))
            mock.get(f"{meli.API}/shipments/9").respond(404, json={
                "message": "Shipment not found", "error": "not_found", "status": 404, "cause": []})
            acct = meli.account()
            out = [p async for page in plugin.fetch_orders(acct, datetime(2026, 10, 1, tzinfo=UTC),
                                                           None) for p in page.payloads]
            await acct.aclose()
            return out

    first, second = asyncio.run(go())
    with pytest.raises(hub.DataError, match="shipment 9 was not found"):
        plugin.parse_order(meli.account(), first)
    assert plugin.parse_order(meli.account(), second).status == "paid/to_be_agreed"


def test_a_search_that_ignores_offset_raises_pagination_loop(meli: Any) -> None:
    page = [meli.order(3000 + i, shipping={"id": None}) for i in range(50)]

    async def go() -> None:
        with respx.mock() as mock:
            mock.get(f"{meli.API}/orders/search").mock(return_value=_search(meli, page, total=200))
            acct = meli.account()
            with pytest.raises(hub.PaginationLoop):
                async for _ in plugin.fetch_orders(acct, datetime(2026, 10, 1, tzinfo=UTC), None):
                    pass
            await acct.aclose()

    asyncio.run(go())


def _exactly_once(meli: Any, sandbox: MercadoLibreSandbox, orders: list[hub.Order]) -> None:
    counts = Counter(o.platform_order_id for o in orders)
    assert counts and max(counts.values()) == 1
    assert meli.eligible(orders) == sandbox.eligible_order_ids()


def test_every_sale_once_against_the_sandbox(meli: Any, served: Any) -> None:
    sandbox, url = served
    orders = meli.run(meli.scan(meli.sandbox_account(sandbox, url)))
    _exactly_once(meli, sandbox, orders)
    statuses = {o.status for o in orders}
    assert {"paid/ready_to_ship", "cancelled", "paid/handling", "paid/to_be_agreed"} <= statuses
    assert any(o.platform_order_id.startswith("pack:") and len(o.lines) > 1 for o in orders)
    assert any(o.ineligible_reason for o in orders)


@pytest.mark.parametrize("served", [SandboxOptions(seed=12, orders=50, burst_429=2, burst_at=2)],
                         indirect=True)
def test_a_429_burst_ends_with_every_sale_once(meli: Any, served: Any) -> None:
    sandbox, url = served
    orders = meli.run(meli.scan(meli.sandbox_account(sandbox, url)))
    assert sandbox.stats.rejected_429 == 2
    _exactly_once(meli, sandbox, orders)


@pytest.mark.parametrize("served", [SandboxOptions(seed=13, orders=50, error_5xx_every=9)],
                         indirect=True)
def test_503s_end_with_every_sale_once(meli: Any, served: Any) -> None:
    sandbox, url = served
    orders = meli.run(meli.scan(meli.sandbox_account(sandbox, url)))
    assert sandbox.stats.errors_5xx >= 3
    _exactly_once(meli, sandbox, orders)


@pytest.mark.parametrize("served", [SandboxOptions(seed=14, orders=150, drift_page=1)],
                         indirect=True)
def test_a_page_that_changes_between_fetches_ends_with_every_sale_once(meli: Any,
                                                                       served: Any) -> None:
    sandbox, url = served
    before = sandbox.eligible_order_ids()
    orders = meli.run(meli.scan(meli.sandbox_account(sandbox, url)))
    assert sandbox.drifted
    after = sandbox.eligible_order_ids()
    assert len(after - before) == 2  # an old sale came back ready, a new sale arrived
    _exactly_once(meli, sandbox, orders)


def test_the_sandbox_rate_limit_answers_429_without_retry_after(meli: Any, served: Any) -> None:
    sandbox, url = served
    sandbox.rate_per_second = 20.0
    acct = meli.sandbox_account(sandbox, url, requests_per_second="0", concurrency="32")
    orders = meli.run(meli.scan(acct))
    assert sandbox.stats.rejected_429 > 0
    _exactly_once(meli, sandbox, orders)


def test_the_answer_to_a_429_has_no_retry_after(served: Any) -> None:
    sandbox, url = served
    sandbox.rate_per_second = 1.0
    with httpx.Client(base_url=url) as client:
        answers = [client.get("/categories/MLA1430") for _ in range(3)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and all("retry-after" not in a.headers for a in limited)
    assert limited[0].json() == {"message": "Too many requests", "error": "too_many_requests",
                                 "status": 429, "cause": []}


@pytest.mark.parametrize("served", [SandboxOptions(seed=17, orders=150)], indirect=True)
def test_an_access_token_expiring_mid_scan_is_refreshed_once(meli: Any, served: Any) -> None:
    sandbox, url = served
    requests = []
    orders = meli.run(meli.scan(meli.sandbox_account(sandbox, url),
                                pause=lambda: (sandbox.advance(6 * 3600 + 1),
                                               requests.append(sandbox.stats.requests))))
    assert sandbox.tokens.refreshes == 1
    assert sandbox.stats.requests > requests[0] + 1  # the scan went on after the expiry
    _exactly_once(meli, sandbox, orders)


@pytest.mark.parametrize("served", [SandboxOptions(seed=15, orders=20, token_ttl=1)],
                         indirect=True)
def test_short_lived_tokens_are_refreshed_before_use(meli: Any, served: Any) -> None:
    sandbox, url = served
    acct = meli.sandbox_account(sandbox, url)  # its token lives 1 s: inside the refresh skew
    orders = meli.run(meli.scan(acct))
    assert sandbox.tokens.refreshes >= 1 and sandbox.tokens.rejected_refreshes == 0
    _exactly_once(meli, sandbox, orders)


@pytest.mark.parametrize("served", [SandboxOptions(seed=16, orders=60, latency=0.1)],
                         indirect=True)
def test_carts_and_shipments_are_read_concurrently(meli: Any, served: Any) -> None:
    sandbox, url = served
    acct = meli.sandbox_account(sandbox, url, requests_per_second="200")
    acct.runtime.transport = counted = InFlight()
    orders = meli.run(meli.scan(acct))
    assert sandbox.stats.requests > 40
    assert counted.most >= 4, counted.most  # not one at a time (latency keeps them overlapping)
    _exactly_once(meli, sandbox, orders)


def test_fetch_order_returns_the_whole_cart_for_any_of_its_orders(meli: Any, served: Any) -> None:
    sandbox, url = served
    key, members = next((k, o) for k, o in sandbox.sales().items()
                        if k.startswith("pack:") and len(o) == 3)
    acct = meli.sandbox_account(sandbox, url)

    async def go() -> list[dict[str, Any] | None]:
        found = [await plugin.fetch_order(acct, str(members[1]["id"])),
                 await plugin.fetch_order(acct, key),
                 await plugin.fetch_order(acct, f"shipment:{members[0]['shipping']['id']}"),
                 await plugin.fetch_order(acct, "9999"),
                 await plugin.fetch_order(acct, "pack:9999"),
                 await plugin.fetch_order(acct, "../users/me")]
        await acct.aclose()
        return found

    by_order, by_pack, by_shipment, missing, missing_pack, bogus = meli.run(go())
    assert missing is None and missing_pack is None and bogus is None
    for payload in (by_order, by_pack, by_shipment):
        assert payload is not None and payload["id"] == key
        assert sorted(o["id"] for o in payload["orders"]) == sorted(o["id"] for o in members)
        assert plugin.parse_order(acct, payload).platform_order_id == key
