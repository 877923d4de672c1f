"""Reading sales: the modified-since search, carts made whole, shipments attached.

``GET /orders/search?seller=..&order.date_last_updated.from=..&sort=date_asc``
pages with ``offset``/``limit`` (50). Orders of one cart (``pack_id``) become
one sale: the cart (``GET /packs/{id}``) says which orders it holds, and those
not on the page are fetched (``GET /orders/{id}``). Each sale's shipment
(``GET /shipments/{id}``) gives the receiver's address, the shipping mode and
its status. Carts, orders and shipments are read concurrently (the account's
``concurrency``), each wave bounded by the account's rate limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub import (
    DataError,
    ListingPage,
    Offsets,
    OrderPage,
    SortedBy,
    paged_listing,
    platform_time,
    scan_orders,
)
from hub_mercadolibre.client import MeliClient, json_object, meli_datetime
from hub_mercadolibre.order_mapping import sale_key

LIMIT = 50
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def floor_hour(value: datetime) -> datetime:
    """``value`` (UTC) cut down to its hour."""
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(value: datetime) -> datetime:
    """``value`` (UTC) raised to the next whole hour (unchanged when already whole)."""
    down = floor_hour(value)
    return down if down == value.astimezone(UTC) else down + HOUR


def numeric_id(value: Any) -> str | None:
    """A numeric Mercado Libre id as a string, or None (never a path fragment)."""
    text = str(value) if value not in (None, "") else ""
    return text if text.isdigit() else None


class SaleAssembler:
    """Turns orders into sale payloads, each sale once per scan (see :mod:`.order_mapping`)."""

    def __init__(self, client: MeliClient) -> None:
        self.client = client
        self.done: set[str] = set()

    async def sales(self, orders: list[dict[str, Any]],
                    packs: Mapping[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """The sales of ``orders`` not assembled before; ``packs`` are carts already read."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for order in orders:
            key = sale_key(order.get("pack_id"), order.get("id"))
            if key not in self.done:
                groups.setdefault(key, []).append(order)
        self.done.update(groups)
        problems: dict[str, str] = {}
        carts = await self._carts(groups, dict(packs or {}), problems)
        await self._complete(groups, carts, problems)
        shipments = await self._shipments(groups, carts, problems)
        sales = []
        for key, members in groups.items():
            pack_id = members[0].get("pack_id") if key.startswith("pack:") else None
            sale: dict[str, Any] = {"id": key, "pack_id": pack_id,
                                    "orders": sorted(members, key=lambda o: str(o.get("id"))),
                                    "shipment": shipments.get(key)}
            if key in problems:
                sale["incomplete"] = problems[key]
            sales.append(sale)
        return sales

    async def _carts(self, groups: Mapping[str, list[dict[str, Any]]],
                     known: dict[str, dict[str, Any]], problems: dict[str, str]
                     ) -> dict[str, dict[str, Any]]:
        wanted = []
        for key in groups:
            if not key.startswith("pack:") or key[5:] in known:
                continue
            if numeric_id(key[5:]):
                wanted.append(key)
            else:
                problems[key] = f"cart id '{key[5:]}' is not a number"
        found = await self.client.bounded(
            self.client.get_object(f"/packs/{key[5:]}", missing_ok=True) for key in wanted)
        carts = {f"pack:{pack_id}": cart for pack_id, cart in known.items()}
        for key, cart in zip(wanted, found, strict=True):
            if cart is None:
                problems[key] = f"cart {key[5:]} was not found"
            else:
                carts[key] = cart
        return carts

    async def _complete(self, groups: dict[str, list[dict[str, Any]]],
                        carts: Mapping[str, dict[str, Any]], problems: dict[str, str]) -> None:
        missing: list[tuple[str, str]] = []
        for key, cart in carts.items():
            if key not in groups:
                continue
            have = {str(o.get("id")) for o in groups[key]}
            for entry in cart.get("orders") or []:
                order_id = numeric_id(entry.get("id") if isinstance(entry, Mapping) else entry)
                if order_id and order_id not in have:
                    missing.append((key, order_id))
        fetched = await self.client.bounded(
            self.client.get_object(f"/orders/{order_id}", missing_ok=True)
            for _, order_id in missing)
        for (key, order_id), order in zip(missing, fetched, strict=True):
            if order is None:
                problems[key] = f"order {order_id} of cart {key[5:]} was not found"
            else:
                groups[key].append(order)

    async def _shipments(self, groups: Mapping[str, list[dict[str, Any]]],
                         carts: Mapping[str, dict[str, Any]], problems: dict[str, str]
                         ) -> dict[str, dict[str, Any]]:
        wanted: list[tuple[str, str]] = []
        for key, members in groups.items():
            cart_shipment = (carts.get(key) or {}).get("shipment") or {}
            shipment_id = numeric_id(cart_shipment.get("id")) or next(
                (s for s in (numeric_id((o.get("shipping") or {}).get("id")) for o in members) if s), None)
            if shipment_id:
                wanted.append((key, shipment_id))
        fetched = await self.client.bounded(
            self.client.get_object(f"/shipments/{shipment_id}", missing_ok=True)
            for _, shipment_id in wanted)
        shipments: dict[str, dict[str, Any]] = {}
        for (key, shipment_id), shipment in zip(wanted, fetched, strict=True):
            if shipment is None:
                problems.setdefault(key, f"shipment {shipment_id} was not found")
            else:
                shipments[key] = shipment
        return shipments


async def scan(client: MeliClient, since: datetime, until: datetime | None, *,
               hour_granularity: bool = True) -> AsyncIterator[OrderPage]:
    """Every sale with an order modified after ``since`` (and before ``until``), each once.

    The search is sorted by creation date, so an order edited during the scan
    keeps its place, and new orders land at the end. An order that enters the
    result set mid-scan (edited after ``since`` for the first time) shifts later
    records by one: repeats are dropped, and when fewer distinct orders were
    seen than the search reported, it is read once more for the ones missed
    (:func:`hub.scan_orders`, ``SortedBy.STABLE``).

    With ``hour_granularity`` the bounds are widened to whole hours (the API is
    reported to ignore minutes). Only the last page carries a checkpoint: the
    moment the scan started on Mercado Libre's clock (its ``Date`` header; else
    ``since``), at most ``until``.
    """
    lower = floor_hour(since) if hour_granularity else since
    params: dict[str, Any] = {"seller": client.seller_id, "sort": "date_asc", "limit": LIMIT,
                              "order.date_last_updated.from": meli_datetime(lower)}
    if until is not None:
        upper = ceil_hour(until) if hour_granularity else until
        params["order.date_last_updated.to"] = meli_datetime(upper)
    assembler = SaleAssembler(client)

    async def fetch(offset: int) -> httpx.Response:
        return await client.get("/orders/search", {**params, "offset": offset})

    def parse(response: httpx.Response) -> ListingPage[dict[str, Any]]:
        body = json_object(response, "GET /orders/search")
        results = body.get("results")
        if not isinstance(results, list) or not all(isinstance(o, dict) for o in results):
            raise DataError(f"{client.account.label}: the order search has no results list")
        total = (body.get("paging") or {}).get("total")
        return ListingPage(results, total=total if isinstance(total, int) else None,
                           when=platform_time(response))

    read = paged_listing(fetch, parse, lambda: Offsets(LIMIT), key=lambda o: str(o.get("id")))
    async for page in scan_orders(read, since=since, until=until, sorted_by=SortedBy.STABLE,
                                  name=f"{client.account.label}: orders",
                                  payloads=assembler.sales, lag=SECOND):
        yield page


async def fetch_sale(client: MeliClient, key: str) -> dict[str, Any] | None:
    """One sale by key: ``pack:<id>``, ``shipment:<id>`` (from a notification) or an order id.

    None when Mercado Libre no longer has it.
    """
    assembler = SaleAssembler(client)
    kind, _, rest = key.partition(":")
    if kind == "pack" and numeric_id(rest):
        cart = await client.get_object(f"/packs/{rest}", missing_ok=True)
        if cart is None:
            return None
        ids = [numeric_id(e.get("id") if isinstance(e, Mapping) else e) for e in cart.get("orders") or []]
        orders = [o for o in await client.bounded(
            client.get_object(f"/orders/{i}", missing_ok=True) for i in ids if i) if o]
        if not orders:
            return None
        for order in orders:
            order.setdefault("pack_id", int(rest))
        sales = await assembler.sales(orders, packs={rest: cart})
        return sales[0] if sales else None
    if kind == "shipment" and numeric_id(rest):
        shipment = await client.get_object(f"/shipments/{rest}", missing_ok=True)
        order_id = numeric_id((shipment or {}).get("order_id"))
        return await fetch_sale(client, order_id) if order_id else None
    if not numeric_id(key):
        return None
    single = await client.get_object(f"/orders/{key}", missing_ok=True)
    if single is None:
        return None
    sales = await assembler.sales([single])
    return sales[0] if sales else None
