"""The platform's clock: the ``Date`` header of its answers.

Cursors and checkpoints are taken on the platform's clock, never the hub's,
which may run ahead of the store's.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import httpx


def platform_time(response: httpx.Response) -> datetime | None:
    """The platform's clock when it answered (its ``Date`` header, UTC), or None."""
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
