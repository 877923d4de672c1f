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
from hub_mercadolibre import (
    catalogue_out,
    connect,
    order_mapping,
    orders,
    product_mapping,
    products,
    push,
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
    """Invoice to the cart; tracking on ME1/custom shipments; ME2 tracking read back."""
    return await tracking.push(MeliClient(account), shipment,
                               mark_shipped=account.setting_bool("mark_shipped", True),
                               attach=account.setting_bool("attach_invoice", True))


@hub.hookimpl
def verify_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """For this seller and app (and carrying ``notification_secret`` when set)."""
    return webhooks.verify(account, headers, body)


@hub.hookimpl
def parse_webhook(account: Account, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """``orders_v2`` and ``shipments`` name a sale to re-fetch; other topics are ignored."""
    return webhooks.parse(body)


@hub.hookimpl
async def push_product(account: Account, product: hub.ListingDraft) -> PushResult:
    """An item with its category's required attributes, pictures and variations."""
    return await catalogue_out.push_product(MeliClient(account), product)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> MercadoLibreSandbox:
    """A local fake of the Mercado Libre API (see :mod:`hub_mercadolibre.sandbox`)."""
    from hub_mercadolibre.sandbox import MercadoLibreSandbox

    return MercadoLibreSandbox(options)
