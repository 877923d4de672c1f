"""Inbound webhooks: verify, store, acknowledge, then process idempotently.

A webhook only makes an order arrive sooner: it is verified by the plugin
(HMAC over the raw body, or the account's secret header), stored, and processed
from storage, so a crash between acknowledging and processing loses nothing.
Processing goes through the same import pipeline as polling: duplicates and
late, out-of-order deliveries converge on one order in its newest state, and
the scheduled import still catches any webhook the platform never sent.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hub.core.http.redact import MASK, redact, sensitive_header
from hub.core.storage.columns import now
from hub.core.storage.models import InboundEvent
from hub.core.sync.orders import import_payload
from hub.core.sync.tickets import refresh_announced_ticket
from hub.errors import HubError, NotFound

if TYPE_CHECKING:
    from hub.account import Account
    from hub.core.app import HubApp

log = logging.getLogger("hub.webhooks")
KEPT_HEADERS = ("content-type", "user-agent")
MAX_ATTEMPTS = 5
#: JSON nested deeper than this is refused before any plugin parses it (platform payloads
#: nest about 10 levels; Python's json recursion would fail near 1,000)
MAX_DEPTH = 64
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(body: bytes) -> int:
    """How deeply ``body``'s arrays and objects nest, found without parsing (no recursion)."""
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def unreadable(body: bytes) -> str | None:
    """Why ``body`` cannot be a webhook the hub reads (not UTF-8, nested too deep), or None."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if json_depth(body) > MAX_DEPTH:
        return f"body nests deeper than {MAX_DEPTH} levels"
    return None


@dataclass
class Received:
    status: int  # the HTTP status to answer
    message: str
    event_id: int | None = None


def _platform_headers(headers: Mapping[str, str], secrets: Sequence[str] = ()) -> dict[str, str]:
    """Headers worth keeping to re-parse the event later: never credentials or signatures
    (a platform that signs nothing authenticates with a secret header the hub must not store),
    nor any header carrying one of the account's ``secrets``, whatever it is called."""
    return {k.lower(): v for k, v in headers.items()
            if (k.lower().startswith("x-") or k.lower() in KEPT_HEADERS)
            and not sensitive_header(k) and not any(s in v for s in secrets)}


#: a secret shorter than this is not searched for in stored bodies (it would mask ordinary text)
MIN_SECRET = 8


def account_secrets(app: HubApp, account: Account) -> list[str]:
    """The values of the account's secret settings (as the plugin's schema marks them)."""
    names = app.host.info(account.platform).secret_settings
    values = [str(account.settings.get(name) or "") for name in names]
    return sorted({v for v in values if len(v) >= MIN_SECRET}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret value (raw or JSON-escaped) replaced by ``***``: the
    stored body of a delivery never holds a credential (VTEX echoes the app key in
    ``Origin.Key``)."""
    for secret in secrets:
        for form in {secret, json.dumps(secret)[1:-1]}:
            text = text.replace(form, MASK)
    return text


def receive(app: HubApp, platform: str, account_name: str, headers: Mapping[str, str],
            body: bytes) -> Received:
    """Verify and store one delivery; never raises for bad input (the answer says why)."""
    try:
        row = app.accounts.row(account_name)
    except NotFound:
        return Received(404, "unknown account")
    if row.platform != platform:
        return Received(404, "unknown account")
    why = unreadable(body)  # before any plugin code: a hostile body never reaches a parser
    if why:
        return Received(400, why)
    account = app.accounts.open(row)
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if not app.host.verify_webhook(account, lowered, body):
            return Received(401, "signature does not match")
        event = app.host.parse_webhook(account, lowered, body)
    except HubError as exc:
        return Received(400, redact(str(exc)))
    except (ValueError, KeyError, TypeError, RecursionError, AttributeError, IndexError):
        return Received(400, "unreadable body")
    except Exception:  # a plugin that chokes on a body: the sender's problem, never a 500
        log.warning("webhook for %s: the %s plugin could not read the body", row.name, platform,
                    exc_info=True, extra={"account": row.name})
        return Received(400, "unreadable body")
    if event.ignore:
        return Received(200, "ignored")
    hidden = account_secrets(app, account)
    stored = InboundEvent(account_id=row.id or 0, topic=event.topic, dedupe_key=event.dedupe_key,
                          headers=_platform_headers(headers, hidden),
                          body=scrub(body.decode("utf-8", "replace"), hidden))
    try:
        with app.db.session() as s:
            s.add(stored)
            s.flush()
    except IntegrityError:
        return Received(200, "duplicate delivery")
    return Received(202, "accepted", stored.id)


async def process(app: HubApp, event_id: int) -> str:
    """Import what one stored event points to; return its new status."""
    with app.db.session() as s:
        event = s.get(InboundEvent, event_id)
        if event is None or event.status == "done":
            return "done"
        row = app.accounts.row_by_id(event.account_id)
    if not row.enabled:  # disconnected or disabled: its flows stop, late deliveries included
        return _finish(app, event_id, "ignored", f"account '{row.name}' is disabled")
    account = app.accounts.open(row)
    body = event.body.encode()
    try:
        parsed = app.host.parse_webhook(account, event.headers or {}, body)
        payload = parsed.payload
        if parsed.ticket_id:  # a new or changed ticket: re-fetch it (when the flow is on)
            await refresh_announced_ticket(app, row, parsed.ticket_id)
        elif payload is None and parsed.order_id:
            payload = await app.host.fetch_order(account, parsed.order_id)
        if payload is not None and not parsed.ticket_id:
            await import_payload(app, row.name, payload, trigger="webhook")
        status, error = "done", None
    except HubError as exc:
        status, error = "retrying", redact(str(exc))
    with app.db.session() as s:
        stored = s.get(InboundEvent, event_id)
        assert stored is not None
        stored.attempts += 1
        if status == "retrying" and stored.attempts >= MAX_ATTEMPTS:
            status = "failed"
        stored.status, stored.error, stored.processed_at = status, error, now()
        s.add(stored)
    if error:
        log.warning("webhook event %s for %s: %s", event_id, row.name, error,
                    extra={"account": row.name})
    return status


def _finish(app: HubApp, event_id: int, status: str, error: str | None) -> str:
    with app.db.session() as s:
        stored = s.get(InboundEvent, event_id)
        if stored is not None:
            stored.status, stored.error, stored.processed_at = status, error, now()
            s.add(stored)
    return status


async def drain(app: HubApp, limit: int = 500) -> int:
    """Process stored events that are still pending (after a restart, or a failed attempt)."""
    with app.db.session() as s:
        ids = list(s.exec(select(InboundEvent.id).where(
            col(InboundEvent.status).in_(["pending", "retrying"]))
            .order_by(col(InboundEvent.id)).limit(limit)))
    for event_id in ids:
        await process(app, event_id or 0)
    return len(ids)


