"""Outbound webhooks: order events POSTed, signed, to a subscriber (a 3PL, an ERP) per account.

A subscription belongs to one account and names the events it wants
(``order.created``, ``order.updated``). When an order import commits, the
event is queued as a :class:`~hub.core.storage.models.WebhookDelivery` row *in
the same transaction* (:func:`enqueue_order_event`, called by the order
writer), so an event can never be lost between the commit and the send: a
crash or restart leaves the row to be sent by the next run of
:func:`deliver_due`.

Each delivery is a POST of the frozen JSON body with these headers::

    X-Hub-Event:      order.created
    X-Hub-Delivery:   7f0c...            (unique; the same on every retry)
    X-Hub-Timestamp:  1732350000         (Unix seconds of this attempt)
    X-Hub-Signature:  sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

A 2xx answer delivers it. Anything else (another status, a timeout, a refused
connection) is retried with jittered exponential backoff. Deliveries of one
subscription go out in order: a failing one holds back the later ones, and
after :data:`MAX_CONSECUTIVE_FAILURES` failed attempts in a row the
subscription is disabled with a visible reason; its queue waits, intact, until
``hub webhooks enable ID``. Delivery is at least once (a crash after the send
and before the bookkeeping sends it again): receivers drop repeats by
``X-Hub-Delivery``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlmodel import Session, col, func, select

from hub.core.http.redact import MASK, redact, redact_url
from hub.core.http.signing import sign_hmac
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Order as OrderRow
from hub.core.storage.models import WebhookDelivery, WebhookSubscription
from hub.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from hub.core.app import HubApp
    from hub.tickets import Ticket
    from hub.types import Order

log = logging.getLogger("hub.outbound")

EVENTS = ("order.created", "order.updated", "order.cancelled", "order.released",
          "shipment.updated", "order.delivered", "ticket.created", "ticket.updated")
MAX_CONSECUTIVE_FAILURES = 10
BACKOFF_BASE = 10.0  # seconds before the first retry
BACKOFF_CAP = 3600.0  # never wait more than an hour between attempts
TIMEOUT = 10.0  # seconds a receiver has to answer
BATCH = 100  # deliveries sent per subscription per pass
SIGNATURE_TOLERANCE = 300  # seconds a receiver should accept a timestamp for
SECRET_PREFIX = "whsec_"
LEASE = "webhooks:deliver"
_CACHE_KEY = "hub.outbound.subscriptions"


# --- signing ---------------------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value: ``sha256=`` and the hex HMAC of ``"<timestamp>.<body>"``."""
    return "sha256=" + sign_hmac(secret, timestamp.encode() + b"." + body, encoding="hex")


def verify_signature(secret: str, body: bytes, timestamp: str | None, header: str | None, *,
                     tolerance: float = SIGNATURE_TOLERANCE, at: float | None = None) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent (no replay).

    :param secret: the subscription's signing secret.
    :param body: the raw request body, exactly as received.
    :param timestamp: the ``X-Hub-Timestamp`` header.
    :param header: the ``X-Hub-Signature`` header.
    :param tolerance: how many seconds old (or early) a timestamp may be.
    :param at: the current Unix time (default: now).
    """
    if not secret or not timestamp or not header or not timestamp.isdigit():
        return False
    current = time.time() if at is None else at
    if abs(current - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body).encode(),
                               header.strip().encode("utf-8", "replace"))


def headers_for(delivery: WebhookDelivery, secret: str, timestamp: str) -> dict[str, str]:
    return {"content-type": "application/json", "user-agent": "hub-webhooks/1",
            "x-hub-event": delivery.event, "x-hub-delivery": delivery.delivery_id,
            "x-hub-timestamp": timestamp,
            "x-hub-signature": signature(secret, timestamp, delivery.body.encode())}


# --- subscriptions ---------------------------------------------------------------

def parse_events(value: str | list[str] | None) -> list[str]:
    """``order.created,order.updated`` (or a list) checked against :data:`EVENTS`; empty means all."""
    names = value.split(",") if isinstance(value, str) else list(value or [])
    events = [n.strip() for n in names if n.strip()]
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ConfigError(f"unknown event '{unknown[0]}'; events are: {', '.join(EVENTS)}")
    return sorted(set(events), key=EVENTS.index) if events else list(EVENTS)


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, at most 2000 characters."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise ConfigError(f"webhook URL must be an http(s) URL such as https://3pl.example.com/hooks, "
                          f"got '{url[:100]}'")
    return url


def split_password(url: str) -> tuple[str, str | None]:
    """``url`` with its userinfo password masked (``user:***@host``), and the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}")), parts.password


def join_password(url: str, password: object) -> str:
    """The URL deliveries go to: the stored one with its masked password put back."""
    parts = urlsplit(url)
    if not isinstance(password, str) or parts.password != MASK:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{password}@{host}"))


def add_subscription(app: HubApp, account: str, url: str,
                     events: str | list[str] | None = None) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to ``account``'s order events; return the row and its new secret.

    The secret is returned this once and stored only encrypted; so is a password in
    the URL (``https://user:pass@host/...``): the stored URL holds ``user:***``.
    """
    row = app.accounts.row(account)
    url = check_url(url)
    chosen = parse_events(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    url, password = split_password(url)
    sealed = {"secret": secret, **({"url_password": password} if password is not None else {})}
    sub = WebhookSubscription(account_id=row.id or 0, url=url, events=chosen,
                              secret_enc=app.box.encrypt(sealed))
    with app.db.session() as s:
        s.add(sub)
        s.flush()
    return sub, secret


def get_subscription(s: Session, subscription_id: int) -> WebhookSubscription:
    sub = s.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise NotFound(f"no webhook subscription with id {subscription_id}",
                       hint="see: hub webhooks list")
    return sub


def remove_subscription(app: HubApp, subscription_id: int) -> int:
    """Delete a subscription and its queued and past deliveries; return how many were pending."""
    with app.db.session() as s:
        sub = get_subscription(s, subscription_id)
        pending = 0
        for delivery in s.exec(select(WebhookDelivery)
                               .where(WebhookDelivery.subscription_id == subscription_id)):
            pending += delivery.status == "pending"
            s.delete(delivery)
        s.flush()
        s.delete(sub)
    return pending


def set_enabled(app: HubApp, subscription_id: int, enabled: bool) -> WebhookSubscription:
    """Enable (clearing the failure count and reason; queued deliveries become due) or disable."""
    with app.db.session() as s:
        sub = get_subscription(s, subscription_id)
        sub.enabled = enabled
        sub.updated_at = now()
        if enabled:
            sub.disabled_reason = None
            sub.consecutive_failures = 0
            for delivery in s.exec(select(WebhookDelivery).where(
                    WebhookDelivery.subscription_id == subscription_id,
                    WebhookDelivery.status == "pending")):
                delivery.next_attempt_at = now()
                s.add(delivery)
        else:
            sub.disabled_reason = "disabled by an operator"
        s.add(sub)
    return sub


def describe(s: Session, sub: WebhookSubscription) -> dict[str, Any]:
    """A printable view of a subscription: never its secret, nor a password or token in its URL."""
    account = s.get(AccountRow, sub.account_id)
    pending = s.exec(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.subscription_id == sub.id, WebhookDelivery.status == "pending")).one()
    return {"id": sub.id, "account": account.name if account else None, "url": redact_url(sub.url),
            "events": sub.events or list(EVENTS), "enabled": sub.enabled,
            "disabled_reason": sub.disabled_reason,
            "consecutive_failures": sub.consecutive_failures, "pending": pending,
            "last_delivery_at": sub.last_delivery_at, "created_at": sub.created_at}


def list_subscriptions(app: HubApp, account: str | None = None) -> list[dict[str, Any]]:
    account_id = app.accounts.row(account).id if account else None
    with app.db.session() as s:
        query = select(WebhookSubscription).order_by(col(WebhookSubscription.id))
        if account_id is not None:
            query = query.where(WebhookSubscription.account_id == account_id)
        return [describe(s, sub) for sub in s.exec(query)]


def list_deliveries(app: HubApp, *, failed: bool = False, subscription_id: int | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries, newest first; ``failed``: those whose last attempt failed (still queued)."""
    with app.db.session() as s:
        query = select(WebhookDelivery).order_by(col(WebhookDelivery.id).desc()).limit(limit)
        if failed:
            query = query.where(WebhookDelivery.status == "pending", WebhookDelivery.attempts > 0)
        if subscription_id is not None:
            query = query.where(WebhookDelivery.subscription_id == subscription_id)
        return [{"id": d.id, "subscription": d.subscription_id, "event": d.event,
                 "order_id": d.order_id, "delivery_id": d.delivery_id, "status": d.status,
                 "attempts": d.attempts, "last_status": d.last_status,
                 "last_error": d.last_error, "next_attempt_at": d.next_attempt_at,
                 "created_at": d.created_at, "delivered_at": d.delivered_at}
                for d in s.exec(query)]


# --- enqueueing (inside the order import's transaction) ----------------------------

def _subscriptions(s: Session, account_id: int) -> list[WebhookSubscription]:
    """The account's subscriptions, read once per transaction (a page of orders)."""
    cache: dict[int, list[WebhookSubscription]] = s.info.setdefault(_CACHE_KEY, {})
    if account_id not in cache:
        cache[account_id] = list(s.exec(select(WebhookSubscription).where(
            WebhookSubscription.account_id == account_id)))
    return cache[account_id]


def order_body(account: AccountRow, order_id: int, event: str, order: Order,
               terms: dict[str, str | None] | None = None) -> str:
    """The JSON sent to subscribers: the canonical order (without the raw payload),
    with the account, its platform, the hub's order id and the connection's terms
    recorded on the order (who is billed for shipments, carrier account, shipping
    rules, who handles tickets)."""
    return json.dumps({"event": event, "account": account.name, "platform": account.platform,
                       "order_id": order_id,
                       "order": order.model_dump(mode="json", exclude={"raw"}),
                       "terms": terms},
                      separators=(",", ":"))


def _wanting(s: Session, account: AccountRow, event: str) -> list[WebhookSubscription]:
    return [sub for sub in _subscriptions(s, account.id or 0) if event in (sub.events or EVENTS)]


def _enqueue(s: Session, account: AccountRow, event: str, subject_id: int,
             body: Callable[[], str]) -> int:
    """Queue ``event`` (its body built once, only when someone wants it) for every
    subscription of the account that wants it, in the caller's transaction.

    Disabled subscriptions still queue: nothing is lost while a receiver is down.
    :return: how many deliveries were queued.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown outbound event {event!r}")
    wanted = _wanting(s, account, event)
    if not wanted:
        return 0
    text = body()
    for sub in wanted:
        s.add(WebhookDelivery(subscription_id=sub.id or 0, account_id=account.id or 0,
                              event=event, order_id=subject_id,
                              delivery_id=uuid.uuid4().hex, body=text))
    return len(wanted)


def enqueue_row_event(s: Session, account: AccountRow, order: OrderRow, event: str, *,
                      terms: dict[str, str | None] | None = None, reason: str | None = None) -> int:
    """Queue ``event`` (``order.released``) about a stored order, in the caller's transaction.

    The body names the order as the hub holds it: ids, number, platform status,
    canonical state, total, the recorded terms and the reason.
    """
    return _enqueue(s, account, event, order.id or 0, lambda: json.dumps({
        "event": event, "account": account.name, "platform": account.platform,
        "order_id": order.id, "reason": reason, "terms": terms,
        "order": {"platform_order_id": order.platform_order_id, "number": order.number,
                  "status": order.status, "state": order.state, "currency": order.currency,
                  "total": str(order.total)}}, separators=(",", ":")))


def enqueue_order_event(s: Session, account: AccountRow, order: Order, created: bool) -> int:
    """Queue ``order.created`` / ``order.updated`` for every subscription of the account that
    wants it, in the caller's transaction (so the queue commits exactly with the order).

    :return: how many deliveries were queued.
    """
    from hub.core.connections import order_terms

    event = "order.created" if created else "order.updated"
    if not _wanting(s, account, event):
        return 0
    order_id = s.exec(select(OrderRow.id).where(
        OrderRow.account_id == account.id,
        OrderRow.platform_order_id == order.platform_order_id)).one()
    return _enqueue(s, account, event, order_id or 0, lambda: order_body(
        account, order_id or 0, event, order, order_terms(s, order_id or 0)))


def enqueue_state_event(s: Session, account: AccountRow, order: OrderRow, event: str,
                        details: dict[str, Any]) -> int:
    """Queue a lifecycle event (``order.cancelled``) of a hub order, in the caller's transaction.

    The body names the account, platform, hub and platform order ids and the order's
    ``state``, plus ``details`` (previous state, reason, source, ``restock_pending``).
    """
    return _enqueue(s, account, event, order.id or 0, lambda: json.dumps(
        {"event": event, "account": account.name, "platform": account.platform,
         "order_id": order.id, "platform_order_id": order.platform_order_id,
         "number": order.number, "state": order.state, **details},
        separators=(",", ":"), default=str))


def enqueue_event(s: Session, account: AccountRow, event: str, order_id: int,
                  payload: dict[str, Any]) -> int:
    """Queue ``event`` about hub order ``order_id`` (``shipment.updated``), its body
    ``payload`` with the event, account, platform and order id added."""
    return _enqueue(s, account, event, order_id, lambda: json.dumps(
        {"event": event, "account": account.name, "platform": account.platform,
         "order_id": order_id, **payload}, separators=(",", ":"), default=str))


def enqueue_ticket_event(s: Session, account: AccountRow, ticket_id: int, ticket: Ticket,
                         created: bool) -> int:
    """Queue ``ticket.created`` / ``ticket.updated`` (the canonical ticket without its raw
    payload, with the hub's ``ticket_id``) in the caller's transaction, like order events.

    The delivery's ``order_id`` column holds the hub's ticket id for these events.
    """
    event = "ticket.created" if created else "ticket.updated"
    return _enqueue(s, account, event, ticket_id, lambda: json.dumps(
        {"event": event, "account": account.name, "platform": account.platform,
         "ticket_id": ticket_id, "ticket": ticket.model_dump(mode="json", exclude={"raw"})},
        separators=(",", ":")))


# --- delivering --------------------------------------------------------------------

def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before attempt ``attempts + 1``: exponential from 10 s, capped at an hour, with the
    upper half jittered so many failing deliveries do not retry in lockstep."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` pass did."""

    delivered: int = 0
    failed: int = 0
    disabled: list[int] = field(default_factory=list)  # subscriptions disabled in this pass
    skipped: bool = False  # another process was delivering

    def summary(self) -> str:
        text = f"delivered {self.delivered}, failed {self.failed}"
        if self.disabled:
            text += f"; disabled subscription(s) {', '.join(map(str, self.disabled))}"
        return text


async def _send(client: httpx.AsyncClient, url: str, delivery: WebhookDelivery,
                secret: str) -> tuple[int | None, str | None]:
    """POST one delivery; return (status, error), error being None on a 2xx."""
    timestamp = str(int(time.time()))
    try:
        response = await client.post(url, content=delivery.body.encode(),
                                     headers=headers_for(delivery, secret, timestamp))
    except httpx.HTTPError as exc:
        return None, redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def _record(app: HubApp, sub_id: int, delivery_id: int, status: int | None, error: str | None,
            report: DeliveryReport) -> bool:
    """Store one attempt's outcome; return False when the subscription's pass must stop."""
    with app.db.session() as s:
        delivery = s.get(WebhookDelivery, delivery_id)
        sub = s.get(WebhookSubscription, sub_id)
        if delivery is None or sub is None:  # removed while sending
            return False
        delivery.attempts += 1
        delivery.last_status = status
        delivery.last_error = error
        sub.last_delivery_at = now()
        if error is None:
            delivery.status, delivery.delivered_at = "delivered", now()
            sub.consecutive_failures = 0
            report.delivered += 1
        else:
            delivery.next_attempt_at = now() + backoff(delivery.attempts)
            sub.consecutive_failures += 1
            report.failed += 1
            if sub.enabled and sub.consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                sub.enabled = False
                sub.disabled_reason = (f"disabled after {sub.consecutive_failures} consecutive "
                                       f"failed deliveries (last: {error}) at "
                                       f"{now():%Y-%m-%d %H:%M} UTC; fix the receiver, then run: "
                                       f"hub webhooks enable {sub_id}")
                report.disabled.append(sub_id)
                log.error("webhook subscription %s disabled: %s", sub_id, sub.disabled_reason)
            else:
                log.warning("webhook delivery %s to subscription %s failed: %s",
                            delivery.delivery_id, sub_id, error)
        s.add(delivery)
        s.add(sub)
    return error is None


async def _deliver_subscription(app: HubApp, client: httpx.AsyncClient, sub_id: int,
                                report: DeliveryReport, batch: int) -> None:
    """Send this subscription's queue in order, stopping at the first failure or a head not due."""
    with app.db.session() as s:
        sub = s.get(WebhookSubscription, sub_id)
        if sub is None or not sub.enabled:
            return
        sealed = app.box.decrypt(sub.secret_enc, what="webhook secret")
        url = join_password(sub.url, sealed.get("url_password"))
        secret = str(sealed.get("secret") or "")
        queue = list(s.exec(select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == sub_id, WebhookDelivery.status == "pending")
            .order_by(col(WebhookDelivery.id)).limit(batch)))
    for delivery in queue:
        if delivery.next_attempt_at > now():
            return  # the oldest waits for its retry, and the later ones wait behind it
        status, error = await _send(client, url, delivery, secret)
        if not _record(app, sub_id, delivery.id or 0, status, error, report):
            return


async def deliver_due(app: HubApp, *, batch: int = BATCH,
                      transport: httpx.AsyncBaseTransport | None = None) -> DeliveryReport:
    """Send every due delivery of every enabled subscription (the daemon runs this every few
    seconds; ``hub webhooks deliver`` runs it now). One process at a time (a database lease)."""
    from hub.core.accounts import LeaseBusy

    report = DeliveryReport()
    with app.db.session() as s:
        ids = [i for i in s.exec(select(WebhookSubscription.id).where(
            col(WebhookSubscription.enabled).is_(True)).order_by(col(WebhookSubscription.id)))]
    if not ids:
        return report
    try:
        async with app.accounts.lease(LEASE, ttl=120, wait=0), httpx.AsyncClient(
                transport=transport, timeout=TIMEOUT, follow_redirects=False) as client:
            await asyncio.gather(*(_deliver_subscription(app, client, i or 0, report, batch)
                                   for i in ids))
    except LeaseBusy:
        report.skipped = True
    return report
