"""Reading a platform's JSON answers and webhook headers, once for every plugin.

Each helper raises :class:`hub.DataError` (the core quarantines that one record
and goes on) when the body is not what the caller expects, naming ``what`` was
read and the host that answered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx

from hub.errors import DataError


def json_body(response: httpx.Response, what: str) -> Any:
    """The response's JSON (numbers stay JSON numbers: read money with ``hub.parse_decimal``)."""
    try:
        return json.loads(response.content)
    except ValueError:
        raise DataError(f"{what}: {_source(response)} answered with something not JSON "
                        f"(HTTP {response.status_code})") from None


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    """The response's body as a JSON object; DataError otherwise."""
    data = json_body(response, what)
    if not isinstance(data, dict):
        raise DataError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def json_list(response: httpx.Response, what: str) -> list[Any]:
    """The response's body as a JSON list; DataError otherwise."""
    data = json_body(response, what)
    if not isinstance(data, list):
        raise DataError(f"{what}: expected a JSON list, got {type(data).__name__}")
    return data


def json_objects(response: httpx.Response, what: str) -> list[dict[str, Any]]:
    """The response's body as a JSON list of objects; DataError otherwise."""
    data = json_body(response, what)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise DataError(f"{what}: expected a JSON list of objects, got {type(data).__name__}")
    return data


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value whatever the case of its name (webhook frameworks differ); None if absent."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _source(response: httpx.Response) -> str:
    try:
        return response.request.url.host or "the platform"
    except RuntimeError:  # a response built without a request (tests)
        return "the platform"


def _exact_number(value: Any) -> Any:
    """``json.dumps`` default: a Decimal as a JSON number, refusing one a float would change."""
    if isinstance(value, Decimal):
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise DataError(f"amount {value} cannot be sent as an exact JSON number")
        return as_float
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_dumps(body: Any) -> bytes:
    """Compact JSON for a request body, Decimal amounts written as exact JSON numbers.

    For APIs that take money as numbers (VTEX's Pricing API, SkyHub's products):
    an amount a float cannot hold exactly raises :class:`hub.DataError` rather than
    being rounded on the wire.
    """
    return json.dumps(body, default=_exact_number, separators=(",", ":")).encode()
