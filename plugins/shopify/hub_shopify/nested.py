"""The rest of a nested connection (an order's line items, a product's variants).

A query asks for the first page of a nested connection with its parent; a
parent with more gets the remaining pages here, by cursor, through the core's
:func:`hub.paginate` (so a repeated cursor or page raises
:class:`hub.PaginationLoop`), and its connection is completed in place.
"""

from __future__ import annotations

from typing import Any

from hub import Cursors, DataError, ListingPage, PageGuard, paginate
from hub_shopify.client import Result, ShopifyClient
from hub_shopify.cost import largest_first
from hub_shopify.info import MAX_QUERY_COST


def has_more(parent: dict[str, Any], field: str) -> bool:
    """Whether ``parent[field]`` (a connection) has pages after the one it came with."""
    return bool(((parent.get(field) or {}).get("pageInfo") or {}).get("hasNextPage"))


async def complete(client: ShopifyClient, query: str, parent: dict[str, Any], *, root: str,
                   field: str, what: str, vanished: str, size: int | None = None) -> None:
    """Read the rest of ``parent[field]`` with ``query`` (variables ``id``, ``first``, ``after``;
    the answer's ``data[root][field]`` is the connection) and append it to the parent's nodes.

    :param what: the pages, for messages and the guard (``lines of order #1001``).
    :param vanished: the message when the parent is gone from the answer.
    :param size: the page size (default: the largest within Shopify's query cost limit).
    """
    if not has_more(parent, field):
        return
    connection = parent[field]
    first = size or largest_first(query, {}, limit=MAX_QUERY_COST)

    async def fetch(after: str | None) -> Result:
        return await client.graphql(query, {"id": parent["id"], "first": first, "after": after},
                                    what=what)

    def parse(result: Result) -> ListingPage[dict[str, Any]]:
        more = (result.data.get(root) or {}).get(field)
        if not isinstance(more, dict):
            raise DataError(vanished)
        info = more.get("pageInfo") or {}
        return ListingPage(more.get("nodes") or [],
                           next=info.get("endCursor") if info.get("hasNextPage") else None)

    start = Cursors(first=connection["pageInfo"].get("endCursor"))
    async for page in paginate(fetch, parse, start,
                               guard=PageGuard(f"{client.account.label}: {what}")):
        connection["nodes"].extend(page.fresh)
    connection["pageInfo"] = {"hasNextPage": False, "endCursor": None}
