"""The Tiendanube/Nuvemshop plugin's hook implementations (the module is the plugin object).

Each hook only adapts arguments: requests live in :mod:`.client`, the order
scan in :mod:`.orders`, mapping in :mod:`.mapping`, writes in :mod:`.push` and
:mod:`.states`, webhooks in :mod:`.webhooks`, customers in :mod:`.customers`, invoices
in :mod:`.invoices`, the fake store in :mod:`.sandbox`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import hub
from hub import (
    Account,
    AuthSession,
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
from hub_nuvemshop import (
    catalogue_out,
    connect,
    customers,
    invoices,
    mapping,
    orders,
    products,
    push,
    states,
    webhooks,
)
from hub_nuvemshop.client import StoreClient
from hub_nuvemshop.info import INFO

if TYPE_CHECKING:  # the sandbox (Starlette, uvicorn) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_nuvemshop.sandbox import NuvemshopSandbox


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """Tiendanube/Nuvemshop: orders, products, stock, price, fulfilment, webhooks, customers."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Check a direct token, or authorize the app on the store (the token and the store id)."""
    return await connect.authorize(account, session)


@hub.hookimpl
async def fetch_orders(account: Account, since: datetime, until: datetime | None
                       ) -> AsyncIterator[OrderPage]:
    """Every order updated after ``since``, cancelled and refunded ones read explicitly."""
    async for page in orders.scan(StoreClient(account), since, until):
        yield page


@hub.hookimpl
async def fetch_order(account: Account, order_id: str) -> dict[str, Any] | None:
    """One order by id, or None when the store has no such order."""
    return await orders.fetch_one(StoreClient(account), order_id)


@hub.hookimpl
def parse_order(account: Account, payload: dict[str, Any]) -> Order:
    """An order payload as a canonical order (one hub status from the three)."""
    return mapping.parse_order(payload)


@hub.hookimpl
def peek_order(payload: dict[str, Any]) -> OrderPeek | None:
    """Id and hub status of a payload, so orders the rules exclude are skipped unparsed."""
    return mapping.peek_order(payload)


@hub.hookimpl
async def fetch_products(account: Account, product_ids: list[str] | None
                         ) -> AsyncIterator[list[dict[str, Any]]]:
    """Product payloads with their variants."""
    async for batch in products.fetch(StoreClient(account), product_ids):
        yield batch


@hub.hookimpl
def map_product(account: Account, payload: dict[str, Any]) -> Product:
    """A product payload as a canonical product (variants with stock and price)."""
    currency = payload.get(products.CURRENCY) or account.setting("currency")
    if not currency:
        raise hub.DataError(f"{account.label}: product {payload.get('id')} came without the "
                            "store's currency")
    return mapping.map_product(payload, str(currency))


@hub.hookimpl
async def push_stock(account: Account, updates: list[StockUpdate]) -> list[PushResult]:
    """Each variant's stock, confirmed by the store's answer."""
    return await push.push_stock(StoreClient(account), updates)


@hub.hookimpl
async def push_price(account: Account, updates: list[PriceUpdate]) -> list[PushResult]:
    """Each variant's price and promotional price, confirmed by the store's answer."""
    client = StoreClient(account)
    return await push.push_price(client, updates, await client.currency())


@hub.hookimpl
async def push_tracking(account: Account, shipment: Shipment) -> PushResult:
    """Fulfil the order with the tracking number and URL."""
    return await push.push_tracking(StoreClient(account), shipment)


@hub.hookimpl
async def push_invoice(account: Account, invoice: hub.InvoiceDocument) -> PushResult:
    """The NF-e in the order's ``nfe`` metafields (key and link), as Tiendanube documents."""
    return await invoices.push(StoreClient(account), invoice)


@hub.hookimpl
async def push_order_state(account: Account, update: StateUpdate) -> PushResult:
    """Pack, close or cancel the order, read back (see :mod:`.states`)."""
    return await states.push(StoreClient(account), update)


@hub.hookimpl
def verify_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """X-Linkedstore-Hmac-Sha256 against the app's secret, in constant time."""
    return webhooks.verify(account, headers, body)


@hub.hookimpl
def parse_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """An order event names the order the core re-fetches; the rest is ignored."""
    return webhooks.parse(account, body)


@hub.hookimpl
async def push_product(account: Account, product: hub.ListingDraft) -> PushResult:
    """Create or update the listing and its variants (an unlinked SKU is looked up first)."""
    return await catalogue_out.push_product(StoreClient(account), product)


@hub.hookimpl
async def fetch_customers(account: Account, since: datetime | None
                          ) -> AsyncIterator[list[hub.Customer]]:
    """The store's customers updated since ``since`` (``GET /customers`` along ``Link``)."""
    async for batch in customers.fetch(StoreClient(account), since):
        yield batch


@hub.hookimpl
async def push_customer(account: Account, customer: hub.ContactDraft) -> PushResult:
    """Create or update the customer (the linked one, else matched by e-mail)."""
    return await customers.push(StoreClient(account), customer)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> NuvemshopSandbox:
    """A local fake Tiendanube store (see :mod:`hub_nuvemshop.sandbox`)."""
    from hub_nuvemshop.sandbox import NuvemshopSandbox

    return NuvemshopSandbox(options)


@hub.hookimpl
async def store_currency(account: Account) -> str | None:
    """The store's main currency (``GET /store``), or the ``currency`` setting."""
    return await StoreClient(account).currency()
