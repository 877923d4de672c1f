"""The hub's shipments of its orders (carrier, tracking number, invoice, tracked status).

Loaded on first use through :mod:`hub.core.storage.models` (see its ``__getattr__``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from hub.core.storage.columns import dt_field as _dt
from hub.core.storage.columns import money_field as _money
from hub.core.storage.columns import now


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
