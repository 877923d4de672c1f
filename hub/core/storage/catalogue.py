"""Tables of the catalogue going out to channels and coming back from them.

* :class:`ProductDetail`: what a listing needs beyond :class:`~.models.Product`
  (barcode, brand, weight and dimensions, images, attributes), the parent of a
  variant, whether the product is published to every channel, and when each
  field last changed (the newer change wins, field by field);
* :class:`CategoryMapping`: an account's platform category for a hub category
  (``hub categories map``);
* :class:`FlowSwitch`: the ``products`` and ``contacts`` flows, off until switched on;
* :class:`ContactLink`: a hub customer's id on one account;
* :class:`CatalogueEvent`: the feed of what changed a product or a contact, and from where.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import DecimalString, UTCDateTime, now


class ProductDetail(SQLModel, table=True):
    __tablename__ = "product_detail"
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="product.id", index=True)
    barcode: str | None = Field(default=None, max_length=14)
    brand: str | None = Field(default=None, max_length=200)
    weight: Decimal | None = Field(default=None, sa_type=DecimalString)
    length: Decimal | None = Field(default=None, sa_type=DecimalString)
    width: Decimal | None = Field(default=None, sa_type=DecimalString)
    height: Decimal | None = Field(default=None, sa_type=DecimalString)
    images: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attributes: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # published to every account with the products flow on (else only to accounts it is linked to)
    publish: bool = True
    # field -> ISO time of its last change, for "the newer change wins" per field
    field_times: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=now, sa_type=UTCDateTime)


class CategoryMapping(SQLModel, table=True):
    __tablename__ = "category_mapping"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    category_id: int = Field(foreign_key="category.id", primary_key=True)
    platform_category: str = Field(max_length=100)


class FlowSwitch(SQLModel, table=True):
    __tablename__ = "flow_switch"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    flow: str = Field(primary_key=True, max_length=30)
    on: bool = False


class ContactLink(SQLModel, table=True):
    __tablename__ = "contact_link"
    __table_args__ = (UniqueConstraint("account_id", "platform_customer_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    platform_customer_id: str = Field(max_length=100)


class CatalogueEvent(SQLModel, table=True):
    __tablename__ = "catalogue_event"
    id: int | None = Field(default=None, primary_key=True)
    product_id: int | None = Field(default=None, foreign_key="product.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    at: datetime = Field(default_factory=now, sa_type=UTCDateTime)
    kind: str = Field(max_length=30)
    message: str = Field(sa_type=Text)
    changes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
