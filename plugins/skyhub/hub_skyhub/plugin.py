"""The SkyHub plugin's hook implementations (the module is the plugin object).

Each hook only adapts arguments: requests live in :mod:`.client`, the order sources in
:mod:`.orders`, mapping in :mod:`.mapping`, stock and price in :mod:`.push`, invoice,
shipment, delivery and cancellation in :mod:`.lifecycle`, products in :mod:`.products`, SAC
tickets in :mod:`.tickets`, the fake SkyHub in :mod:`.sandbox`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import hub
from hub import (
    Account,
    AuthSession,
    InvoiceDocument,
    Order,
    OrderPage,
    OrderPeek,
    PlatformInfo,
    PriceUpdate,
    Product,
    PushResult,
    Shipment,
    StockUpdate,
    Ticket,
    TicketPage,
    TicketReply,
)
from hub_skyhub import catalogue_out, lifecycle, mapping, orders, products, push, tickets
from hub_skyhub.client import SkyhubClient
from hub_skyhub.info import INFO

if TYPE_CHECKING:  # the sandbox (Starlette) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_skyhub.sandbox import SkyhubSandbox


def _currency(account: Account) -> str:
    return (account.setting("currency") or "BRL").strip().upper()


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """SkyHub: orders (queue and list), products, stock, price, tracking; its settings."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Check the three keys with one cheap call (``GET /products?per_page=1``); return None.

    The order queue is not used for the check: reading it would take an order out of it.
    """
    client = SkyhubClient(account)  # a 401/403 raises AuthError with the re-authorize hint
    response = await client.api("skyhub-products-get").get("products", params={"per_page": "1"})
    hub.json_object(response, f"{account.label}: products")
    return None


@hub.hookimpl
async def fetch_orders(account: Account, since: datetime, until: datetime | None
                       ) -> AsyncIterator[OrderPage]:
    """Orders from the queue (acknowledged after the core's commit) or the list (backfills)."""
    async for page in orders.scan(SkyhubClient(account), since, until):
        yield page


@hub.hookimpl
async def fetch_order(account: Account, order_id: str) -> dict[str, Any] | None:
    """One order by code, or None when SkyHub does not have it."""
    return await orders.fetch_one(SkyhubClient(account), order_id)


@hub.hookimpl
def parse_order(account: Account, payload: dict[str, Any]) -> Order:
    """A SkyHub order as a canonical order (amounts exact, in the account's currency)."""
    return mapping.parse_order(payload, _currency(account))


@hub.hookimpl
def peek_order(payload: dict[str, Any]) -> OrderPeek | None:
    """Code and status, so orders the rules exclude are skipped unparsed."""
    return mapping.peek_order(payload)


@hub.hookimpl
async def fetch_products(account: Account, product_ids: list[str] | None
                         ) -> AsyncIterator[list[dict[str, Any]]]:
    """Products with their variations for ``map_product``."""
    async for batch in products.fetch(SkyhubClient(account), product_ids):
        yield batch


@hub.hookimpl
def map_product(account: Account, payload: dict[str, Any]) -> Product:
    """A product (its SKU is its id) and its variations as a canonical product."""
    return mapping.map_product(payload, _currency(account))


@hub.hookimpl
async def push_stock(account: Account, updates: list[StockUpdate]) -> list[PushResult]:
    """``qty`` through ``PUT /products/{sku}`` or ``PUT /variations/{sku}``."""
    return await push.push_stock(SkyhubClient(account), updates)


@hub.hookimpl
async def push_price(account: Account, updates: list[PriceUpdate]) -> list[PushResult]:
    """``price`` and ``promotional_price`` (the promotion while its window is open)."""
    return await push.push_price(SkyhubClient(account), updates)


@hub.hookimpl
async def push_tracking(account: Account, shipment: Shipment) -> PushResult:
    """``POST /orders/{code}/shipments`` with the tracking (the NF-e key first when needed)."""
    return await lifecycle.push_tracking(SkyhubClient(account), shipment)


@hub.hookimpl
async def push_invoice(account: Account, invoice: InvoiceDocument) -> PushResult:
    """``POST /orders/{code}/invoice`` with the NF-e key."""
    return await lifecycle.push_invoice(SkyhubClient(account), invoice)


@hub.hookimpl
async def push_order_state(account: Account, update: hub.StateUpdate) -> PushResult:
    """Delivered or cancelled (``/delivery``, ``/cancel``)."""
    return await lifecycle.push_state(SkyhubClient(account), update)


@hub.hookimpl
async def push_product(account: Account, product: hub.ListingDraft) -> PushResult:
    """``POST /products`` for a SKU SkyHub does not hold, else ``PUT`` of what changed."""
    return await catalogue_out.push_product(SkyhubClient(account), product)


@hub.hookimpl
async def fetch_tickets(account: Account, since: datetime) -> AsyncIterator[TicketPage]:
    """SkyHub's SAC tickets (``GET /sac``) and the chats of those changed since ``since``."""
    async for page in tickets.scan(SkyhubClient(account), since):
        yield page


@hub.hookimpl
async def fetch_ticket(account: Account, ticket_id: str) -> dict[str, Any] | None:
    """One SAC ticket (``sac:<code>``) with its chats, or None when SkyHub has no such ticket."""
    return await tickets.fetch(SkyhubClient(account), ticket_id)


@hub.hookimpl
def parse_ticket(account: Account, payload: dict[str, Any]) -> Ticket:
    """A SAC ticket and its chats as a canonical ticket."""
    return tickets.parse_ticket(payload)


@hub.hookimpl
async def reply_ticket(account: Account, ticket: Ticket, message: TicketReply) -> PushResult:
    """``POST /sac/{code}/chats`` on the buyer's chat, for a ticket downloaded from SkyHub."""
    return await tickets.reply(SkyhubClient(account), ticket, message)


@hub.hookimpl
async def store_currency(account: Account) -> str | None:
    """SkyHub sells in reais; its API names no currency: the account's ``currency`` setting."""
    return _currency(account)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> SkyhubSandbox:
    """A local fake SkyHub account (see :mod:`hub_skyhub.sandbox`)."""
    from hub_skyhub.sandbox import SkyhubSandbox

    return SkyhubSandbox(options)
