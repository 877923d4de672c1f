"""The Mercado Libre plugin's hook implementations (the module is the plugin object).

Each hook only adapts arguments: requests live in :mod:`.client`, the OAuth
flow in :mod:`.connect`, the sale search in :mod:`.orders`, mapping in
:mod:`.order_mapping` and :mod:`.product_mapping`, listings in
:mod:`.products`, pushes in :mod:`.push` and :mod:`.tracking`, notifications
in :mod:`.webhooks`, the fake API in :mod:`.sandbox`.
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
    PlatformInfo,
    PriceUpdate,
    Product,
    PushResult,
    Shipment,
    StockUpdate,
    Ticket,
    TicketPage,
    TicketReply,
    WebhookEvent,
)
from hub_mercadolibre import (
    catalogue_out,
    connect,
    invoices,
    order_mapping,
    orders,
    product_mapping,
    products,
    push,
    states,
    tickets,
    tracking,
    webhooks,
)
from hub_mercadolibre.client import MeliClient
from hub_mercadolibre.info import DEFAULT_PROMOTION_DAYS, INFO

if TYPE_CHECKING:  # the sandbox (Starlette, uvicorn) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_mercadolibre.sandbox import MercadoLibreSandbox


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """Mercado Libre: orders, products, stock, price, tracking, notifications, OAuth."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """OAuth2 code flow with PKCE on the site's host; tokens plus seller id and nickname."""
    return await connect.authorize(account, session)


@hub.hookimpl
async def refresh_credentials(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """Spend the single-use refresh token (the core calls this under its per-account lock)."""
    return await connect.refresh(account, credentials)


@hub.hookimpl
async def fetch_orders(account: Account, since: datetime, until: datetime | None
                       ) -> AsyncIterator[OrderPage]:
    """Every sale with an order modified after ``since`` (see :func:`.orders.scan`)."""
    granular = account.setting_bool("search_hour_granularity", True)
    async for page in orders.scan(MeliClient(account), since, until, hour_granularity=granular):
        yield page


@hub.hookimpl
async def fetch_order(account: Account, order_id: str) -> dict[str, Any] | None:
    """One sale: ``pack:<id>``, ``shipment:<id>`` or an order id (its cart when it has one)."""
    return await orders.fetch_sale(MeliClient(account), order_id)


@hub.hookimpl
def parse_order(account: Account, payload: dict[str, Any]) -> Order:
    """A sale payload (or a bare order outside any cart) as one canonical order."""
    return order_mapping.parse_order(account, payload)


@hub.hookimpl
async def fetch_products(account: Account, product_ids: list[str] | None
                         ) -> AsyncIterator[list[dict[str, Any]]]:
    """Item payloads (variations with SKUs, category names) for ``map_product``."""
    async for batch in products.fetch(MeliClient(account), product_ids):
        yield batch


@hub.hookimpl
def map_product(account: Account, payload: dict[str, Any]) -> Product:
    """An item as a canonical product with its variations as variants."""
    return product_mapping.map_product(payload)


@hub.hookimpl
async def push_stock(account: Account, updates: list[StockUpdate]) -> list[PushResult]:
    """One ``PUT /items/{id}`` per item (every variation listed), confirmed per update."""
    return await push.push_stock(MeliClient(account), updates)


@hub.hookimpl
async def push_price(account: Account, updates: list[PriceUpdate]) -> list[PushResult]:
    """Regular prices per item or variation; promotional prices as PRICE_DISCOUNT promotions."""
    days = account.setting_int("promotion_days", DEFAULT_PROMOTION_DAYS)
    return await push.push_price(MeliClient(account), updates, promotion_days=max(1, days))


@hub.hookimpl
async def push_tracking(account: Account, shipment: Shipment) -> PushResult:
    """Tracking on ME1/custom shipments; ME2 tracking read back."""
    return await tracking.push(MeliClient(account), shipment,
                               mark_shipped=account.setting_bool("mark_shipped", True))


@hub.hookimpl
async def push_invoice(account: Account, invoice: InvoiceDocument) -> PushResult:
    """The authorised document attached to the pack (replaced or removed, never doubled)."""
    return await invoices.push(MeliClient(account), invoice,
                               attach=account.setting_bool("attach_invoice", True))


@hub.hookimpl
async def push_order_state(account: Account, update: hub.StateUpdate) -> PushResult:
    """Delivered on ME1/custom shipments; Mercado Libre allows a seller nothing else."""
    return await states.push(MeliClient(account), update)


@hub.hookimpl
def verify_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """For this seller and app (and carrying ``notification_secret`` when set)."""
    return webhooks.verify(account, headers, body)


@hub.hookimpl
def parse_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """``orders_v2`` and ``shipments`` name a sale to re-fetch, ``questions``, ``messages`` and
    ``claims`` a ticket; other topics are ignored."""
    return webhooks.parse(body)


@hub.hookimpl
async def fetch_tickets(account: Account, since: datetime) -> AsyncIterator[TicketPage]:
    """Unanswered questions, threads with unread messages, open claims (see :mod:`.tickets`)."""
    async for page in tickets.scan(MeliClient(account), since):
        yield page


@hub.hookimpl
async def fetch_ticket(account: Account, ticket_id: str) -> dict[str, Any] | None:
    """One question, pack thread or claim (``question:1``, ``pack:2``, ``claim:3``, ``message:x``)."""
    return await tickets.fetch(MeliClient(account), ticket_id)


@hub.hookimpl
def parse_ticket(account: Account, payload: dict[str, Any]) -> Ticket:
    """A question, a pack's post-sale conversation or a claim as a canonical ticket."""
    return tickets.parse_ticket(payload)


@hub.hookimpl
async def reply_ticket(account: Account, ticket: Ticket, message: TicketReply) -> PushResult:
    """``POST /answers`` for a question; a post-sale message on a pack's thread."""
    return await tickets.reply(MeliClient(account), ticket, message)


@hub.hookimpl
async def push_product(account: Account, product: hub.ListingDraft) -> PushResult:
    """An item with its category's required attributes, pictures and variations."""
    return await catalogue_out.push_product(MeliClient(account), product)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> MercadoLibreSandbox:
    """A local fake of the Mercado Libre API (see :mod:`hub_mercadolibre.sandbox`)."""
    from hub_mercadolibre.sandbox import MercadoLibreSandbox

    return MercadoLibreSandbox(options)


# ---- connections ----
@hub.hookimpl
async def revoke_authorization(account: Account) -> bool:
    """Revoke the app's grant on the platform (see :mod:`hub_mercadolibre.disconnect`)."""
    from hub_mercadolibre import disconnect

    return await disconnect.revoke(account)


@hub.hookimpl
async def store_currency(account: Account) -> str | None:
    """The store's currency (see :mod:`hub_mercadolibre.disconnect`)."""
    from hub_mercadolibre import disconnect

    return await disconnect.store_currency(account)
