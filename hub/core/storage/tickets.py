"""Support tickets (SAC): questions, post-sale messages and claims downloaded from a channel.

A :class:`Ticket` row exists only for a ticket the hub downloaded from its
channel (``downloaded_at``): replies go only to those (the seed's rule). Each
ticket is kept once per (account, platform ticket id); its conversation is one
:class:`TicketMessage` row per platform message, and every reply the hub tried
to send is a :class:`TicketReply` row with its outcome and the platform's reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import UTCDateTime, now


def _dt(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (UniqueConstraint("account_id", "platform_ticket_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    platform: str = Field(max_length=50)
    platform_ticket_id: str = Field(max_length=100)
    kind: str = Field(index=True, max_length=20)
    status: str = Field(index=True, max_length=20)
    order_ref: str | None = Field(default=None, index=True, max_length=100)
    """The platform order id the ticket is about (when it has one)."""
    buyer_id: str | None = Field(default=None, max_length=100)
    buyer_name: str | None = Field(default=None, max_length=200)
    subject: str | None = Field(default=None, sa_type=Text)
    stage: str | None = Field(default=None, max_length=50)
    deadline: datetime | None = _dt(default=None, index=True)
    can_reply: bool = True
    platform_created_at: datetime = _dt()
    platform_updated_at: datetime = _dt()
    waiting_since: datetime | None = _dt(default=None)
    """When the buyer's oldest message the seller has not answered was sent (None: nothing waits)."""
    fingerprint: str = Field(max_length=64)
    raw: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    downloaded_at: datetime = _dt(default_factory=now)
    updated_at: datetime = _dt(default_factory=now)


class TicketMessage(SQLModel, table=True):
    __tablename__ = "ticket_message"
    __table_args__ = (UniqueConstraint("ticket_id", "platform_message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    platform_message_id: str = Field(max_length=100)
    author: str = Field(max_length=20)
    at: datetime = _dt()
    text: str = Field(sa_type=Text)
    attachments: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str | None = Field(default=None, max_length=30)


class TicketReply(SQLModel, table=True):
    """A reply the hub was asked to send: ``sent`` (confirmed by reading the ticket back),
    ``refused`` (by the hub's rules or the platform, with the reason) or ``failed`` (retriable)."""

    __tablename__ = "ticket_reply"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", index=True)
    text: str = Field(sa_type=Text)
    status: str = Field(max_length=20)
    error: str | None = Field(default=None, sa_type=Text)
    source: str = Field(default="cli", max_length=20)
    created_at: datetime = _dt(default_factory=now)
