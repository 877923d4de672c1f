"""The hub's tables.

The account is the tenant key of every synced record: orders, cursors, platform
links, outbox items, runs, leases and outbound webhook subscriptions carry
``account_id``. API keys belong to the hub, not to an account. The catalogue
(products, categories), contacts (customers), warehouses and stock levels are
the back office's own and are shared by every channel.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import DecimalString, UTCDateTime, now


def _dt(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def _money(**kw: Any) -> Any:
    return Field(sa_type=DecimalString, **kw)


def _json(**kw: Any) -> Any:
    return Field(sa_column=Column(JSON, nullable=True), **kw)


class HubSetting(SQLModel, table=True):
    __tablename__ = "hub_setting"
    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_type=Text)


class Account(SQLModel, table=True):
    __tablename__ = "account"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    platform: str = Field(index=True, max_length=50)
    enabled: bool = True
    paused_reason: str | None = Field(default=None, sa_type=Text)
    settings: dict[str, str] | None = _json(default=None)
    secrets_enc: str | None = Field(default=None, sa_type=Text)
    credentials_enc: str | None = Field(default=None, sa_type=Text)
    flow_orders: bool = True
    flow_stock: bool = False
    flow_price: bool = False
    flow_tracking: bool = False
    flow_status: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """Push order states (handling, delivered, cancelled...) to the platform."""
    flow_tracking_in: bool = False
    """A carrier account: read shipments' tracking from the carrier."""
    flow_tickets: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    sales_warehouse_id: int | None = Field(default=None, foreign_key="warehouse.id")
    created_at: datetime = _dt(default_factory=now)
    updated_at: datetime = _dt(default_factory=now)


class AccountWarehouse(SQLModel, table=True):
    """The warehouses whose stock feeds an account (the pushed quantity is their sum)."""

    __tablename__ = "account_warehouse"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", primary_key=True)


class SyncCursor(SQLModel, table=True):
    __tablename__ = "sync_cursor"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    flow: str = Field(primary_key=True, max_length=30)
    position: datetime = _dt()
    updated_at: datetime = _dt(default_factory=now)


class Category(SQLModel, table=True):
    __tablename__ = "category"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)


class Product(SQLModel, table=True):
    __tablename__ = "product"
    id: int | None = Field(default=None, primary_key=True)
    sku: str | None = Field(default=None, index=True, unique=True, max_length=200)
    code: str | None = Field(default=None, index=True, max_length=200)
    name: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_type=Text)
    unit: str = Field(default="piece", max_length=20)
    category_id: int | None = Field(default=None, foreign_key="category.id")
    created_at: datetime = _dt(default_factory=now)
    # the hub manages this product's stock even where no warehouse holds a level of it
    # (``hub stock manage SKU``): its listings are pushed, as 0 when no level exists
    stock_managed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class ProductLink(SQLModel, table=True):
    """Ties one account's listing (product or variant) to a hub product."""

    __tablename__ = "product_link"
    __table_args__ = (UniqueConstraint("account_id", "platform_product_id", "platform_variant_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    platform_product_id: str = Field(max_length=100)
    platform_variant_id: str = Field(default="", max_length=100)
    sku: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=500)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    # one "Unspecified" customer (orders without a buyer): created with ON CONFLICT on this
    __table_args__ = (Index("uq_customer_unspecified", "unspecified", unique=True,
                            sqlite_where=text("unspecified"), postgresql_where=text("unspecified")),)
    id: int | None = Field(default=None, primary_key=True)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, index=True, max_length=320)
    phone: str | None = Field(default=None, index=True, max_length=50)
    document: str | None = Field(default=None, max_length=50)
    """The buyer's tax document (CPF/CNPJ, CUIT, RFC...), digits and letters only."""
    address: dict[str, Any] | None = _json(default=None)
    unspecified: bool = False
    created_at: datetime = _dt(default_factory=now)


class CustomerLink(SQLModel, table=True):
    """A platform's own buyer id, for platforms that share no contact data (Mercado Libre)."""

    __tablename__ = "customer_link"
    platform: str = Field(primary_key=True, max_length=50)
    platform_customer_id: str = Field(primary_key=True, max_length=100)
    customer_id: int = Field(foreign_key="customer.id", index=True)


class Order(SQLModel, table=True):
    __tablename__ = "hub_order"
    __table_args__ = (UniqueConstraint("account_id", "platform_order_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    platform: str = Field(index=True, max_length=50)
    platform_order_id: str = Field(max_length=100)
    number: str | None = Field(default=None, max_length=100)
    status: str = Field(index=True, max_length=100)
    state: str = Field(default="ready", index=True, max_length=20)
    """The canonical :class:`hub.OrderState`; ``status`` is the platform's own word."""
    platform_created_at: datetime = _dt()
    platform_updated_at: datetime = _dt()
    currency: str = Field(max_length=3)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    subtotal: Decimal | None = _money(default=None)
    shipping_total: Decimal | None = _money(default=None)
    discount_total: Decimal | None = _money(default=None)
    tax_total: Decimal | None = _money(default=None)
    total: Decimal = _money()
    billing_address: dict[str, Any] | None = _json(default=None)
    shipping_address: dict[str, Any] | None = _json(default=None)
    delivery: str | None = Field(default=None, sa_type=Text)
    flags: list[str] | None = _json(default=None)
    raw: dict[str, Any] | None = _json(default=None)
    fingerprint: str = Field(max_length=64)
    stock_deducted_at: datetime | None = _dt(default=None)
    imported_at: datetime = _dt(default_factory=now)
    updated_at: datetime = _dt(default_factory=now, index=True)


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="hub_order.id", index=True)
    product_id: int | None = Field(default=None, foreign_key="product.id")
    platform_line_id: str | None = Field(default=None, max_length=100)
    sku: str | None = Field(default=None, max_length=200)
    name: str = Field(max_length=500)
    quantity: Decimal = _money()
    unit_price: Decimal = _money()
    total: Decimal | None = _money(default=None)
    tax: Decimal | None = _money(default=None)


class OrderEvent(SQLModel, table=True):
    """The order's event feed: created, updates, delivery comments, ignored changes."""

    __tablename__ = "order_event"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="hub_order.id", index=True)
    at: datetime = _dt(default_factory=now)
    kind: str = Field(max_length=30)
    message: str = Field(sa_type=Text)
    source: str | None = Field(default=None, max_length=20)
    """Who caused it: platform, cli, api, console, carrier or hub (see :data:`hub.lifecycle.SOURCES`)."""
    actor: str | None = Field(default=None, max_length=120)
    """The API caller behind it (``user:NAME`` or ``api_key:NAME``; see :mod:`hub.core.principals`)."""


class Warehouse(SQLModel, table=True):
    __tablename__ = "warehouse"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    platform_location: str | None = Field(default=None, max_length=100)


class StockLevel(SQLModel, table=True):
    __tablename__ = "stock_level"
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", primary_key=True)
    quantity: int = 0
    updated_at: datetime = _dt(default_factory=now)


class StockReservation(SQLModel, table=True):
    """What an imported order debited from its account's sales warehouse, once per product."""

    __tablename__ = "stock_reservation"
    order_id: int = Field(foreign_key="hub_order.id", primary_key=True)
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    quantity: int = 0


class Price(SQLModel, table=True):
    """A product's price; ``account_id`` 0 is the default for every account."""

    __tablename__ = "price"
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    account_id: int = Field(default=0, primary_key=True)
    currency: str = Field(max_length=3)
    regular: Decimal = _money()
    promotional: Decimal | None = _money(default=None)
    promo_from: datetime | None = _dt(default=None)
    promo_to: datetime | None = _dt(default=None)
    updated_at: datetime = _dt(default_factory=now)


class Shipment(SQLModel, table=True):
    __tablename__ = "shipment"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="hub_order.id", index=True)
    carrier: str = Field(max_length=100)
    tracking_number: str = Field(max_length=200)
    tracking_url: str | None = Field(default=None, max_length=1000)
    invoice_number: str | None = Field(default=None, max_length=100)
    invoice_key: str | None = Field(default=None, max_length=200)
    invoice_date: datetime | None = _dt(default=None)
    invoice_value: Decimal | None = _money(default=None)
    created_at: datetime = _dt(default_factory=now)
    status: str | None = Field(default=None, index=True, max_length=20)
    """The latest :class:`hub.TrackingStatus` a carrier reported (None: not tracked yet)."""
    status_at: datetime | None = _dt(default=None)
    checked_at: datetime | None = _dt(default=None)
    """When a carrier account last asked about it."""


class OutboxItem(SQLModel, table=True):
    """A pending write to a platform, coalesced per (account, kind, key): the latest value wins.

    After the platform accepts it the row stays ``done`` with ``accepted`` holding
    the value, so an unchanged value is never queued again.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("account_id", "kind", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=20)
    key: str = Field(max_length=200)
    payload: dict[str, Any] | None = _json(default=None)
    accepted: dict[str, Any] | None = _json(default=None)
    status: str = Field(default="pending", index=True, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = _dt(default=None)
    last_error: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime = _dt(default_factory=now)


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    flow: str = Field(max_length=30)
    trigger: str = Field(default="manual", max_length=30)
    status: str = Field(default="running", max_length=20)
    started_at: datetime = _dt(default_factory=now)
    finished_at: datetime | None = _dt(default=None)
    counts: dict[str, Any] | None = _json(default=None)
    error: str | None = Field(default=None, sa_type=Text)
    actor: str | None = Field(default=None, max_length=120)
    """The API caller who started it (``user:NAME`` or ``api_key:NAME``), None for the rest."""


class RunItem(SQLModel, table=True):
    """One record's outcome in a run: imported, updated, skipped, quarantined, pushed, failed."""

    __tablename__ = "run_item"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="sync_run.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    key: str = Field(max_length=200)
    outcome: str = Field(max_length=20, index=True)
    reason: str | None = Field(default=None, sa_type=Text)
    payload: dict[str, Any] | None = _json(default=None)
    resolved: bool = False
    at: datetime = _dt(default_factory=now)


class InboundEvent(SQLModel, table=True):
    """A verified webhook, stored before it is acknowledged and processed from here."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("account_id", "dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    topic: str = Field(max_length=100)
    dedupe_key: str | None = Field(default=None, max_length=200)
    headers: dict[str, str] | None = _json(default=None)
    body: str = Field(sa_type=Text)
    status: str = Field(default="pending", index=True, max_length=20)
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    received_at: datetime = _dt(default_factory=now)
    processed_at: datetime | None = _dt(default=None)


class Lease(SQLModel, table=True):
    """A named lock with an expiry, shared by every process using the database."""

    __tablename__ = "lease"
    name: str = Field(primary_key=True, max_length=200)
    holder: str = Field(max_length=100)
    expires_at: datetime = _dt()


class WebhookSubscription(SQLModel, table=True):
    """An outbound webhook: order events of one account POSTed, signed, to a subscriber's URL.

    The signing secret is stored encrypted (``secret_enc``). After
    ``consecutive_failures`` reaches the limit the subscription is disabled with
    ``disabled_reason``; its queued deliveries wait until it is enabled again.
    """

    __tablename__ = "webhook_subscription"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    events: list[str] | None = _json(default=None)
    secret_enc: str = Field(sa_type=Text)
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, sa_type=Text)
    consecutive_failures: int = 0
    last_delivery_at: datetime | None = _dt(default=None)
    created_at: datetime = _dt(default_factory=now)
    updated_at: datetime = _dt(default_factory=now)


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription, queued in the transaction that committed the order.

    ``body`` is the exact JSON that is signed and sent, frozen at commit time;
    ``delivery_id`` is sent as ``X-Hub-Delivery`` and stays the same on every
    retry so receivers can drop repeats. ``order_id`` is the hub order's id (no
    foreign key: deleting the hub's copy of an order keeps its delivery history).
    """

    __tablename__ = "webhook_delivery"
    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscription.id", index=True,
                                 ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=50)
    order_id: int = Field(index=True)
    delivery_id: str = Field(unique=True, max_length=64)
    body: str = Field(sa_type=Text)
    status: str = Field(default="pending", index=True, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = _dt(default_factory=now)
    last_status: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _dt(default_factory=now)
    delivered_at: datetime | None = _dt(default=None)


class ApiKey(SQLModel, table=True):
    """A back-office API key: only its SHA-256 hash is stored; the key is shown once."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    key_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=20)
    created_at: datetime = _dt(default_factory=now)
    last_used_at: datetime | None = _dt(default=None)
    revoked_at: datetime | None = _dt(default=None)
    role: str = Field(default="admin", max_length=20)
    """admin, operator or viewer (see :class:`hub.core.principals.Role`)."""


# tables of their own concern, in their own modules (imported so that metadata holds them)
from hub.core.storage import catalogue as _catalogue  # noqa: E402,F401
from hub.core.storage import tickets as _tickets  # noqa: E402,F401
from hub.core.storage.connections import OrderLink, OrderTerms  # noqa: E402,F401
from hub.core.storage.console import ConsoleSession  # noqa: E402,F401
from hub.core.storage.invoices import Invoice  # noqa: E402,F401
from hub.core.storage.schedule import JobMark as JobMark  # noqa: E402
from hub.core.storage.tracking import ShipmentEvent  # noqa: E402,F401
from hub.core.storage.users import HubUser  # noqa: E402,F401
