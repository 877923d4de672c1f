"""The hub's tables.

The account is the tenant key of every synced record: orders, cursors, platform
links, outbox items, runs, leases and outbound webhook subscriptions carry
``account_id``. API keys belong to the hub, not to an account. The catalogue
(products, categories), contacts (customers), warehouses and stock levels are
the back office's own and are shared by every channel.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Index, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import dt_field as _dt
from hub.core.storage.columns import json_field as _json
from hub.core.storage.columns import money_field as _money
from hub.core.storage.columns import now


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


class Warehouse(SQLModel, table=True):
    __tablename__ = "warehouse"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    platform_location: str | None = Field(default=None, max_length=100)


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
    # one "Unspecified" customer (orders without a buyer): created with ON CONFLICT on the
    # partial unique index uq_customer_unspecified (see _declare_partial_indexes)
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


class Lease(SQLModel, table=True):
    """A named lock with an expiry, shared by every process using the database."""

    __tablename__ = "lease"
    name: str = Field(primary_key=True, max_length=200)
    holder: str = Field(max_length=100)
    expires_at: datetime = _dt()


# --- the other tables: in modules of their own concern, loaded on first use ------------------
# Building a table class (pydantic's model and SQLAlchemy's mapping) costs about 2 ms; a
# ``hub orders import`` that brings nothing new reads only the tables above, and building the
# other twenty-seven was a fifth of its CPU (issue 17). ``from hub.core.storage.models import
# StockLevel`` still works: the name is looked up in _LAZY and its module imported then.
# A foreign key names a table that must be in the metadata when a session flushes: the
# tables above include every table they refer to, and a lazily loaded module imports the
# lazily loaded tables it refers to. Whatever needs every table in ``SQLModel.metadata``
# (migrations, dumps) calls load_all().
_LAZY = {
    "AccountWarehouse": "stock", "StockLevel": "stock",
    "StockReservation": "stock", "Price": "stock",
    "OrderLine": "order_details", "OrderEvent": "order_details",
    "Shipment": "shipments", "OutboxItem": "outbox",
    "InboundEvent": "webhooks", "WebhookSubscription": "webhooks", "WebhookDelivery": "webhooks",
    "ApiKey": "apikeys", "OrderLink": "connections", "OrderTerms": "connections",
    "ConsoleSession": "console", "Invoice": "invoices", "JobMark": "schedule",
    "ShipmentEvent": "tracking", "HubUser": "users",
}
#: modules of tables that no name above leads to (imported by their users directly)
_OTHER_TABLE_MODULES = ("catalogue", "tickets")

if TYPE_CHECKING:
    from hub.core.storage.apikeys import ApiKey as ApiKey
    from hub.core.storage.connections import OrderLink as OrderLink
    from hub.core.storage.connections import OrderTerms as OrderTerms
    from hub.core.storage.console import ConsoleSession as ConsoleSession
    from hub.core.storage.invoices import Invoice as Invoice
    from hub.core.storage.order_details import OrderEvent as OrderEvent
    from hub.core.storage.order_details import OrderLine as OrderLine
    from hub.core.storage.outbox import OutboxItem as OutboxItem
    from hub.core.storage.schedule import JobMark as JobMark
    from hub.core.storage.shipments import Shipment as Shipment
    from hub.core.storage.stock import AccountWarehouse as AccountWarehouse
    from hub.core.storage.stock import Price as Price
    from hub.core.storage.stock import StockLevel as StockLevel
    from hub.core.storage.stock import StockReservation as StockReservation
    from hub.core.storage.tracking import ShipmentEvent as ShipmentEvent
    from hub.core.storage.users import HubUser as HubUser
    from hub.core.storage.webhooks import InboundEvent as InboundEvent
    from hub.core.storage.webhooks import WebhookDelivery as WebhookDelivery
    from hub.core.storage.webhooks import WebhookSubscription as WebhookSubscription


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hub.core.storage.{module}"), name)
    globals()[name] = value  # the next lookup is a plain one
    return value


def load_all() -> None:
    """Import every table module, so that ``SQLModel.metadata`` holds all the hub's tables
    and their indexes."""
    for module in sorted({*_LAZY.values(), *_OTHER_TABLE_MODULES}):
        importlib.import_module(f"hub.core.storage.{module}")
    _declare_partial_indexes()


def _declare_partial_indexes() -> None:
    """Add the partial indexes to the metadata (once).

    A partial index's predicate is a dialect option (``sqlite_where``,
    ``postgresql_where``), and declaring one makes SQLAlchemy import both dialects to
    check the option names: on the ``customer`` table that cost every command that reads
    customers ~20 ms for the PostgreSQL dialect, even on SQLite (issue 17). Nothing at run
    time reads the declaration (migration 0014 creates the index; ``ON CONFLICT`` names
    its columns and predicate, see :data:`hub.core.sync.catalog.UNSPECIFIED_WHERE`), only
    what compares or creates the schema from the metadata, which calls :func:`load_all`.
    """
    table = Customer.__table__  # type: ignore[attr-defined]
    if not any(index.name == "uq_customer_unspecified" for index in table.indexes):
        Index("uq_customer_unspecified", table.c.unspecified, unique=True,
              sqlite_where=text("unspecified"), postgresql_where=text("unspecified"))
