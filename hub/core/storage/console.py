"""Console sign-ins: one row per browser session, so that signing out really ends it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.core.storage.columns import UTCDateTime, now


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser: the SHA-256 of its cookie's token (never the token), who signed in,
    the CSRF token its forms carry, and when it ends."""

    __tablename__ = "console_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=20)
    """``user`` or ``api_key``: whose role is checked again on every request."""
    name: str = Field(max_length=100)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=now)
    seen_at: datetime = Field(sa_type=UTCDateTime, default_factory=now)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
