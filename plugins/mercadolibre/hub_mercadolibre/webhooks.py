"""Notifications: whose they are, and what to re-fetch.

Mercado Libre POSTs ``{"_id", "resource": "/orders/2000001234", "user_id",
"topic": "orders_v2", "application_id", "attempts", "sent", "received"}`` to the
app's callback URL. It signs nothing, so a notification only ever makes the
hub re-fetch the named order from the API (which a forger cannot fake); the
checks here just drop what is not for this account: the ``user_id`` must be
the connected seller, the ``application_id`` the account's app, and, when the
account sets ``notification_secret``, the request must carry it in the
``X-Hub-Notification-Secret`` header (Mercado Libre cannot add headers: put
the secret in the callback URL and have the proxy in front of the hub copy it,
e.g. nginx ``proxy_set_header X-Hub-Notification-Secret $arg_secret;``).
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from hub import Account, DataError, WebhookEvent, header

SECRET_HEADER = "X-Hub-Notification-Secret"
ORDER_TOPICS = frozenset({"orders_v2", "orders"})
SHIPMENT_TOPIC = "shipments"
ORDER_RESOURCE = re.compile(r"^/orders/(\d+)(?:$|[/?])")
SHIPMENT_RESOURCE = re.compile(r"^/shipments/(\d+)(?:$|[/?])")
QUESTION_RESOURCE = re.compile(r"^/questions/(\d+)(?:$|[/?])")
CLAIM_RESOURCE = re.compile(r"/claims/(\d+)(?:$|[/?])")
MESSAGE_RESOURCE = re.compile(r"^(?:/messages/)?([\w-]+)$")


def ticket_of(topic: str, resource: str) -> str | None:
    """The ticket a ``questions``, ``messages`` or ``claims`` notification names, or None."""
    if topic == "questions" and (match := QUESTION_RESOURCE.match(resource)):
        return f"question:{match.group(1)}"
    if topic in ("claims", "post_purchase") and (match := CLAIM_RESOURCE.search(resource)):
        return f"claim:{match.group(1)}"
    if topic == "messages" and (match := MESSAGE_RESOURCE.match(resource)):
        return f"message:{match.group(1)}"
    return None


def _body(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def verify(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the notification is for this account's seller and app (and carries the secret)."""
    data = _body(body)
    seller = account.credentials.get("seller_id")
    if data is None or not seller or str(data.get("user_id")) != str(seller):
        return False
    app = account.setting("client_id")
    if data.get("application_id") not in (None, "") and app and str(data["application_id"]) != app:
        return False
    secret = account.setting("notification_secret")
    if secret:
        presented = header(headers, SECRET_HEADER) or ""
        return hmac.compare_digest(presented.encode(), secret.encode())
    return True


def parse(body: bytes) -> WebhookEvent:
    """An order (``orders_v2``) or shipment (``shipments``) to re-fetch; other topics ignored.

    A shipment notification names ``shipment:<id>``: ``fetch_order`` finds its sale.
    """
    data = _body(body)
    if data is None:
        raise DataError("Mercado Libre notification: the body is not a JSON object")
    topic = str(data.get("topic") or "")
    resource = str(data.get("resource") or "")
    dedupe = str(data["_id"]) if data.get("_id") not in (None, "") else None
    if topic in ORDER_TOPICS and (match := ORDER_RESOURCE.match(resource)):
        return WebhookEvent(topic=topic, order_id=match.group(1), dedupe_key=dedupe)
    if topic == SHIPMENT_TOPIC and (match := SHIPMENT_RESOURCE.match(resource)):
        return WebhookEvent(topic=topic, order_id=f"shipment:{match.group(1)}", dedupe_key=dedupe)
    ticket = ticket_of(topic, resource)
    if ticket is not None:
        return WebhookEvent(topic=topic, ticket_id=ticket, dedupe_key=dedupe)
    return WebhookEvent(topic=topic or "unknown", ignore=True, dedupe_key=dedupe)
