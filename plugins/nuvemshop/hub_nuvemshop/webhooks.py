"""Inbound webhooks: the signature, and what a delivery names.

Tiendanube signs each delivery with ``X-Linkedstore-Hmac-Sha256``: the hex
HMAC-SHA256 of the raw body keyed by the app's secret (``client_secret``). The
body only names what changed (``store_id``, ``event``, ``id``), so an order
event becomes :class:`hub.WebhookEvent` ``order_id``: the core re-fetches the
order, and a repeated delivery re-reads the same order and changes nothing.
A delivery for another store is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from hub import Account, DataError, WebhookEvent, header, register_secret, verify_hmac
from hub_nuvemshop.client import store_id

SIGNATURE = "X-Linkedstore-Hmac-Sha256"
ORDER_EVENTS = frozenset({"order/created", "order/updated", "order/paid", "order/packed",
                          "order/fulfilled", "order/cancelled"})


def secret(account: Account) -> str | None:
    """The app's secret, which signs deliveries."""
    value = account.setting("client_secret")
    if not value:
        return None
    register_secret(value)
    return value


def verify(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the body carries the app's signature (False without a secret or a header)."""
    key = secret(account)
    signature = header(headers, SIGNATURE)
    if not key or not signature:
        return False
    return verify_hmac(key, body, signature.strip().lower(), encoding="hex")


def parse(account: Account, body: bytes) -> WebhookEvent:
    """An order event names the order to re-fetch; other events are ignored."""
    try:
        data = json.loads(body)
    except ValueError:
        raise DataError("Tiendanube webhook: the body is not JSON") from None
    if not isinstance(data, dict):
        raise DataError("Tiendanube webhook: the body is not an object")
    event = str(data.get("event") or "unknown")
    if str(data.get("store_id")) != store_id(account):
        raise DataError(f"Tiendanube webhook {event}: for store {data.get('store_id')}, "
                        f"not this account's")
    if event not in ORDER_EVENTS:
        return WebhookEvent(topic=event, ignore=True)
    order_id = data.get("id")
    if order_id in (None, ""):
        raise DataError(f"Tiendanube webhook {event}: no order id")
    return WebhookEvent(topic=event, order_id=str(order_id))
