"""Webhooks: the platforms' verified inbound events, and the hub's outbound subscriptions
and their deliveries.

Loaded on first use through :mod:`hub.core.storage.models` (see its ``__getattr__``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import dt_field as _dt
from hub.core.storage.columns import json_field as _json
from hub.core.storage.columns import now


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
