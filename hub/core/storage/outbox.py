"""The outbox: writes waiting for a platform (stock, prices, tracking, states...).

Loaded on first use through :mod:`hub.core.storage.models` (see its ``__getattr__``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.core.storage.columns import dt_field as _dt
from hub.core.storage.columns import json_field as _json
from hub.core.storage.columns import now


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
