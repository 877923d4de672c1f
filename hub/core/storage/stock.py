"""Tables of the back office's stock: levels per warehouse, the imported orders' reservations,
prices, and the warehouses that feed each account (:class:`~.models.Warehouse` itself stays
in :mod:`~.models`: the account's sales warehouse refers to it).

Loaded on first use through :mod:`hub.core.storage.models` (see its ``__getattr__``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from hub.core.storage.columns import dt_field as _dt
from hub.core.storage.columns import money_field as _money
from hub.core.storage.columns import now


class AccountWarehouse(SQLModel, table=True):
    """The warehouses whose stock feeds an account (the pushed quantity is their sum)."""

    __tablename__ = "account_warehouse"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", primary_key=True)


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
