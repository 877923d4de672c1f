"""How the sandbox store writes dates and money, like the REST API does."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

STORE_TZ = timezone(timedelta(hours=-3))
"""The sandbox store's timezone (non-UTC on purpose: ``date_*`` and ``date_*_gmt`` differ)."""

CENT = Decimal("0.01")


def wc_date(when: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` without offset, as the API writes every date."""
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def local(when: datetime) -> datetime:
    """An aware datetime in the store's timezone."""
    return when.astimezone(STORE_TZ)


def dates(when: datetime) -> tuple[str, str]:
    """(store-local, GMT) strings for one instant."""
    return wc_date(local(when)), wc_date(when.astimezone(UTC))


@functools.lru_cache(maxsize=65536)
def parse_gmt(value: str) -> datetime:
    """A ``*_gmt`` string back to an aware UTC datetime."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def cents(value: Decimal) -> Decimal:
    """Rounded to cents, half up (WooCommerce's default rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """Money as the API sends it: a string with two decimals."""
    return f"{cents(value):.2f}"
