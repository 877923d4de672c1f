"""Inbound webhooks: signature check and meaning.

WooCommerce signs each delivery with ``X-WC-Webhook-Signature`` = base64
HMAC-SHA256 of the raw body, keyed by the webhook's secret. On activation it
sends an unsigned ping (form body ``webhook_id=N``, no ``X-WC-*`` headers)
and reports an error in the store's admin unless the answer is exactly 200,
so the ping is accepted: it carries no data and is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from hub import Account, DataError, WebhookEvent, header, register_secret, verify_hmac

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
DELETED_TOPIC = "order.deleted"
PING = re.compile(rb"webhook_id=\d{1,20}")


def secret(account: Account) -> str | None:
    """The webhook secret: the ``webhook_secret`` setting, else a stored credential."""
    value = account.setting("webhook_secret") or account.credentials.get("webhook_secret")
    if not value:
        return None
    register_secret(str(value))
    return str(value)


def is_ping(headers: Mapping[str, str], body: bytes) -> bool:
    """The activation ping: ``webhook_id=N`` and neither a topic nor a signature."""
    return (PING.fullmatch(body) is not None and header(headers, "X-WC-Webhook-Topic") is None
            and header(headers, "X-WC-Webhook-Signature") is None)


def verify(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the body carries a valid signature (False without a secret or a header).

    The unsigned activation ping passes (it means nothing and is ignored), so
    the store's admin can save the webhook.
    """
    key = secret(account)
    if key and is_ping(headers, body):
        return True
    signature = header(headers, "X-WC-Webhook-Signature")
    if not key or not signature:
        return False
    return verify_hmac(key, body, signature)


def parse(headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """What a verified delivery means.

    ``order.created``/``updated``/``restored`` carry the order (parsed as is);
    ``order.deleted`` names the order to re-fetch; anything else, and the
    activation ping, is ignored.
    """
    topic = header(headers, "X-WC-Webhook-Topic") or ""
    delivery = header(headers, "X-WC-Webhook-Delivery-ID")
    if is_ping(headers, body):
        return WebhookEvent(topic="ping", ignore=True)
    if topic not in ORDER_TOPICS and topic != DELETED_TOPIC:
        return WebhookEvent(topic=topic or "unknown", ignore=True, dedupe_key=delivery)
    try:
        data = json.loads(body)
    except ValueError:
        raise DataError(f"WooCommerce webhook {topic}: the body is not JSON") from None
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise DataError(f"WooCommerce webhook {topic}: the body is not an order")
    if topic == DELETED_TOPIC:
        return WebhookEvent(topic=topic, order_id=str(data["id"]), dedupe_key=delivery)
    return WebhookEvent(topic=topic, payload=data, dedupe_key=delivery)
