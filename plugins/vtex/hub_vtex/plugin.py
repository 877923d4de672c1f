"""The VTEX plugin's hook implementations (the module is the plugin object).

Each hook only adapts arguments: requests live in :mod:`.client`, the order
sources in :mod:`.orders`, :mod:`.feed` and :mod:`.listing`, mapping in
:mod:`.mapping`, pushes in :mod:`.push` and :mod:`.tracking`, the hook in
:mod:`.webhooks`, start-handling in :mod:`.handling`, the fake VTEX in
:mod:`.sandbox`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
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
    WebhookEvent,
)
from hub_vtex import (
    catalogue_out,
    connect,
    handling,
    invoices,
    mapping,
    orders,
    products,
    push,
    states,
    tracking,
    webhooks,
)
from hub_vtex.client import VtexClient
from hub_vtex.info import INFO

if TYPE_CHECKING:  # the sandbox (Starlette) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_vtex.sandbox import VtexSandbox


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """VTEX: orders, products, stock, price, tracking, webhooks; its settings."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Verify the app key and token with one cheap call (and set up the hook); return None."""
    await connect.authorize(account)
    return None


@hub.hookimpl
async def fetch_orders(account: Account, since: datetime, until: datetime | None
                       ) -> AsyncIterator[OrderPage]:
    """Orders from Feed v3 or the order list (see :mod:`hub_vtex.orders`)."""
    async for page in orders.scan(VtexClient(account), since, until):
        yield page


@hub.hookimpl
async def fetch_order(account: Account, order_id: str) -> dict[str, Any] | None:
    """One order by id, or None when VTEX no longer has it."""
    return await orders.fetch_one(VtexClient(account), order_id)


@hub.hookimpl
def parse_order(account: Account, payload: dict[str, Any]) -> Order:
    """A Get order payload as a canonical order (cents converted exactly)."""
    return mapping.parse_order(payload)


@hub.hookimpl
def peek_order(payload: dict[str, Any]) -> OrderPeek | None:
    """Id and status of a payload, so orders the rules exclude are skipped unparsed."""
    return mapping.peek_order(payload)


@hub.hookimpl
async def fetch_products(account: Account, product_ids: list[str] | None
                         ) -> AsyncIterator[list[dict[str, Any]]]:
    """Products with their SKUs (Catalog SKU endpoints) for ``map_product``."""
    async for batch in products.fetch(VtexClient(account), product_ids):
        yield batch


@hub.hookimpl
def map_product(account: Account, payload: dict[str, Any]) -> Product:
    """A product and its SKUs (id, RefId, EAN) as a canonical product."""
    return mapping.map_product(payload)


@hub.hookimpl
async def push_stock(account: Account, updates: list[StockUpdate]) -> list[PushResult]:
    """Inventory per SKU and warehouse, confirmed by reading it back."""
    return await push.push_stock(VtexClient(account), updates)


@hub.hookimpl
async def push_price(account: Account, updates: list[PriceUpdate]) -> list[PushResult]:
    """Base and list price, promotional and scheduled fixed prices, confirmed by reading back."""
    return await push.push_price(VtexClient(account), updates)


@hub.hookimpl
async def push_tracking(account: Account, shipment: Shipment) -> PushResult:
    """Invoice notification with tracking, or a tracking update of an existing invoice."""
    return await tracking.push(VtexClient(account), shipment)


@hub.hookimpl
async def push_order_state(account: Account, update: hub.StateUpdate) -> PushResult:
    """start-handling, cancel with the reason, or delivery on the tracked invoice; read back."""
    return await states.push(VtexClient(account), update)


@hub.hookimpl
async def push_invoice(account: Account, invoice: InvoiceDocument) -> PushResult:
    """Invoice notification (once per invoice record; VTEX cannot change or cancel it)."""
    return await invoices.push(VtexClient(account), invoice)


@hub.hookimpl
def verify_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """The hook's secret header, compared in constant time; the hook ping is accepted."""
    return webhooks.verify(account, headers, body)


@hub.hookimpl
def parse_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """A notification names an order to re-fetch; the ping is ignored."""
    return webhooks.parse(body)


@hub.hookimpl
def order_imported(account: Account, order: Order, created: bool) -> None:
    """Broadcast event: start handling a new VTEX order when the account asks for it.

    Every plugin receives this event, so the account's platform is checked here
    (see :mod:`hub_vtex.handling`).
    """
    handling.schedule(account, order, created)


@hub.hookimpl
async def push_product(account: Account, product: hub.ListingDraft) -> PushResult:
    """Catalog product, SKUs, EANs, images and specifications (RefId matched first)."""
    return await catalogue_out.push_product(VtexClient(account), product)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> VtexSandbox:
    """A local fake VTEX account (see :mod:`hub_vtex.sandbox`)."""
    from hub_vtex.sandbox import VtexSandbox

    return VtexSandbox(options)


# ---- connections (VTEX app keys cannot be revoked by the app: no revoke_authorization) ----
@hub.hookimpl
async def store_currency(account: Account) -> str | None:
    """The main trade policy's currency (see :mod:`hub_vtex.currency`)."""
    from hub_vtex import currency

    return await currency.store_currency(account)
