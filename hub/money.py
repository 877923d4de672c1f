"""Exact parsing helpers for platform values: money strings, integer cents, datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.errors import DataError


def parse_decimal(value: Any, *, field: str = "amount") -> Decimal:
    """Parse a platform money/quantity value exactly. Floats go through ``str`` (their shortest repr).

    Empty strings and ``None`` are zero; anything else that is not a number raises
    :class:`hub.DataError` naming ``field``.
    """
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise DataError(f"{field}: expected a number, got {value!r}")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise DataError(f"{field}: '{value}' is not a number") from None


def cents_to_decimal(value: Any, *, field: str = "amount", exponent: int = 2) -> Decimal:
    """Integer minor units (cents) to an exact Decimal: ``1990`` -> ``Decimal('19.90')``."""
    if isinstance(value, float) and not value.is_integer():
        raise DataError(f"{field}: expected integer cents, got {value!r}")
    try:
        return Decimal(int(value)).scaleb(-exponent)
    except (TypeError, ValueError):
        raise DataError(f"{field}: expected integer cents, got {value!r}") from None


def parse_datetime(value: Any, *, field: str = "date", assume_utc: bool = False) -> datetime:
    """Parse an ISO 8601 datetime into an aware UTC datetime.

    A value without an offset is rejected unless ``assume_utc`` (for fields the
    platform documents as GMT, such as WooCommerce's ``*_gmt``).
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise DataError(f"{field}: '{value}' is not an ISO 8601 datetime") from None
    else:
        raise DataError(f"{field}: missing datetime")
    if parsed.tzinfo is None:
        if not assume_utc:
            raise DataError(f"{field}: '{value}' has no timezone")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# ISO 4217 currencies whose minor unit is not 2 digits; every other code shows 2 decimals.
_EXPONENTS = {**dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                               "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
              **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3)}


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (ISO 4217 minor unit): 2 unless known otherwise."""
    return _EXPONENTS.get(currency.upper(), 2)


def format_money(amount: Any, currency: str | None = None) -> str:
    """``amount`` with its currency's decimals and its code: ``6999`` USD -> ``6999.00 USD``.

    The one formatter for money the CLI prints. ``None`` prints ``-``; a value that is
    not a number prints as given.
    """
    if amount is None:
        return "-"
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        text = f"{value:.{currency_exponent(currency or '')}f}"
    except (InvalidOperation, ValueError):
        text = str(amount)
    return f"{text} {currency}" if currency else text
