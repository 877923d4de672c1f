"""Reading orders: the cursor-paged scan, the single-order fetch, and the choice of bulk.

``fetch_orders`` pages the ``orders`` connection sorted by ``UPDATED_AT``
(ascending) with the search ``updated_at:>='since'`` (and ``updated_at:<'until'``
for a backfill slice). Shopify's cursors are keyset cursors: an order modified
while the scan runs moves behind the cursor and is listed again on a later
page, with its new ``updatedAt``; nothing is skipped. Each page's checkpoint is
its last order's ``updatedAt``: every order modified before it has been
delivered. A record repeated with the same ``updatedAt`` is dropped, a newer
version of it is kept (:func:`hub.scan_orders`, ``SortedBy.MODIFIED``).

Page size: the largest ``first`` keeping the query's requested cost within the
1,000-point single-query maximum, with ``LINES_PER_ORDER`` nested line items
counted per order (:func:`hub_shopify.cost.largest_first`). An order with more
lines gets its remaining lines by extra queries, a few orders at a time.

A fetch reaching further back than ``bulk_threshold_days`` runs as a bulk
operation (:mod:`hub_shopify.bulk`) and falls back to paging if Shopify cannot
complete it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from hub import (
    Cursors,
    DataError,
    ListingPage,
    OrderPage,
    SortedBy,
    paged_listing,
    parse_datetime,
    scan_orders,
)
from hub_shopify import nested, queries
from hub_shopify.client import Path, Result, ShopifyClient
from hub_shopify.cost import largest_first
from hub_shopify.ids import gid
from hub_shopify.info import BULK_THRESHOLD_DAYS, MAX_QUERY_COST
from hub_shopify.views import EXTRA

log = logging.getLogger("hub.shopify.orders")
LINES_PER_ORDER = 10
CONCURRENT_LINE_FETCHES = 4


def search_time(value: datetime, *, up: bool = False) -> str:
    """A UTC timestamp for Shopify's search syntax, rounded outward to the second."""
    value = value.astimezone(UTC)
    if value.microsecond and up:
        value = value.replace(microsecond=0) + timedelta(seconds=1)
    return value.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def search(since: datetime, until: datetime | None) -> str:
    """The ``orders(query:)`` filter for ``since <= updated_at < until``."""
    text = f"updated_at:>='{search_time(since)}'"
    if until is not None:
        text += f" updated_at:<'{search_time(until, up=True)}'"
    return text


def mark_denied(nodes: list[dict[str, Any]], denied: Iterable[Path], root: tuple[str, ...]
                ) -> None:
    """Flag the nodes whose customer fields the shop withheld (``_hub.customer_redacted``)."""
    depth = len(root)
    for path in denied:
        if tuple(path[:depth]) != root:
            continue
        if depth == 1:  # a single order: order.customer...
            index = 0
        elif len(path) > depth and isinstance(path[depth], int):
            index = cast(int, path[depth])  # checked just above
        else:
            continue
        if 0 <= index < len(nodes):
            nodes[index].setdefault(EXTRA, {})["customer_redacted"] = True


async def complete_lines(client: ShopifyClient, nodes: list[dict[str, Any]]) -> None:
    """Fetch the line items beyond the first page of every order that has more."""
    pending = [n for n in nodes if nested.has_more(n, "lineItems")]
    if not pending:
        return
    size = largest_first(queries.ORDER_LINES, {}, limit=MAX_QUERY_COST)
    gate = asyncio.Semaphore(CONCURRENT_LINE_FETCHES)

    async def rest_of(node: dict[str, Any]) -> None:
        async with gate:
            await nested.complete(
                client, queries.ORDER_LINES, node, root="order", field="lineItems", size=size,
                what=f"lines of order {node.get('name')}",
                vanished=f"order {node.get('name')} vanished while reading its lines")

    await asyncio.gather(*(rest_of(node) for node in pending))


def _bulk_wanted(client: ShopifyClient, since: datetime) -> bool:
    days = client.account.setting_int("bulk_threshold_days", BULK_THRESHOLD_DAYS)
    return days >= 0 and since < datetime.now(UTC) - timedelta(days=days)


async def scan(client: ShopifyClient, since: datetime, until: datetime | None
               ) -> AsyncIterator[OrderPage]:
    """Every order modified at or after ``since`` (and before ``until``), page by page."""
    if _bulk_wanted(client, since):
        from hub_shopify import bulk

        try:
            async for page in bulk.scan(client, since, until):
                yield page
            return
        except bulk.BulkUnavailable as exc:
            log.warning("%s: bulk export unavailable (%s); paging instead",
                        client.account.label, exc)
    async for page in paged(client, since, until):
        yield page


async def paged(client: ShopifyClient, since: datetime, until: datetime | None
                ) -> AsyncIterator[OrderPage]:
    """The cursor-paged scan (see the module docstring)."""
    query = search(since, until)
    first = largest_first(queries.ORDERS, {"lines": LINES_PER_ORDER}, limit=MAX_QUERY_COST)

    async def fetch(after: str | None) -> Result:
        return await client.graphql(queries.ORDERS, {"first": first, "after": after,
                                                     "query": query, "lines": LINES_PER_ORDER},
                                    idempotent=True, what="orders")

    async def parse(result: Result) -> ListingPage[dict[str, Any]]:
        connection = result.data.get("orders")
        if not isinstance(connection, dict) or not isinstance(connection.get("nodes"), list):
            raise DataError(f"{client.account.label}: the orders answer has no nodes")
        nodes: list[dict[str, Any]] = [n for n in connection["nodes"] if isinstance(n, dict)]
        mark_denied(nodes, result.denied, ("orders", "nodes"))
        await complete_lines(client, nodes)
        info = connection.get("pageInfo") or {}
        return ListingPage(nodes, next=info.get("endCursor")
                           if info.get("hasNextPage") and nodes else None)

    read = paged_listing(fetch, parse, Cursors,
                         key=lambda n: (n.get("id"), n.get("updatedAt")))
    async for page in scan_orders(read, since=since, until=until, sorted_by=SortedBy.MODIFIED,
                                  name=f"{client.account.label}: orders",
                                  modified=lambda n: parse_datetime(n.get("updatedAt"),
                                                                    field="updatedAt")):
        yield page


async def fetch_one(client: ShopifyClient, order_id: str) -> dict[str, Any] | None:
    """One order by numeric id or gid, with every line; None when Shopify has no such order."""
    lines = largest_first(queries.ORDER, {}, "lines", limit=MAX_QUERY_COST)
    result = await client.graphql(queries.ORDER, {"id": gid("Order", order_id), "lines": lines},
                                  what=f"order {order_id}")
    node = result.data.get("order")
    if not isinstance(node, dict):
        return None
    mark_denied([node], result.denied, ("order",))
    await complete_lines(client, [node])
    return node
