"""Reading orders: which source an import uses, and fetching order details concurrently.

``order_source``:

* ``feed``: Feed v3 only (configured first if needed). It holds status changes
  since it was set up, so a feed-only account imports no history.
* ``list``: the order list by creation date (:mod:`hub_vtex.listing`); the feed
  is never touched (for app keys without the Feed role).
* ``auto`` (default): the list when the run has an ``until`` (a backfill slice),
  starts more than 6 hours back (first backfill, ``--full`` re-import, a long
  outage), or finds the feed missing or configured for other statuses (VTEX
  drops a feed that had no event for its retention period); the feed otherwise.
  Every auto run makes sure the feed is configured, so the run after the first
  backfill already reads it; that backfill's cursor (its start less the list's
  indexing lag, less the core's overlap) lies before the feed's creation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hub import AuthError, OrderPage, bounded
from hub_vtex import feed, handling, listing
from hub_vtex.client import VtexClient
from hub_vtex.info import ELIGIBLE_STATUSES, watched_statuses

log = logging.getLogger("hub.vtex.orders")

FEED_MAX_GAP = timedelta(hours=6)
DETAIL_CONCURRENCY = 24  # in flight; the 100/s limiter is what bounds the rate


async def details(client: VtexClient, order_ids: list[str]) -> list[dict[str, Any]]:
    """The full orders for ``order_ids`` (concurrently), leaving out those VTEX no longer has."""
    found = await bounded(DETAIL_CONCURRENCY, (client.order(i) for i in dict.fromkeys(order_ids)))
    return [order for order in found if order is not None]


async def choose_source(client: VtexClient, since: datetime, until: datetime | None
                        ) -> tuple[str, datetime | None]:
    """``feed`` or ``list`` for this run, by the account's ``order_source`` (module docstring),
    and VTEX's clock when it was asked (None when it was not)."""
    mode = client.account.setting("order_source", "auto") or "auto"
    statuses = watched_statuses(client.account)
    if mode == "list":
        return "list", None
    if mode == "feed":
        return "feed", (await feed.ensure(client, statuses))[1]
    try:
        ready, now = await feed.ensure(client, statuses)
    except AuthError as exc:  # the key lacks the Feed v3 role: the list still works
        log.warning("%s: order feed unavailable (%s); reading the order list", client.label, exc)
        return "list", None
    # VTEX's clock, not ours: a skewed local clock must not turn a backfill into a feed read.
    recent = until is None and since >= (now or datetime.now(UTC)) - FEED_MAX_GAP
    return ("feed" if ready and recent else "list"), now


async def scan(client: VtexClient, since: datetime, until: datetime | None
               ) -> AsyncIterator[OrderPage]:
    """Every order the chosen source reports (see the module docstring)."""
    source, now = await choose_source(client, since, until)
    log.debug("%s: reading orders from the %s", client.label, source)

    async def settle() -> None:
        await handling.settle(client)

    if source == "feed":
        async for page in feed.drain(client, until, details, settle):
            yield page
        return
    lookback = timedelta(days=client.account.setting_int("list_lookback_days", 7))
    sweep = client.account.setting_list("eligible_statuses", ELIGIBLE_STATUSES)
    async for page in listing.scan(client, since, until, details, sweep_statuses=sweep,
                                   lookback=lookback, now=now):
        yield page
        await settle()


async def fetch_one(client: VtexClient, order_id: str) -> dict[str, Any] | None:
    """One order by id (webhook re-fetch), or None when VTEX no longer has it."""
    if not order_id or "/" in order_id:
        return None
    return await client.order(order_id)
