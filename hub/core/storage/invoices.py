"""Invoices as their own record: one row per invoice of an order.

An order may have several invoices (each covering some of its lines), and each is
corrected or cancelled in place: its row keeps the latest number, key, value and
document, ``status`` says whether it is ``active`` or ``cancelled``, and
``platform_ids`` keeps what the platform answered to its pushes (a fiscal
document id to replace or delete). Shipments name the invoice they travel with
by its number; they no longer create one of their own.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, Session, SQLModel

from hub.core.storage.columns import DecimalString, UTCDateTime, now

ACTIVE = "active"
CANCELLED = "cancelled"


class Invoice(SQLModel, table=True):
    __tablename__ = "invoice"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="hub_order.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    number: str = Field(max_length=60)
    series: str | None = Field(default=None, max_length=10)
    key: str | None = Field(default=None, max_length=100, index=True)
    """The access key (Brazil's 44-digit NF-e key) or another country's invoice id."""
    issued_at: datetime = Field(sa_type=UTCDateTime)
    value: Decimal = Field(sa_type=DecimalString)
    currency: str = Field(max_length=3)
    url: str | None = Field(default=None, max_length=1000)
    xml: str | None = Field(default=None, sa_type=Text)
    """The authorised document exactly as received (NF-e ``nfeProc``), or None."""
    lines: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The order lines it covers: ``{"line_id", "platform_line_id", "sku", "quantity"}``."""
    partial: bool = False
    status: str = Field(default=ACTIVE, max_length=20, index=True)
    source: str = Field(default="manual", max_length=20)
    """``nfe`` (read from an NF-e XML), ``manual`` (number and value given) or ``shipment``."""
    platform_ids: dict[str, str] | None = Field(default=None,
                                                sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=now)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=now)


def remember_ids(s: Session, invoice_id: str, ids: dict[str, str]) -> None:
    """Keep what the platform answered to an accepted push of invoice ``invoice_id``."""
    invoice = s.get(Invoice, int(invoice_id)) if invoice_id.isdigit() else None
    if invoice is not None and ids:
        invoice.platform_ids = {**(invoice.platform_ids or {}), **ids}
        s.add(invoice)
