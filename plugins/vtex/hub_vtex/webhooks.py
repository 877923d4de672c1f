"""VTEX's order hook: configuration, verification and what a notification means.

VTEX signs nothing. The hook configuration (``POST /api/orders/hook/config``)
registers headers VTEX sends with every notification; the hub registers its
``hook_secret`` under ``hook_header`` (default ``X-Hub-Secret``) and compares
it in constant time. The OpenAPI document's ``Headers`` object requires a
``key`` entry (the guide: "the endpoint key that should be used to access the
given endpoint"), so the secret is registered under ``key`` too; only
``hook_header`` is checked.

A notification (``{"Domain", "OrderId", "State", "LastChange", "Origin"}``)
carries no order: the core re-fetches the order by id. The ping VTEX sends when
the hook is configured (``{"hookConfig": "ping"}``) is accepted, whatever its
headers (VTEX needs a 200 to save the configuration, and a ping changes
nothing), and ignored.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from hub import Account, ConfigError, DataError, WebhookEvent, header
from hub_vtex.info import watched_statuses

DEFAULT_HEADER = "X-Hub-Secret"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def is_ping(body: bytes) -> bool:
    """Whether ``body`` is VTEX's hook ping."""
    data = _json(body)
    return isinstance(data, dict) and data.get("hookConfig") == "ping"


def header_name(account: Account) -> str:
    """The header that carries the hook secret."""
    return (account.setting("hook_header") or DEFAULT_HEADER).strip()


def verify(account: Account, headers: Mapping[str, str], body: bytes) -> bool:
    """The hook secret header matches (constant time), or the body is the ping."""
    if is_ping(body):
        return True
    secret = account.setting("hook_secret")
    if not secret:
        return False
    given = header(headers, header_name(account))
    if given is None:
        return False
    return hmac.compare_digest(given.strip().encode(), secret.encode())


def parse(body: bytes) -> WebhookEvent:
    """A notification -> re-fetch ``OrderId``; the ping -> ignored."""
    data = _json(body)
    if not isinstance(data, dict):
        raise DataError("the VTEX notification is not a JSON object")
    if data.get("hookConfig") == "ping":
        return WebhookEvent(topic="ping", ignore=True)
    order_id = data.get("OrderId")
    if not isinstance(order_id, str) or not order_id:
        raise DataError("the VTEX notification has no OrderId")
    state = str(data.get("State") or "changed")
    return WebhookEvent(topic=f"order.{state}", order_id=order_id,
                        dedupe_key=f"{order_id}:{state}:{data.get('LastChange') or ''}")


def hook_config(account: Account) -> dict[str, Any]:
    """The hook configuration body for this account (``hook_url`` and ``hook_secret`` needed)."""
    url = account.setting("hook_url")
    secret = account.setting("hook_secret")
    if not url or not secret:
        raise ConfigError(f"{account.label}: hook_url needs hook_secret",
                          hint=f"run: hub accounts set {account.name} hook_secret=LONG-RANDOM-TEXT")
    return {"filter": {"type": "FromWorkflow", "status": watched_statuses(account)},
            "hook": {"url": url, "headers": {header_name(account): secret, "key": secret}}}
