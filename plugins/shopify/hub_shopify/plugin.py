"""The Shopify plugin's hook implementations (the module is the plugin object).

Each hook only adapts arguments: requests live in :mod:`.client`, OAuth in
:mod:`.connect`, the order scan in :mod:`.orders` and :mod:`.bulk`, mapping in
:mod:`.mapping` (over :mod:`.views`), pushes in :mod:`.stock`, :mod:`.prices`
and :mod:`.tracking`, webhooks in :mod:`.webhooks`, the fake shop in :mod:`.sandbox`.
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
    WebhookEvent,
)
from hub_shopify import (
    catalogue_out,
    connect,
    invoices,
    mapping,
    orders,
    prices,
    products,
    states,
    stock,
    tracking,
    webhooks,
)
from hub_shopify.client import ShopifyClient
from hub_shopify.info import INFO

if TYPE_CHECKING:  # the sandbox (Starlette, graphql-core) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_shopify.sandbox import ShopifySandbox


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """Shopify: orders, products, stock, price, tracking, webhooks, OAuth; its settings."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Verify a custom app's token, or run the OAuth code flow for an offline token."""
    return await connect.authorize(account, session)


@hub.hookimpl
async def refresh_credentials(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """Exchange the rotating refresh token of an expiring offline token."""
    return await connect.refresh(account, credentials)


@hub.hookimpl
async def fetch_orders(account: Account, since: datetime, until: datetime | None
                       ) -> AsyncIterator[OrderPage]:
    """Orders modified since ``since``: cursor pages, or a bulk export for old ``since``."""
    async for page in orders.scan(ShopifyClient(account), since, until):
        yield page


@hub.hookimpl
async def fetch_order(account: Account, order_id: str) -> dict[str, Any] | None:
    """One order (GraphQL node, every line), or None when Shopify has no such order."""
    return await orders.fetch_one(ShopifyClient(account), order_id)


@hub.hookimpl
def parse_order(account: Account, payload: dict[str, Any]) -> Order:
    """A GraphQL order node or a REST/webhook order body as a canonical order."""
    return mapping.parse_order(payload)


@hub.hookimpl
async def fetch_products(account: Account, product_ids: list[str] | None
                         ) -> AsyncIterator[list[dict[str, Any]]]:
    """Product nodes with their variants, for ``map_product``."""
    async for batch in products.fetch(ShopifyClient(account), product_ids):
        yield batch


@hub.hookimpl
def map_product(account: Account, payload: dict[str, Any]) -> Product:
    """A product node or webhook body as a canonical product (SKU -> SKU, id -> code)."""
    return mapping.map_product(payload, account.setting("currency"))


@hub.hookimpl
async def push_stock(account: Account, updates: list[StockUpdate]) -> list[PushResult]:
    """``inventorySetQuantities`` (250 per call), read back per item."""
    return await stock.push_stock(ShopifyClient(account), updates)


@hub.hookimpl
async def push_price(account: Account, updates: list[PriceUpdate]) -> list[PushResult]:
    """``productVariantsBulkUpdate`` per product: price, and compareAtPrice during a promotion."""
    return await prices.push_price(ShopifyClient(account), updates)


@hub.hookimpl
async def push_invoice(account: Account, invoice: InvoiceDocument) -> PushResult:
    """The ``hub.invoices`` order metafield (``metafieldsSet``) and a note line, in place."""
    return await invoices.push(ShopifyClient(account), invoice)


@hub.hookimpl
async def push_tracking(account: Account, shipment: Shipment) -> PushResult:
    """``fulfillmentCreate`` with tracking, or ``fulfillmentTrackingInfoUpdate`` on a change."""
    return await tracking.push(ShopifyClient(account), shipment)


@hub.hookimpl
async def push_order_state(account: Account, update: hub.StateUpdate) -> PushResult:
    """orderCancel with the reason as staff note, or a DELIVERED fulfillment event; read back."""
    return await states.push(ShopifyClient(account), update)


@hub.hookimpl
def verify_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """X-Shopify-Hmac-Sha256 over the raw body, in constant time, from the account's shop."""
    return webhooks.verify(account, headers, body)


@hub.hookimpl
def parse_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Order topics -> payload; edited/delete -> re-fetch; the rest ignored."""
    return webhooks.parse(headers, body)


@hub.hookimpl
async def push_product(account: Account, product: hub.ListingDraft) -> PushResult:
    """One ``productSet`` per product (options, variants, images); SKU matched first."""
    return await catalogue_out.push_product(ShopifyClient(account), product)


@hub.hookimpl
async def fetch_customers(account: Account, since: datetime | None
                          ) -> AsyncIterator[list[hub.Customer]]:
    """The shop's customers, 100 a page (``customers`` connection)."""
    async for batch in catalogue_out.fetch_customers(ShopifyClient(account), since):
        yield batch


@hub.hookimpl
async def push_products(account: Account, products: list[hub.ListingDraft]) -> list[PushResult]:
    """Up to 10 aliased ``productSet`` mutations in one request (SKUs looked up in one query)."""
    return await catalogue_out.push_products(ShopifyClient(account), products)


@hub.hookimpl
async def push_customer(account: Account, customer: hub.ContactDraft) -> PushResult:
    """``customerCreate`` or ``customerUpdate`` (matched by e-mail first)."""
    return await catalogue_out.push_customer(ShopifyClient(account), customer)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> ShopifySandbox:
    """A local fake Shopify shop (see :mod:`hub_shopify.sandbox`)."""
    from hub_shopify.sandbox import ShopifySandbox

    return ShopifySandbox(options)


# ---- connections ----
@hub.hookimpl
async def revoke_authorization(account: Account) -> bool:
    """Revoke the app's grant on the platform (see :mod:`hub_shopify.disconnect`)."""
    from hub_shopify import disconnect

    return await disconnect.revoke(account)


@hub.hookimpl
async def store_currency(account: Account) -> str | None:
    """The store's currency (see :mod:`hub_shopify.disconnect`)."""
    from hub_shopify import disconnect

    return await disconnect.store_currency(account)
