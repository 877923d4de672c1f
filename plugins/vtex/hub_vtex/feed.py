"""Feed v3: the queue of order status events, read and committed in step with the core.

The feed is configured (``POST /api/orders/feed/config``) as ``FromWorkflow``
for the statuses the hub watches. Events are read with ``GET
/api/orders/feed?maxlot=10`` (several lots at once, so round trips do not bound
the import), each order is fetched once per page, and the page is yielded.

Commit protocol: the core commits every :class:`hub.OrderPage` before it asks
for the next one. So a page's handles are committed (``POST /api/orders/feed``)
only when the generator is resumed for the next page, or resumed after the last
page: that is, only after the hub has committed the orders. A page the core
never committed (a crash, a database error, an interrupted run) leaves its
handles uncommitted; VTEX makes those events visible again after the
visibility timeout and the next import reads them again (the core dedupes).
Events that VTEX delivers twice are harmless for the same reason.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from hub import DataError, ListingPage, OrderPage, PageGuard, Scroll, gather, paginate, platform_time
from hub_vtex.client import VtexClient, json_list, json_object
from hub_vtex.mapping import object_of

log = logging.getLogger("hub.vtex.feed")

MAX_LOT = 10  # VTEX's maximum for one GET /api/orders/feed
LOTS_PER_PAGE = 10  # lots read at once; a page holds up to 100 events
VISIBILITY_TIMEOUT = 300  # seconds an event stays hidden after it is read
RETENTION = 345_600  # 4 days: VTEX's minimum retention (its maximum is 1,209,600)
MAX_PAGES = 100_000

Details = Callable[[VtexClient, list[str]], Awaitable[list[dict[str, Any]]]]
Settle = Callable[[], Awaitable[None]]


def config_body(statuses: list[str]) -> dict[str, Any]:
    """The feed configuration the hub uses (queue keys spelled as the OpenAPI document does)."""
    return {"filter": {"type": "FromWorkflow", "status": list(statuses)},
            "queue": {"visibilityTimeoutInSeconds": VISIBILITY_TIMEOUT,
                      "MessageRetentionPeriodInSeconds": RETENTION}}


def _matches(config: dict[str, Any], statuses: list[str]) -> bool:
    current = object_of(config.get("filter"))
    return (current.get("type") == "FromWorkflow"
            and sorted(current.get("status") or []) == sorted(statuses))


async def ensure(client: VtexClient, statuses: list[str]) -> tuple[bool, datetime | None]:
    """Make sure the feed is configured for ``statuses``.

    :return: whether it already was (its queue holds every event since it was
        set up; False when it had to be created or changed just now, so events
        from before this moment are not in it), and VTEX's clock (``Date``).
    """
    response = await client.oms.get("api/orders/feed/config", expect={404})
    when = platform_time(response)
    if response.status_code == 200 and response.content.strip():
        current = json_object(response, "feed configuration")
        if _matches(current, statuses):
            return True, when
    await client.send_json(client.oms, "POST", "api/orders/feed/config", config_body(statuses))
    log.info("%s: order feed configured for %s", client.label, ", ".join(statuses))
    return False, when


async def _lot(client: VtexClient) -> tuple[list[dict[str, Any]], httpx.Response]:
    response = await client.oms.get("api/orders/feed", params={"maxlot": str(MAX_LOT)})
    events = [e for e in json_list(response, "order feed") if isinstance(e, dict)]
    for event in events:
        if not event.get("handle") or not event.get("orderId"):
            raise DataError(f"{client.label}: a feed event has no handle or orderId")
    return events, response


async def read_round(client: VtexClient, lots: int = LOTS_PER_PAGE
                     ) -> tuple[list[dict[str, Any]], httpx.Response]:
    """Read ``lots`` lots concurrently; return the events and one response (for its clock)."""
    results = await gather([_lot(client) for _ in range(lots)])
    return [event for found, _ in results for event in found], results[0][1]


async def commit(client: VtexClient, handles: list[str]) -> None:
    """``POST /api/orders/feed {"handles": [...]}``, a lot at a time (concurrently)."""
    if not handles:
        return
    chunks = [handles[i:i + MAX_LOT] for i in range(0, len(handles), MAX_LOT)]
    # Committing the same handles again is harmless, so the POST may be retried on 5xx.
    await gather([client.send_json(client.oms, "POST", "api/orders/feed", {"handles": chunk},
                                   idempotent=True) for chunk in chunks])


async def drain(client: VtexClient, until: datetime | None, details: Details,
                settle: Settle) -> AsyncIterator[OrderPage]:
    """Every event in the feed, a page per round, handles committed after the core's commit.

    Rounds are read with :func:`hub.paginate` and a :class:`hub.Scroll` (a
    queue has no page token; a round's events served again would be a loop).
    The scan ends with the first round that is not full: the feed was empty as
    far as VTEX let us see. Only that last page carries a checkpoint: the
    moment the scan started on VTEX's clock (``Date``), capped at ``until``;
    every status change before it was in the feed.

    :param details: fetches the orders of a page (concurrently).
    :param settle: awaited after each page is committed, before its handles
        (finishes work the core's ``order_imported`` event started).
    """
    guard = PageGuard(f"{client.label}: order feed", max_pages=MAX_PAGES)
    full = MAX_LOT * LOTS_PER_PAGE
    started: datetime | None = None

    async def fetch(_: Any) -> tuple[list[dict[str, Any]], httpx.Response]:
        return await read_round(client)

    def parse(found: tuple[list[dict[str, Any]], httpx.Response]) -> ListingPage[dict[str, Any]]:
        events, response = found  # a full round: the queue may hold more (read it like a scroll)
        return ListingPage(events, next="more" if len(events) >= full else None,
                           when=platform_time(response) or datetime.now(UTC))

    rounds = paginate(fetch, parse, Scroll(), guard=guard, key=lambda e: str(e["handle"]))
    async with contextlib.aclosing(rounds) as pages:
        async for page in pages:
            started = started or page.when or datetime.now(UTC)
            events = page.items
            order_ids = list(dict.fromkeys(str(e["orderId"]) for e in events))
            payloads = await details(client, order_ids)
            final = page.next is None
            checkpoint = (min(started, until) if until else started) if final else None
            yield OrderPage(payloads=payloads, checkpoint=checkpoint)
            # Resumed: the core has committed this page's orders. Only now are the events spent.
            await settle()
            await commit(client, [str(e["handle"]) for e in events])
