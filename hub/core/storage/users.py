"""People who sign in to the hub (the console), each with a role; see :mod:`hub.core.principals`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.core.storage.columns import UTCDateTime, now


class HubUser(SQLModel, table=True):
    """A user: name, role and a salted scrypt hash of the password (never the password)."""

    __tablename__ = "hub_user"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    role: str = Field(default="viewer", max_length=20)
    """admin, operator or viewer (see :class:`hub.core.principals.Role`)."""
    password_hash: str = Field(max_length=300)
    """``scrypt$n$r$p$salt$hash`` (base64 salt and hash): the parameters travel with it."""
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=now)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
