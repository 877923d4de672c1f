"""The order scan against scripted responses: pages, totals, checkpoints, repeats, shifts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx

import hub
from hub_woocommerce import plugin

SINCE = datetime(2024, 3, 1, 0, 0, 0, 500000, tzinfo=UTC)
DATE = "Sun, 10 Mar 2024 12:00:00 GMT"
Pages = Callable[[httpx.Request], httpx.Response]


def _reply(items: list[dict[str, Any]], total: int, pages: int,
           date: str | None = DATE) -> httpx.Response:
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    if date:
        headers["Date"] = date
    return httpx.Response(200, json=items, headers=headers)


def _scan(woo: Any, responder: Pages, since: datetime = SINCE, until: datetime | None = None
          ) -> tuple[list[hub.OrderPage], list[httpx.Request]]:
    acct = woo.account()

    async def go() -> tuple[list[hub.OrderPage], list[httpx.Request]]:
        with respx.mock:
            route = respx.get(f"{woo.API}/orders").mock(side_effect=responder)
            try:
                pages = [page async for page in plugin.fetch_orders(acct, since, until)]
            finally:
                await acct.aclose()
            return pages, [call.request for call in route.calls]

    return asyncio.run(go())


def _by_page(woo: Any, pages: dict[int, list[dict[str, Any]]], total: int,
             date: str | None = DATE) -> Pages:
    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        return _reply(pages.get(number, []), total, len(pages), date)

    return respond


def _ids(pages: list[hub.OrderPage]) -> list[int]:
    return [payload["id"] for page in pages for payload in page.payloads]


def test_pages_until_x_wp_totalpages_with_a_checkpoint_on_the_last_only(woo: Any) -> None:
    store = {1: woo.orders(1, 100), 2: woo.orders(101, 100), 3: woo.orders(201, 50)}
    pages, requests = _scan(woo, _by_page(woo, store, total=250))
    assert _ids(pages) == list(range(1, 251))
    assert [p.checkpoint for p in pages] == [None, None, None,
                                             datetime(2024, 3, 10, 12, tzinfo=UTC)]
    assert pages[-1].payloads == []  # the scan's last page only vouches for it
    assert all(p.total == 250 for p in pages)
    assert [r.url.params["page"] for r in requests] == ["1", "2", "3"]
    params = requests[0].url.params
    assert params["modified_after"] == "2024-02-29T23:59:59"  # a second early: bounds exclude
    assert (params["dates_are_gmt"], params["orderby"], params["order"], params["per_page"]) == (
        "true", "id", "asc", "100")
    assert "status" not in params and "modified_before" not in params


def test_without_a_date_header_the_checkpoint_is_since(woo: Any) -> None:
    pages, _ = _scan(woo, _by_page(woo, {1: woo.orders(1, 3)}, total=3, date=None))
    assert pages[-1].checkpoint == SINCE


def test_until_bounds_the_query_and_the_checkpoint(woo: Any) -> None:
    until = datetime(2024, 3, 8, 6, 30, tzinfo=UTC)
    pages, requests = _scan(woo, _by_page(woo, {1: woo.orders(1, 3)}, total=3), until=until)
    assert requests[0].url.params["modified_before"] == "2024-03-08T06:30:01"
    assert pages[-1].checkpoint == until


def test_an_empty_store_still_yields_the_checkpoint(woo: Any) -> None:
    pages, _ = _scan(woo, lambda request: _reply([], 0, 0))
    assert len(pages) == 1
    assert pages[0].payloads == [] and pages[0].checkpoint is not None


def test_a_store_that_ignores_page_raises_pagination_loop(woo: Any) -> None:
    same = woo.orders(1, 100)
    with pytest.raises(hub.PaginationLoop, match="twice"):
        _scan(woo, lambda request: _reply(same, 300, 3))


def test_records_repeated_across_pages_are_dropped(woo: Any) -> None:
    # an order created mid-scan pushes one record of page 1 onto page 2 (orderby=date desc
    # on a real store); the scan yields it once
    store = {1: woo.orders(1, 100), 2: woo.orders(100, 51)}
    pages, _ = _scan(woo, _by_page(woo, store, total=150))
    ids = _ids(pages)
    assert ids == list(range(1, 151))
    assert len(ids) == len(set(ids))


def test_a_shift_from_deletions_triggers_a_second_pass(woo: Any) -> None:
    # X-WP-Total says 150; order 101 slid from page 2 onto page 1 after page 1 was read
    # (order 50 was deleted), so the first pass sees 149 orders
    calls = {"n": 0}
    first_pass = {1: woo.orders(1, 100), 2: woo.orders(102, 49)}
    later = [o for o in woo.orders(1, 150) if o["id"] != 50]
    second_pass = {1: later[:100], 2: later[100:]}

    def respond(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        number = int(request.url.params["page"])
        source = first_pass if calls["n"] <= 2 else second_pass
        return _reply(source[number], 150 if calls["n"] == 1 else 149, 2)

    pages, requests = _scan(woo, respond)
    ids = _ids(pages)
    assert sorted(ids) == sorted({*range(1, 101), *range(102, 151), 101})
    assert len(ids) == len(set(ids))
    assert len(requests) == 4
    assert [p.checkpoint is not None for p in pages] == [False] * (len(pages) - 1) + [True]


def test_the_scan_asks_once_more_at_most(woo: Any) -> None:
    def respond(request: httpx.Request) -> httpx.Response:  # the total never adds up
        return _reply(woo.orders(1, 10), 50, 1)

    pages, requests = _scan(woo, respond)
    assert len(requests) == 2
    assert _ids(pages) == list(range(1, 11))


def test_retries_a_503_on_a_page(woo: Any) -> None:
    replies = iter([httpx.Response(503, json={"code": "x"}), _reply(woo.orders(1, 2), 2, 1)])
    acct = woo.account()
    acct.runtime.limiters.clear()

    async def go() -> list[hub.OrderPage]:
        with respx.mock:
            respx.get(f"{woo.API}/orders").mock(side_effect=lambda request: next(replies))
            client = acct.client(f"{woo.STORE}/wp-json/", api="wc",
                                 retry=hub.RetryPolicy(base_delay=0.01, jitter=False))
            assert client is acct.client("ignored", api="wc")
            try:
                return [p async for p in plugin.fetch_orders(acct, SINCE, None)]
            finally:
                await acct.aclose()

    assert _ids(asyncio.run(go())) == [1, 2]


def test_fetch_order_returns_none_on_404(woo: Any) -> None:
    acct = woo.account()

    async def go() -> tuple[Any, Any]:
        with respx.mock:
            respx.get(f"{woo.API}/orders/77").respond(404, json={
                "code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.",
                "data": {"status": 404}})
            respx.get(f"{woo.API}/orders/78").respond(200, json=woo.order(id=78))
            try:
                return (await plugin.fetch_order(acct, "77"), await plugin.fetch_order(acct, "78"))
            finally:
                await acct.aclose()

    missing, found = asyncio.run(go())
    assert missing is None
    assert found["id"] == 78
    assert asyncio.run(plugin.fetch_order(woo.account(), "not-a-number")) is None


def test_since_is_sent_in_gmt_whatever_its_zone(woo: Any) -> None:
    local = datetime(2024, 3, 1, 9, 0, tzinfo=UTC).astimezone(timezone(timedelta(hours=-3)))
    _, requests = _scan(woo, _by_page(woo, {1: []}, total=0), since=local)
    assert requests[0].url.params["modified_after"] == "2024-03-01T08:59:59"
