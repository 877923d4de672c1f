"""An order's lines and its event feed: written when an order is created or updated, read by
``orders show`` and the API; a run that brings nothing new never loads them.

Loaded on first use through :mod:`hub.core.storage.models` (see its ``__getattr__``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import dt_field as _dt
from hub.core.storage.columns import money_field as _money
from hub.core.storage.columns import now


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
