"""Reading orders: the modified-since scan and the single-order fetch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from hub import OrderPage, PageNumbers, SortedBy, paged_listing, scan_orders
from hub_woocommerce.client import Page, WooClient, json_object, wc_datetime

SECOND = timedelta(seconds=1)


async def scan(client: WooClient, since: datetime, until: datetime | None
               ) -> AsyncIterator[OrderPage]:
    """Every order modified after ``since`` (and before ``until``), each exactly once.

    The listing is ``GET /orders?modified_after=..&dates_are_gmt=true&orderby=id&order=asc``,
    its pages read ``concurrency`` at a time (:class:`hub.PageNumbers`):
    sorting by id keeps every order's position while orders are *modified*
    between pages (sorting by date or modified time moves an edited order
    behind the cursor, or repeats it). New orders get higher ids and land on
    later pages. Deletions shift records back by one, so a record can be
    skipped: when fewer distinct orders were seen than the first page's
    ``X-WP-Total``, the listing is read once more and only unseen orders are
    yielded; :func:`hub.scan_orders` (``SortedBy.STABLE``) drops repeats, raises on a
    page served twice, reads the second time and sets the checkpoint.

    Checkpoints: every page but the last carries none. An order modified
    during the scan may sit on a page already read, so no "modified before"
    point is safe until the scan ends; the only safe point then is the moment
    the scan started, on the platform's clock (the first response's ``Date``
    header): everything modified before it was in the listing. Without a
    ``Date`` header the checkpoint is ``since`` (never the local clock, which
    may run ahead of the store's). With ``until``, the checkpoint is at most ``until``.
    """
    # The API's bounds are exclusive and to the second: widen both by a second so an
    # order modified exactly at ``since`` (or at a slice's ``until``) is not lost.
    params: dict[str, Any] = {"modified_after": wc_datetime(since - SECOND),
                              "dates_are_gmt": "true", "orderby": "id", "order": "asc"}
    if until is not None:
        params["modified_before"] = wc_datetime(until + SECOND)

    async def fetch(number: int) -> Page:
        return await client.page("orders", params, number)

    ahead = client.account.core.concurrency
    read = paged_listing(fetch, client.listing_page, lambda: PageNumbers(ahead=ahead))
    async for page in scan_orders(read, since=since, until=until, sorted_by=SortedBy.STABLE,
                                  name=f"{client.account.label}: orders"):
        yield page


async def fetch_one(client: WooClient, order_id: str) -> dict[str, Any] | None:
    """``GET /orders/{id}``; None when the store no longer has it (404)."""
    if not order_id.isdigit():
        return None
    response = await client.get(f"orders/{order_id}", expect={404})
    if response.status_code == 404:
        return None
    return json_object(response, f"order {order_id}")
