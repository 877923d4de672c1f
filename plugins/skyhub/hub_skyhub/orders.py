"""Reading orders: the order queue, the order list for backfills, one order by code.

``order_source``:

* ``queue``: ``GET /queues/orders`` answers one order at a time (the next one whose creation or
  update SkyHub queued), or nothing when the queue is empty; ``DELETE /queues/orders/{code}``
  acknowledges it. An order read and not acknowledged within 5 minutes is queued again.
* ``list``: ``GET /orders`` by creation date (``filters[start_date]``/``filters[end_date]``,
  whole days ``DD/MM/YYYY``), in the eligible statuses (``filters[statuses][]``), 100 a page
  (``page``, ``per_page``; the body's ``total`` says how many). SkyHub asks integrations not to
  consume orders this way, so it serves backfills only.
* ``auto`` (default): the list when the run has an ``until`` (a backfill slice) or starts more
  than 6 hours back, or in the future; the queue otherwise.

Commit protocol (queue): the core commits every :class:`hub.OrderPage` before it resumes this
generator. So a page's orders are acknowledged only when the generator is resumed, that is,
after the hub has committed them; a page the core never committed (a crash, a killed process, a
database error) is acknowledged never, and SkyHub hands its orders out again after 5 minutes
(the core dedupes). Acknowledgements run while the next page is read (their own limiter), and
are awaited before the next page is yielded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

from hub import (
    ListingPage,
    OrderPage,
    PageGuard,
    PageNumbers,
    Scroll,
    SortedBy,
    bounded,
    json_body,
    json_object,
    paged_listing,
    paginate,
    parse_datetime,
    platform_time,
    scan_orders,
)
from hub_skyhub.client import SkyhubClient, segment
from hub_skyhub.info import ELIGIBLE_STATUSES
from hub_skyhub.mapping import code_of, object_of

log = logging.getLogger("hub.skyhub.orders")

QUEUE_MAX_GAP = timedelta(hours=6)
PER_PAGE = 100  # SkyHub's maximum for GET /orders
BRT = timezone(timedelta(hours=-3), "BRT")  # SkyHub's day filters are Brazilian dates
QUEUE_BATCH = 9  # queue reads per page at most (a second of the 9/s limit)
QUEUE_CONCURRENCY = 3  # reads in flight: enough to hide the latency at 9 a second
ACK_CONCURRENCY = 9
MAX_PAGES = 100_000


async def fetch_one(client: SkyhubClient, code: str) -> dict[str, Any] | None:
    """``GET /orders/{code}``; None when SkyHub has no such order (404)."""
    if not code or "/" in code:
        return None
    response = await client.api("skyhub-order-get").get(f"orders/{segment(code)}", expect={404})
    if response.status_code == 404:
        return None
    return json_object(response, f"{client.label}: order {code}")


def choose_source(client: SkyhubClient, since: datetime, until: datetime | None) -> str:
    """``queue`` or ``list`` for this run (module docstring). The hub's clock decides: a few
    minutes of skew cannot turn a 6-hour gap into a recent one."""
    mode = client.account.setting("order_source", "auto") or "auto"
    if mode in ("queue", "list"):
        return mode
    now = datetime.now(UTC)
    recent = until is None and now - QUEUE_MAX_GAP <= since <= now + timedelta(minutes=5)
    return "queue" if recent else "list"


async def scan(client: SkyhubClient, since: datetime, until: datetime | None
               ) -> AsyncIterator[OrderPage]:
    """Every order the chosen source reports."""
    source = choose_source(client, since, until)
    log.debug("%s: reading orders from the %s", client.label, source)
    pages = drain(client, until) if source == "queue" else backfill(client, since, until)
    async with contextlib.aclosing(pages) as found:
        async for page in found:
            yield page


# --- the queue -------------------------------------------------------------------------------
async def _next(client: SkyhubClient) -> tuple[dict[str, Any] | None, httpx.Response]:
    """``GET /queues/orders``: the next order, or None when the queue is empty: a 204 or 404, or
    a success whose body is empty or decodes empty (``null``, ``[]``, ``{}``), as BitTools'
    Magento 2 module for SkyHub reads it ("No order found in the queue")."""
    response = await client.queue_get.get("queues/orders", expect={404})
    if response.status_code in (204, 404) or not response.content.strip():
        return None, response
    what = f"{client.label}: order queue"
    if json_body(response, what) in (None, [], {}, ""):
        return None, response
    return json_object(response, what), response


async def read_batch(client: SkyhubClient, size: int
                     ) -> list[tuple[dict[str, Any] | None, httpx.Response]]:
    """Up to ``size`` queue reads, :data:`QUEUE_CONCURRENCY` in flight, no new one sent once a
    read found the queue empty (so the end of the queue costs at most that many reads)."""
    found: list[tuple[dict[str, Any] | None, httpx.Response]] = []
    running: set[asyncio.Task[tuple[dict[str, Any] | None, httpx.Response]]] = set()
    launched, empty = 0, False
    try:
        while running or (launched < size and not empty):
            while launched < size and not empty and len(running) < QUEUE_CONCURRENCY:
                running.add(asyncio.ensure_future(_next(client)))
                launched += 1
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                answer = task.result()
                found.append(answer)
                empty = empty or answer[0] is None
    finally:
        for task in running:
            task.cancel()
    return found


async def acknowledge(client: SkyhubClient, codes: list[str]) -> None:
    """``DELETE /queues/orders/{code}`` for each (an order already gone, 404, is fine)."""
    await bounded(ACK_CONCURRENCY, (client.queue_delete.delete(
        f"queues/orders/{segment(code)}", expect={404}) for code in dict.fromkeys(codes)))


async def drain(client: SkyhubClient, until: datetime | None) -> AsyncGenerator[OrderPage, None]:
    """The queue until it answers empty, a page per batch of reads, acknowledged after the
    core's commit (module docstring). Batches grow 1, 2, 4... up to :data:`QUEUE_BATCH` reads,
    so a nearly empty queue costs few requests. Only the last page carries a checkpoint: the
    moment the scan started on SkyHub's clock (``Date``), capped at ``until``: every change
    before it was in the queue."""
    guard = PageGuard(f"{client.label}: order queue", max_pages=MAX_PAGES)
    size = 1
    started: datetime | None = None
    acks: asyncio.Task[None] | None = None

    async def fetch(_: Any) -> list[tuple[dict[str, Any] | None, httpx.Response]]:
        return await read_batch(client, size)

    def parse(found: list[tuple[dict[str, Any] | None, httpx.Response]]
              ) -> ListingPage[dict[str, Any]]:
        orders = [order for order, _ in found if order is not None]
        empty = len(orders) < len(found)  # some read found the queue empty
        when = platform_time(found[0][1]) or datetime.now(UTC)
        return ListingPage(orders, next=None if empty else "more", when=when)

    def identity(order: dict[str, Any]) -> tuple[str, str, str]:
        status = order.get("status")
        return (code_of(order), str(object_of(status).get("code") if isinstance(status, dict)
                                    else status), str(order.get("updated_at")))

    reads = paginate(fetch, parse, Scroll(), guard=guard, key=identity)
    try:
        async with contextlib.aclosing(reads) as batches:
            async for page in batches:
                started = started or page.when
                if acks is not None:
                    await acks  # the previous page's acknowledgements, sent while this one read
                    acks = None
                final = page.next is None
                checkpoint = None
                if final:
                    checkpoint = min(started, until) if until and started else started
                yield OrderPage(payloads=page.fresh, checkpoint=checkpoint)
                # Resumed: the core has committed this page. Only now are its orders acknowledged.
                codes = [code_of(order) for order in page.items]
                acks = asyncio.ensure_future(acknowledge(client, codes))
                size = min(QUEUE_BATCH, size * 2)
        if acks is not None:
            await acks
            acks = None
    finally:
        if acks is not None and not acks.done():
            acks.cancel()


# --- the order list (backfills) ------------------------------------------------------------
def _day(value: datetime) -> str:
    return value.astimezone(BRT).strftime("%d/%m/%Y")


async def backfill(client: SkyhubClient, since: datetime, until: datetime | None
                   ) -> AsyncGenerator[OrderPage, None]:
    """Orders created in ``[since, until)`` in the eligible statuses, through ``GET /orders``.

    The day filters are whole Brazilian days, so the records are cut to the window here by
    ``placed_at``. SkyHub does not document the list's order: it is read as a stable listing
    (:attr:`hub.SortedBy.STABLE`), read again when fewer distinct orders came than its total.
    """
    statuses = client.account.setting_list("eligible_statuses", ELIGIBLE_STATUSES)
    params: list[tuple[str, str]] = [("per_page", str(PER_PAGE)),
                                     ("filters[start_date]", _day(since))]
    if until is not None:
        params.append(("filters[end_date]", _day(until)))
    params += [("filters[statuses][]", status) for status in statuses]
    orders_list = client.api("skyhub-orders-list")

    async def fetch(page: int) -> httpx.Response:
        return await orders_list.get("orders", params=[*params, ("page", str(page))])

    def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
        body = json_object(response, f"{client.label}: order list")
        orders = [o for o in body.get("orders") or [] if isinstance(o, dict)]
        total = body.get("total")
        total = int(total) if isinstance(total, int | float | str) and str(total).isdigit() else None
        return ListingPage(orders, total=total,
                           total_pages=math.ceil(total / PER_PAGE) if total is not None else None,
                           when=platform_time(response))

    def in_window(order: dict[str, Any]) -> bool:
        try:
            placed = parse_datetime(order.get("placed_at"), field="placed_at")
        except Exception:  # a broken record: the core quarantines it when parsing
            return True
        return placed >= since and (until is None or placed < until)

    async def payloads(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [order for order in records if in_window(order)]

    read = paged_listing(fetch, parse, lambda: PageNumbers(size=PER_PAGE, ahead=2),
                         key=lambda order: str(order.get("code")))
    async for page in scan_orders(read, since=since, until=until, sorted_by=SortedBy.STABLE,
                                  name=f"{client.label}: orders", payloads=payloads):
        yield page
