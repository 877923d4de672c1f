"""Pushes through the outbox: stock, prices, tracking and order states, only what changed.

Each push first brings the outbox up to date: for every listing the account has
linked, the value the platform should hold (available stock, current price) is
compared with the value it last accepted; only differences become pending
items, coalesced per listing (the latest value wins). Pending items are then
sent in the plugin's batch size; an item is ``done`` only after the platform
accepted it, and a failure is retried later with backoff and stays visible.
Nothing is written for a flow the account did not switch on.

Only values the user gave are pushed: stock of listings whose stock the hub
manages (a level in a feeding warehouse, or the product marked managed) and
prices the user set. Other listings keep the platform's value and are counted
as ``not_managed``. :func:`plan` shows what a push would send without sending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, or_, select

from hub.core.http.redact import redact
from hub.core.storage.columns import now
from hub.core.storage.invoices import remember_ids
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import OutboxItem, Price, ProductLink
from hub.core.sync import runs
from hub.core.sync.orders import check_flow
from hub.core.sync.runs import UNCHANGED
from hub.core.sync.stock import available, managed
from hub.errors import ConfigError, HubError
from hub.fiscal.document import InvoiceDocument
from hub.types import PriceUpdate, PushOutcome, PushResult, Shipment, StateUpdate, StockUpdate

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.sync.push")
KINDS = ("stock", "price", "tracking", "status")
MAX_ATTEMPTS = 8
NOT_MANAGED = "not_managed"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(attempts - 1, 0)))


def enqueue(s: Session, account_id: int, kind: str, key: str, payload: dict[str, Any]) -> bool:
    """Queue ``payload`` for (account, kind, key) unless the platform already holds it."""
    item = s.exec(select(OutboxItem).where(OutboxItem.account_id == account_id,
                                           OutboxItem.kind == kind,
                                           OutboxItem.key == key)).first()
    if item is None:
        s.add(OutboxItem(account_id=account_id, kind=kind, key=key, payload=payload,
                         next_attempt_at=now()))
        return True
    if item.accepted == payload or (item.payload == payload and item.status != "done"):
        return False
    item.payload = payload
    item.status = "pending"
    item.attempts = 0
    item.last_error = None
    item.next_attempt_at = now()
    item.updated_at = now()
    s.add(item)
    return True


def _listing(link: ProductLink) -> dict[str, Any]:
    return {"sku": link.sku or f"{link.platform_product_id}/{link.platform_variant_id}",
            "platform_product_id": link.platform_product_id,
            "platform_variant_id": link.platform_variant_id or None}


@dataclass
class Wanted:
    """What the platform should hold for an account's listings, and what the hub leaves alone.

    ``values`` maps the outbox key (the link id) to the payload to send;
    ``not_managed`` lists the SKUs of listings the hub holds no value for.
    """

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_managed: list[str] = field(default_factory=list)


def _zero_unmanaged(s: Session, account_id: int) -> bool:
    row = s.get(AccountRow, account_id)
    value = str((row.settings or {}).get("zero_unmanaged_stock", "false") if row else "false")
    return value.strip().lower() in ("1", "true", "yes", "on")


def wanted_stock(s: Session, account_id: int) -> Wanted:
    """Available stock for each listing whose stock the hub manages.

    A listing is managed when a warehouse feeding the account holds a level of its
    product or the product is marked managed; the rest keep the platform's value,
    unless the account's ``zero_unmanaged_stock`` setting asks for 0 there.
    """
    links = s.exec(select(ProductLink).where(ProductLink.account_id == account_id)
                   .order_by(col(ProductLink.id))).all()
    ids = {link.product_id for link in links}
    levels = available(s, account_id, ids)
    owned = managed(s, account_id, ids) if not _zero_unmanaged(s, account_id) else ids
    from hub.core.sync.inventory import feed_location

    where = feed_location(s, account_id)
    located = {"warehouse": where} if where else {}
    wanted = Wanted()
    for link in links:
        if link.product_id in owned:
            wanted.values[str(link.id)] = {**_listing(link), "quantity": levels[link.product_id],
                                           **located}
        else:
            wanted.not_managed.append(_listing(link)["sku"])
    return wanted


def wanted_prices(s: Session, account_id: int) -> Wanted:
    """The current price of each listing whose product has a price the user set."""
    links = s.exec(select(ProductLink).where(ProductLink.account_id == account_id)
                   .order_by(col(ProductLink.id))).all()
    ids = {link.product_id for link in links}
    prices: dict[int, Price] = {}
    price: Price | None
    for price in s.exec(select(Price).where(col(Price.product_id).in_(ids),
                                            or_(Price.account_id == 0,
                                                Price.account_id == account_id))).all():
        if price.account_id or price.product_id not in prices:
            prices[price.product_id] = price
    wanted = Wanted()
    at = now()
    for link in links:
        price = prices.get(link.product_id)
        if price is None:
            wanted.not_managed.append(_listing(link)["sku"])
            continue
        # whether the promotion runs now is part of the value, so a window opening or
        # closing queues the price again for platforms that cannot schedule one
        active = price.promotional is not None and (price.promo_from is None or price.promo_from <= at) \
            and (price.promo_to is None or at < price.promo_to)
        wanted.values[str(link.id)] = {
            **_listing(link), "currency": price.currency, "regular": str(price.regular),
            "promotional": str(price.promotional) if price.promotional is not None else None,
            "promo_from": price.promo_from.isoformat() if price.promo_from else None,
            "promo_to": price.promo_to.isoformat() if price.promo_to else None,
            "promo_active": active}
    return wanted


def wanted_for(s: Session, account_id: int, kind: str) -> Wanted:
    return wanted_stock(s, account_id) if kind == "stock" else wanted_prices(s, account_id)


def _items(s: Session, account_id: int, kind: str) -> dict[str, OutboxItem]:
    return {item.key: item for item in s.exec(select(OutboxItem).where(
        OutboxItem.account_id == account_id, OutboxItem.kind == kind)).all()}


def _refresh(s: Session, account_id: int, kind: str, counts: runs.RunCounts) -> Wanted:
    """Queue every changed value; withdraw queued values of listings the hub no longer manages.

    Counts the listings left alone (``not_managed``) and those whose value the
    platform already holds (``unchanged``).
    """
    wanted = wanted_for(s, account_id, kind)
    items = _items(s, account_id, kind)
    for key, payload in wanted.values.items():
        item = items.get(key)
        if item is not None and item.accepted == payload and item.status == "done":
            counts.add(UNCHANGED)
        else:
            enqueue(s, account_id, kind, key, payload)
    for key, item in items.items():
        if key not in wanted.values and item.status in ("pending", "retrying", "failed"):
            item.status, item.last_error, item.updated_at = "withdrawn", "not managed", now()
            s.add(item)
    counts.counts[NOT_MANAGED] += len(wanted.not_managed)
    return wanted


@dataclass
class Planned:
    """One value a push would send: the listing, what the platform holds (if known) and the new value."""

    key: str
    sku: str
    old: dict[str, Any] | None
    new: dict[str, Any]


@dataclass
class Plan:
    account: str
    kind: str
    items: list[Planned]
    not_managed: list[str]
    unchanged: int


def plan(app: HubApp, name: str, kind: str) -> Plan:
    """What ``push(app, name, kind)`` would send now, without sending or storing anything.

    ``old`` is the value the platform last accepted from the hub (None: unknown).
    """
    if kind not in ("stock", "price"):
        raise ConfigError(f"--dry-run covers stock and price pushes, not {kind}")
    row = app.accounts.row(name)
    check_flow(row, kind)
    account_id = row.id or 0
    with app.db.session() as s:  # reads only
        wanted = wanted_for(s, account_id, kind)
        accepted = {key: item.accepted for key, item in _items(s, account_id, kind).items()}
    planned, unchanged = [], 0
    for key, payload in wanted.values.items():
        old = accepted.get(key)
        if old == payload:
            unchanged += 1
        else:
            planned.append(Planned(key=key, sku=payload["sku"], old=old, new=payload))
    return Plan(account=name, kind=kind, items=planned, not_managed=wanted.not_managed,
                unchanged=unchanged)


def _stock_update(payload: dict[str, Any]) -> StockUpdate:
    return StockUpdate(sku=payload["sku"], platform_product_id=payload["platform_product_id"],
                       platform_variant_id=payload["platform_variant_id"],
                       quantity=payload["quantity"], warehouse=payload.get("warehouse"))


def _price_update(payload: dict[str, Any]) -> PriceUpdate:
    currency = payload["currency"]
    promo = payload.get("promotional")
    return PriceUpdate(
        sku=payload["sku"], platform_product_id=payload["platform_product_id"],
        platform_variant_id=payload["platform_variant_id"],
        regular={"amount": payload["regular"], "currency": currency},
        promotional={"amount": promo, "currency": currency} if promo is not None else None,
        promo_from=payload.get("promo_from"), promo_to=payload.get("promo_to"))


@dataclass
class PushRun:
    run_id: int
    counts: runs.RunCounts
    status: str
    error: str | None = None
    not_managed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """``pushed 3, failed 0, not managed 9, unchanged 2`` (what a push did)."""
        return push_summary(self.counts)

    def as_dict(self) -> dict[str, Any]:
        """The counts with every push outcome present, for ``--json``."""
        return {**{k: 0 for k in PUSH_OUTCOMES}, **self.counts.as_dict()}


PUSH_OUTCOMES = (runs.PUSHED, runs.FAILED, NOT_MANAGED, UNCHANGED)


def push_summary(counts: runs.RunCounts) -> str:
    c = counts.counts
    return ", ".join(f"{k.replace('_', ' ')} {c[k]}" for k in PUSH_OUTCOMES)


async def push(app: HubApp, name: str, kind: str, *, trigger: str = "manual",
               retry_failed: bool = False) -> PushRun:
    """Bring the outbox up to date for ``kind`` and send what is due.

    A scheduled push with nothing due records no run (``run_id`` 0, status
    ``idle``); it is counted in ``hub_idle_runs_total`` instead.
    """
    row = app.accounts.row(name)
    check_flow(row, kind)
    account = app.accounts.open(row)
    info = app.host.info(row.platform)
    account_id = row.id or 0
    async with app.accounts.lease(f"run:{kind}:{account_id}", ttl=120, wait=0):
        counts = runs.RunCounts()
        wanted = Wanted()
        with app.db.session() as s:
            if kind in ("stock", "price"):
                wanted = _refresh(s, account_id, kind, counts)
            statuses = ["pending", "retrying", *(["failed"] if retry_failed else [])]
            # the tracking flow also carries invoices, sent first so tracking finds them
            kinds = ["invoice", kind] if kind == "tracking" else [kind]
            query = select(OutboxItem).where(
                OutboxItem.account_id == account_id, col(OutboxItem.kind).in_(kinds),
                col(OutboxItem.status).in_(statuses))
            if not retry_failed:
                query = query.where(or_(col(OutboxItem.next_attempt_at).is_(None),
                                        col(OutboxItem.next_attempt_at) <= now()))
            items = sorted(s.exec(query.order_by(col(OutboxItem.id))).all(),
                           key=lambda item: item.kind != "invoice")
            if not items and trigger == "scheduled":  # nothing due: no run row, a metric instead
                runs.note_idle(account_id, kind)
                return PushRun(run_id=0, counts=runs.RunCounts(), status="idle")
            run_id = runs.start_run(s, account_id, kind, trigger).id or 0
        error: str | None = None
        size = {"stock": info.stock_batch_size, "price": info.price_batch_size}.get(kind, 1)
        try:
            for start in range(0, len(items), max(size, 1)):
                batch = items[start:start + size]
                results = await _send(app, account, kind, batch)
                _apply(app, run_id, account_id, batch, results, counts)
        except HubError as exc:
            error = str(exc)
        run = await runs.end(app.db, run_id, counts, error)
        if error:
            app.host.sync_failed(account, kind, run_id, error)
        return PushRun(run_id=run_id, counts=counts, status=run.status, error=error,
                       not_managed=wanted.not_managed)


async def _send(app: HubApp, account: Any, kind: str, batch: list[OutboxItem]) -> list[PushResult]:
    payloads = [item.payload or {} for item in batch]
    if kind == "stock":
        return list(await app.host.push_stock(account, [_stock_update(p) for p in payloads]))
    if kind == "price":
        return list(await app.host.push_price(account, [_price_update(p) for p in payloads]))
    results = []
    for item, payload in zip(batch, payloads, strict=True):
        if item.kind == "status":
            results.append(await app.host.push_order_state(account,
                                                           StateUpdate.model_validate(payload)))
        elif item.kind == "invoice":
            results.append(await app.host.push_invoice(account,
                                                       InvoiceDocument.model_validate(payload)))
        else:
            results.append(await app.host.push_tracking(account, Shipment.model_validate(payload)))
    return results


def _apply(app: HubApp, run_id: int, account_id: int, batch: list[OutboxItem],
           results: list[PushResult], counts: runs.RunCounts) -> None:
    """Mark each item by the platform's answer; results come in the order of the updates."""
    with app.db.session() as s:
        item: OutboxItem | None
        for index, item in enumerate(batch):
            result = results[index] if index < len(results) else PushResult.failed(
                item.key, "the plugin returned no result for this item")
            item = s.get(OutboxItem, item.id)
            assert item is not None
            item.updated_at = now()
            if result.outcome == PushOutcome.ACCEPTED:
                item.status, item.accepted, item.last_error = "done", item.payload, None
                counts.add(runs.PUSHED)
                if result.action:  # a shipment: a new fulfilment/invoice, or the existing one
                    counts.add(result.action)
                if item.kind == "invoice":
                    remember_ids(s, item.key, result.ids)
                runs.record_item(s, run_id, account_id, result.key, runs.PUSHED, result.action)
            else:
                item.attempts += 1
                item.last_error = redact(result.error or "rejected")
                final = not result.retryable or item.attempts >= MAX_ATTEMPTS
                item.status = "failed" if final else "retrying"
                item.next_attempt_at = now() + backoff(item.attempts)
                counts.add(runs.FAILED)
                runs.record_item(s, run_id, account_id, result.key, runs.FAILED, item.last_error,
                                 {"outbox_id": item.id})
            s.add(item)


async def push_all(app: HubApp, name: str, *, trigger: str = "manual") -> dict[str, PushRun]:
    """Every push flow the account switched on (the daemon's push job)."""
    row: AccountRow = app.accounts.row(name)
    done = {}
    for kind in KINDS:
        if getattr(row, f"flow_{kind}"):
            done[kind] = await push(app, name, kind, trigger=trigger)
    return done
