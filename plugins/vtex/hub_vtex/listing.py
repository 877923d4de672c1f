"""The order list: ``GET /api/oms/pvt/orders`` by creation date, for backfills and as a fallback.

The list only returns summaries (the orders are fetched one by one), is
indexed a few minutes late, and pages at most 30 pages deep. So a window
``f_creationDate=creationDate:[FROM TO TO]`` is read with
``orderBy=creationDate,asc`` and ``per_page=100``; when its first page says it
has more than 30 pages, it is split in two halves (to the millisecond) and each
half is read the same way. Sorting by creation date keeps each order in place
while others change status between pages, and orders created during the scan
land on the last pages.

The list filters on creation, not on change. An incremental run (no ``until``
and a ``since`` within ``list_lookback_days``) therefore also sweeps the
lookback period for orders in an eligible status, created before ``since``:
the ones whose payment or cancellation window ended after the last run (of
those, only orders whose ``lastChange`` is at or after ``since`` are yielded).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub import (
    DataError,
    ListingPage,
    OrderPage,
    PageGuard,
    PageNumbers,
    PlatformError,
    SortedBy,
    halve,
    parse_datetime,
    platform_time,
    scan_orders,
    split_windows,
)
from hub_vtex.client import VtexClient, json_object, vtex_time

PER_PAGE = 100
MAX_PAGES = 30  # VTEX serves no page past the 30th of a query
INDEX_LAG = timedelta(minutes=5)  # orders reach the list ~4 minutes after they change
MS = timedelta(milliseconds=1)
OPEN_END = timedelta(days=1)  # a window without `until` ends a day ahead of the local clock

Details = Callable[[VtexClient, list[str]], Awaitable[list[dict[str, Any]]]]
Window = tuple[datetime, datetime, str | None]  # created from, created to (inclusive), status
Summary = dict[str, Any]


def creation_filter(start: datetime, end: datetime) -> str:
    """``creationDate:[2024-01-01T00:00:00.000Z TO 2024-01-02T00:00:00.000Z]``."""
    return f"creationDate:[{vtex_time(start)} TO {vtex_time(end)}]"


async def list_response(client: VtexClient, window: Window, number: int) -> httpx.Response:
    """Page ``number`` of the orders created in the window (optionally in one status)."""
    start, end, status = window
    query: dict[str, Any] = {"f_creationDate": creation_filter(start, end),
                             "orderBy": "creationDate,asc", "page": number, "per_page": PER_PAGE}
    if status:
        query["f_status"] = status
    return await client.oms.get("api/oms/pvt/orders", params=query)


def parse_list(client: VtexClient, response: httpx.Response) -> ListingPage[Summary]:
    """A page of summaries; ``total_pages`` capped at the 30 VTEX serves (``total`` is not)."""
    data = json_object(response, "order list page")
    orders = data.get("list")
    paging = data.get("paging")
    if not isinstance(orders, list) or not isinstance(paging, dict):
        raise DataError(f"{client.label}: the order list has no list/paging")
    try:
        total, pages = int(paging.get("total") or 0), int(paging.get("pages") or 0)
    except (TypeError, ValueError):
        raise DataError(f"{client.label}: the order list's paging is unreadable") from None
    return ListingPage([o for o in orders if isinstance(o, dict) and o.get("orderId")],
                       total=total, total_pages=min(pages, MAX_PAGES),
                       when=platform_time(response) or datetime.now(UTC))


async def list_page(client: VtexClient, start: datetime, end: datetime, number: int,
                    status: str | None = None) -> ListingPage[Summary]:
    """Page ``number`` of the orders created in ``[start, end]`` (optionally in one status)."""
    return parse_list(client, await list_response(client, (start, end, status), number))


def _too_big(page: ListingPage[Summary]) -> bool:
    return (page.total or 0) > MAX_PAGES * PER_PAGE


def _order_id(summary: Summary) -> str:
    return str(summary["orderId"])


def window_pages(client: VtexClient, window: Window, guard: PageGuard, scope: Any = None
                 ) -> AsyncIterator[ListingPage[Summary]]:
    """Every page of one creation window, split in halves while it exceeds 30 pages."""

    async def fetch(part: Window, number: int) -> httpx.Response:
        return await list_response(client, part, number)

    def split(part: Window) -> tuple[Window, Window]:
        start, end, status = part
        halves = halve((start, end), MS)
        if halves is None:
            raise PlatformError(f"{client.label}: more than {MAX_PAGES * PER_PAGE} orders were "
                                f"created within one millisecond ({vtex_time(start)}); the "
                                "order list cannot page through them")
        (low, middle), (after, high) = halves
        return (low, middle, status), (after, high, status)

    return split_windows(fetch, lambda r: parse_list(client, r), lambda: PageNumbers(),
                         window, too_big=_too_big, split=split, guard=guard, key=_order_id,
                         scope=scope)


def _changed_since(payload: dict[str, Any], since: datetime) -> bool:
    try:
        return parse_datetime(payload.get("lastChange"), field="lastChange") >= since
    except DataError:
        return True  # let the core quarantine it with the reason


def _floor_ms(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


async def scan(client: VtexClient, since: datetime, until: datetime | None, details: Details,
               *, sweep_statuses: list[str], lookback: timedelta, now: datetime | None = None
               ) -> AsyncIterator[OrderPage]:
    """Every order created in ``[since, until]`` (details fetched), each once per scan.

    ``now`` is VTEX's clock when the caller knows it; without ``until`` the
    window ends a day after it (or after the local clock). Whether the run is
    incremental (and sweeps the lookback) is judged on VTEX's clock too: the
    ``Date`` of the first list answer.

    The core's scan driver (:func:`hub.scan_orders`, ``SortedBy.STABLE``)
    checkpoints on a last, empty page at the scan's start on VTEX's clock less
    the list's indexing lag, capped at ``until``: every order created before it
    has been delivered. Earlier pages carry none.
    """
    start = _floor_ms(since)
    end = (_floor_ms(until) if until is not None
           else _floor_ms((now or datetime.now(UTC)) + OPEN_END))
    started: list[datetime] = []  # VTEX's clock at the first list answer
    swept: set[str] = set()  # orders found by a status sweep (kept only if changed since `since`)

    def sweeps() -> list[Window]:
        clock = started[0] if started else (now or datetime.now(UTC))
        if until is not None or lookback <= timedelta(0) or since < clock - lookback:
            return []
        return [(start - lookback, start - MS, status) for status in sweep_statuses]

    async def read(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[Summary]]:
        async for page in window_pages(client, (start, end, None), guard, scope=sweep):
            if not started and page.when is not None:
                started.append(page.when)
            yield page
        for window in sweeps():  # the main window is done: the sweeps come next
            async for page in window_pages(client, window, guard, scope=sweep):
                swept.update(_order_id(o) for o in page.fresh)
                yield page

    async def payloads(summaries: list[Summary]) -> list[dict[str, Any]]:
        found = await details(client, [_order_id(o) for o in summaries])
        return [p for p in found
                if str(p.get("orderId")) not in swept or _changed_since(p, since)]

    async for page in scan_orders(read, since=since, until=until, sorted_by=SortedBy.STABLE,
                                  name=f"{client.label}: order list", payloads=payloads,
                                  lag=INDEX_LAG):
        yield page
