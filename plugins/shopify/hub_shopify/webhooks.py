"""Inbound webhooks: signature, shop and meaning.

Shopify signs each delivery with ``X-Shopify-Hmac-Sha256`` = base64
HMAC-SHA256 of the raw body keyed by the app's client secret (or, for webhooks
made in the shop admin, the secret shown there: setting ``webhook_secret``).
Retries of one delivery keep its ``X-Shopify-Webhook-Id``, the dedupe key.

Topics ``orders/create``, ``orders/updated``, ``orders/paid``,
``orders/cancelled``, ``orders/fulfilled`` and ``orders/partially_fulfilled``
carry the order (REST-shaped), parsed like a GraphQL node; ``orders/edited``
and ``orders/delete`` name an order to re-fetch. Everything else (including
the mandatory ``customers/*`` and ``shop/redact`` compliance topics, which the
hub answers 200 and keeps no copy of) is acknowledged and ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hub import Account, DataError, WebhookEvent, header, verify_hmac
from hub_shopify.client import shop_domain
from hub_shopify.ids import legacy_id

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/cancelled",
                          "orders/fulfilled", "orders/partially_fulfilled"})
REFETCH_TOPICS = frozenset({"orders/edited", "orders/delete"})


def _object_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def secret(account: Account) -> str | None:
    """The signing secret: ``webhook_secret``, else ``client_secret``."""
    return account.setting("webhook_secret") or account.setting("client_secret")


def verify(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """A valid signature over the raw body, from this account's shop.

    Shopify signs the body with the app's secret, which every shop that installed the app
    shares, and names the shop in ``X-Shopify-Shop-Domain`` on every delivery: a delivery
    without it, or for another shop, is refused, so one shop's orders never land on another
    shop's account.
    """
    key = secret(account)
    if not key or not verify_hmac(key, body, header(headers, "X-Shopify-Hmac-Sha256")):
        return False
    shop = header(headers, "X-Shopify-Shop-Domain")
    return shop is not None and shop.strip().lower() == shop_domain(account)


def parse(headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """What a verified delivery means (see the module docstring)."""
    topic = (header(headers, "X-Shopify-Topic") or "").strip()
    dedupe = header(headers, "X-Shopify-Webhook-Id")
    if topic not in ORDER_TOPICS and topic not in REFETCH_TOPICS:
        return WebhookEvent(topic=topic or "unknown", ignore=True, dedupe_key=dedupe)
    try:
        data = json.loads(body)
    except ValueError:
        raise DataError(f"Shopify webhook {topic}: the body is not JSON") from None
    if not isinstance(data, dict):
        raise DataError(f"Shopify webhook {topic}: the body is not an object")
    if topic == "orders/edited":
        edit = _object_of(data.get("order_edit"))
        order_id = legacy_id(edit.get("order_id"))
    else:
        order_id = legacy_id(data.get("admin_graphql_api_id")) or legacy_id(data.get("id"))
    if not order_id:
        raise DataError(f"Shopify webhook {topic}: the body names no order")
    if topic in REFETCH_TOPICS:
        return WebhookEvent(topic=topic, order_id=order_id, dedupe_key=dedupe)
    return WebhookEvent(topic=topic, payload=data, dedupe_key=dedupe)
