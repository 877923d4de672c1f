"""Carriers' tracking events of the hub's shipments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import UTCDateTime, now
from hub.core.storage.shipments import Shipment as Shipment  # the table its events refer to


class ShipmentEvent(SQLModel, table=True):
    """One carrier event of a shipment, stored once per (shipment, carrier code, time)."""

    __tablename__ = "shipment_event"
    __table_args__ = (UniqueConstraint("shipment_id", "code", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipment.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    """The carrier account that reported it."""
    at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=20)
    code: str = Field(max_length=50)
    text: str = Field(sa_type=Text)
    location: str | None = Field(default=None, max_length=200)
    recorded_at: datetime = Field(sa_type=UTCDateTime, default_factory=now)
