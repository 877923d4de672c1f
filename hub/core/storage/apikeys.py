"""Back-office API keys (hashed).

Loaded on first use through :mod:`hub.core.storage.models` (see its ``__getattr__``).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.core.storage.columns import dt_field as _dt
from hub.core.storage.columns import now


class ApiKey(SQLModel, table=True):
    """A back-office API key: only its SHA-256 hash is stored; the key is shown once."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    key_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=20)
    created_at: datetime = _dt(default_factory=now)
    last_used_at: datetime | None = _dt(default=None)
    revoked_at: datetime | None = _dt(default=None)
    role: str = Field(default="admin", max_length=20)
    """admin, operator or viewer (see :class:`hub.core.principals.Role`)."""
