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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hub import DataError, OrderPage, PageGuard, PlatformError, parse_datetime, platform_time
from hub_vtex.client import VtexClient, json_object, vtex_time

PER_PAGE = 100
MAX_PAGES = 30  # VTEX serves no page past the 30th of a query
INDEX_LAG = timedelta(minutes=5)  # orders reach the list ~4 minutes after they change
MS = timedelta(milliseconds=1)
OPEN_END = timedelta(days=1)  # a window without `until` ends a day ahead of the local clock

Details = Callable[[VtexClient, list[str]], Awaitable[list[dict[str, Any]]]]


@dataclass
class ListPage:
    """One page of summaries."""

    orders: list[dict[str, Any]]
    total: int
    pages: int
    when: datetime | None


def creation_filter(start: datetime, end: datetime) -> str:
    """``creationDate:[2024-01-01T00:00:00.000Z TO 2024-01-02T00:00:00.000Z]``."""
    return f"creationDate:[{vtex_time(start)} TO {vtex_time(end)}]"


async def list_page(client: VtexClient, start: datetime, end: datetime, number: int,
                    status: str | None = None) -> ListPage:
    """Page ``number`` of the orders created in ``[start, end]`` (optionally in one status)."""
    query: dict[str, Any] = {"f_creationDate": creation_filter(start, end),
                             "orderBy": "creationDate,asc", "page": number, "per_page": PER_PAGE}
    if status:
        query["f_status"] = status
    response = await client.oms.get("api/oms/pvt/orders", params=query)
    data = json_object(response, f"order list page {number}")
    orders = data.get("list")
    paging = data.get("paging")
    if not isinstance(orders, list) or not isinstance(paging, dict):
        raise DataError(f"{client.label}: the order list has no list/paging")
    try:
        total, pages = int(paging.get("total") or 0), int(paging.get("pages") or 0)
    except (TypeError, ValueError):
        raise DataError(f"{client.label}: the order list's paging is unreadable") from None
    return ListPage([o for o in orders if isinstance(o, dict) and o.get("orderId")], total, pages,
                    platform_time(response))


async def window(client: VtexClient, start: datetime, end: datetime, guard: PageGuard,
                 status: str | None = None) -> AsyncIterator[ListPage]:
    """Every page of one creation window, split in halves while it exceeds 30 pages."""
    guard.check((status, start, end, 1))
    first = await list_page(client, start, end, 1, status)
    if first.pages > MAX_PAGES:
        if end - start < 2 * MS:
            raise PlatformError(f"{client.label}: more than {MAX_PAGES * PER_PAGE} orders were "
                                f"created within one millisecond ({vtex_time(start)}); the "
                                "order list cannot page through them")
        middle = start + (end - start) / 2
        middle = middle.replace(microsecond=middle.microsecond // 1000 * 1000)
        async for page in window(client, start, middle, guard, status):
            yield page
        async for page in window(client, middle + MS, end, guard, status):
            yield page
        return
    yield first
    number, pages = 1, first.pages
    while number < min(pages, MAX_PAGES):
        number += 1
        guard.check((status, start, end, number))
        page = await list_page(client, start, end, number, status)
        pages = max(pages, page.pages)  # orders created meanwhile add pages at the end
        yield page


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

    Checkpoints: the last page carries ``until`` (or, without one, the scan's
    start on VTEX's clock less the list's indexing lag), capped at ``until``:
    every order created before it has been delivered. Earlier pages carry none.
    """
    guard = PageGuard(f"{client.label}: order list", max_pages=100_000)
    start = _floor_ms(since)
    end = (_floor_ms(until) if until is not None
           else _floor_ms((now or datetime.now(UTC)) + OPEN_END))
    started: datetime | None = None
    total: int | None = None
    held: list[dict[str, Any]] | None = None

    def sweeps() -> list[tuple[datetime, datetime, str | None]]:
        clock = started or now or datetime.now(UTC)
        if until is not None or lookback <= timedelta(0) or since < clock - lookback:
            return []
        return [(start - lookback, start - MS, status) for status in sweep_statuses]

    windows: list[tuple[datetime, datetime, str | None]] = [(start, end, None)]
    while windows:
        low, high, status = windows.pop(0)
        async for page in window(client, low, high, guard, status):
            if started is None:
                started = page.when or datetime.now(UTC)
                total = page.total
            fresh = guard.fresh(page.orders, key=lambda o: str(o["orderId"]))
            payloads = await details(client, [str(o["orderId"]) for o in fresh])
            if status is not None:  # a sweep: only orders that changed since `since`
                payloads = [p for p in payloads if _changed_since(p, since)]
            if held is not None:
                yield OrderPage(payloads=held, total=total)
            held = payloads
        if status is None:  # the main window is done: the sweeps come next
            windows += sweeps()
    checkpoint = (started or datetime.now(UTC)) - INDEX_LAG
    if until is not None:
        checkpoint = min(checkpoint, until)
    yield OrderPage(payloads=held or [], total=total, checkpoint=checkpoint)

