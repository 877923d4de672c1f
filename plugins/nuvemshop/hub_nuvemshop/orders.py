"""Reading orders: the updated-since scan, the sweeps for cancelled and refunded, one order.

The scan is ``GET /orders?updated_at_min=..&per_page=200`` along the ``Link``
header's ``rel="next"`` URLs (:class:`hub.LinkHeader`), then the same window
read again with ``status=cancelled`` and with ``payment_status=refunded``: the
default listing may leave cancelled orders out, and those are exactly what an
already imported order must learn. The listing's order is not documented, so
the scan is :attr:`hub.SortedBy.STABLE`: no page vouches for a checkpoint, the
last (empty) page checkpoints at the first response's ``Date``, and the window
is read a second time when fewer orders were seen than ``X-Total-Count`` said.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub import LinkHeader, ListingPage, OrderPage, PageGuard, SortedBy, json_object, paginate, scan_orders
from hub_nuvemshop.client import StoreClient

SECOND = timedelta(seconds=1)

#: the filters read after the main listing, each over the same window
SWEEPS: tuple[dict[str, str], ...] = ({"status": "cancelled"}, {"payment_status": "refunded"})


def iso(value: datetime) -> str:
    """An aware datetime as the ISO 8601 the API takes (UTC, to the second)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


async def scan(client: StoreClient, since: datetime, until: datetime | None
               ) -> AsyncIterator[OrderPage]:
    """Every order updated after ``since`` (and before ``until``), each exactly once."""
    window: dict[str, Any] = {"updated_at_min": iso(since - SECOND)}
    if until is not None:
        window["updated_at_max"] = iso(until + SECOND)

    def listing(params: dict[str, Any], guard: PageGuard, scope: Any
                ) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        async def fetch(url: str | None) -> httpx.Response:
            return await client.fetch_page("orders", params, url)
        return paginate(fetch, client.listing_page, LinkHeader(), guard=guard, scope=scope)

    async def read(guard: PageGuard, sweep: int) -> AsyncIterator[ListingPage[dict[str, Any]]]:
        async for page in listing(window, guard, (sweep, "all")):
            yield page
        for extra in SWEEPS:
            async for page in listing({**window, **extra}, guard, (sweep, *extra.items())):
                yield page

    async for page in scan_orders(read, since=since, until=until, sorted_by=SortedBy.STABLE,
                                  name=f"{client.account.label}: orders"):
        yield page


async def fetch_one(client: StoreClient, order_id: str) -> dict[str, Any] | None:
    """``GET /orders/{id}``; None when the store has no such order (404)."""
    if not order_id.isdigit():
        return None
    response = await client.get(f"orders/{order_id}", expect={404})
    if response.status_code == 404:
        return None
    return json_object(response, f"order {order_id}")
