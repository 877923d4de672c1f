"""The WooCommerce plugin's hook implementations (the module is the plugin object).

Each hook only adapts arguments: requests live in :mod:`.client`, the order
scan in :mod:`.orders`, mapping in :mod:`.mapping`, pushes in :mod:`.push` and
:mod:`.tracking`, webhooks in :mod:`.webhooks`, the fake store in :mod:`.sandbox`.
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
    StateUpdate,
    StockUpdate,
    WebhookEvent,
)
from hub_woocommerce import (
    catalogue_out,
    connect,
    invoices,
    mapping,
    orders,
    products,
    push,
    states,
    tracking,
    webhooks,
)
from hub_woocommerce.client import WooClient
from hub_woocommerce.info import INFO

if TYPE_CHECKING:  # the sandbox (Starlette, uvicorn) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_woocommerce.sandbox import WooCommerceSandbox


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """WooCommerce: orders, products, stock, price, tracking, webhooks; its settings."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Check the configured keys, or get new ones through the store's authorization page."""
    return await connect.authorize(account, session)


@hub.hookimpl
async def fetch_orders(account: Account, since: datetime, until: datetime | None
                       ) -> AsyncIterator[OrderPage]:
    """Every order modified after ``since`` (see :func:`hub_woocommerce.orders.scan`)."""
    async for page in orders.scan(WooClient(account), since, until):
        yield page


@hub.hookimpl
async def fetch_order(account: Account, order_id: str) -> dict[str, Any] | None:
    """One order by id, or None when the store no longer has it."""
    return await orders.fetch_one(WooClient(account), order_id)


@hub.hookimpl
def parse_order(account: Account, payload: dict[str, Any]) -> Order:
    """A REST or webhook order payload as a canonical order."""
    return mapping.parse_order(payload)


@hub.hookimpl
def peek_order(payload: dict[str, Any]) -> OrderPeek | None:
    """Id and status of a payload, so orders the rules exclude are skipped unparsed."""
    return mapping.peek_order(payload)


@hub.hookimpl
async def fetch_products(account: Account, product_ids: list[str] | None
                         ) -> AsyncIterator[list[dict[str, Any]]]:
    """Product payloads (with variations and category paths) for ``map_product``."""
    async for batch in products.fetch(WooClient(account), product_ids):
        yield batch


@hub.hookimpl
def map_product(account: Account, payload: dict[str, Any]) -> Product:
    """A product payload as a canonical product (category by the seed-001 rule)."""
    return mapping.map_product(payload, account.setting("currency"))


@hub.hookimpl
async def push_stock(account: Account, updates: list[StockUpdate]) -> list[PushResult]:
    """Stock through the product and variation batch endpoints, confirmed per item."""
    return await push.push_stock(WooClient(account), updates)


@hub.hookimpl
async def push_price(account: Account, updates: list[PriceUpdate]) -> list[PushResult]:
    """Regular and sale prices with the sale window, confirmed per item."""
    return await push.push_price(WooClient(account), updates)


@hub.hookimpl
async def push_invoice(account: Account, invoice: InvoiceDocument) -> PushResult:
    """The ``_hub_invoices`` order meta and a private note, updated in place."""
    return await invoices.push(WooClient(account), invoice)


@hub.hookimpl
async def push_tracking(account: Account, shipment: Shipment) -> PushResult:
    """Customer note, ``_hub_*`` meta, completion after stock deduction, optional extension."""
    return await tracking.push(WooClient(account), shipment,
                               extension=account.setting_bool("shipment_tracking"))


@hub.hookimpl
async def push_order_state(account: Account, update: StateUpdate) -> PushResult:
    """Cancelled / completed through the order's status, read back (see :mod:`.states`)."""
    return await states.push(WooClient(account), update)


@hub.hookimpl
def verify_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """X-WC-Webhook-Signature against the account's webhook secret, in constant time."""
    return webhooks.verify(account, headers, body)


@hub.hookimpl
def parse_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Order created/updated/restored -> payload; deleted -> re-fetch; the rest ignored."""
    return webhooks.parse(headers, body)


@hub.hookimpl
async def push_product(account: Account, product: hub.ListingDraft) -> PushResult:
    """Create or update the product and its variations (batch endpoints; SKU matched first)."""
    return await catalogue_out.push_product(WooClient(account), product)


@hub.hookimpl
async def push_products(account: Account, products: list[hub.ListingDraft]) -> list[PushResult]:
    """Up to 100 products in one ``products/batch`` (variations in one batch per product)."""
    return await catalogue_out.push_products(WooClient(account), products)


@hub.hookimpl
async def fetch_customers(account: Account, since: datetime | None
                          ) -> AsyncIterator[list[hub.Customer]]:
    """The store's customers changed since ``since`` (``GET /customers``)."""
    async for batch in catalogue_out.fetch_customers(WooClient(account), since):
        yield batch


@hub.hookimpl
async def push_customer(account: Account, customer: hub.ContactDraft) -> PushResult:
    """Create or update the customer (matched by e-mail first)."""
    return await catalogue_out.push_customer(WooClient(account), customer)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> WooCommerceSandbox:
    """A local fake WooCommerce store (see :mod:`hub_woocommerce.sandbox`)."""
    from hub_woocommerce.sandbox import WooCommerceSandbox

    return WooCommerceSandbox(options)


# ---- connections (WooCommerce REST keys cannot be deleted through the API: no
# revoke_authorization; the store owner deletes them under Settings > Advanced > REST API) ----
@hub.hookimpl
async def store_currency(account: Account) -> str | None:
    """The store's currency (``/data/currencies/current``, or the ``currency`` setting)."""
    return await WooClient(account).currency()
