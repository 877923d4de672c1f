"""Pushes through the outbox: stock, prices and tracking, only what changed.

Each push first brings the outbox up to date: for every listing the account has
linked, the value the platform should hold (available stock, current price) is
compared with the value it last accepted; only differences become pending
items, coalesced per listing (the latest value wins). Pending items are then
sent in the plugin's batch size; an item is ``done`` only after the platform
accepted it, and a failure is retried later with backoff and stays visible.
Nothing is written for a flow the account did not switch on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, or_, select

from hub.core.http.redact import redact
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import OutboxItem, Price, ProductLink
from hub.core.sync import runs
from hub.core.sync.orders import check_flow
from hub.core.sync.stock import available
from hub.errors import HubError
from hub.types import PriceUpdate, PushOutcome, PushResult, Shipment, StockUpdate

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.sync.push")
KINDS = ("stock", "price", "tracking")
MAX_ATTEMPTS = 8


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


def refresh_stock(s: Session, account_id: int) -> int:
    links = s.exec(select(ProductLink).where(ProductLink.account_id == account_id)).all()
    levels = available(s, account_id, {link.product_id for link in links})
    return sum(enqueue(s, account_id, "stock", str(link.id),
                       {**_listing(link), "quantity": levels[link.product_id]}) for link in links)


def refresh_prices(s: Session, account_id: int) -> int:
    links = s.exec(select(ProductLink).where(ProductLink.account_id == account_id)).all()
    ids = {link.product_id for link in links}
    prices: dict[int, Price] = {}
    for price in s.exec(select(Price).where(col(Price.product_id).in_(ids),
                                            or_(Price.account_id == 0,
                                                Price.account_id == account_id))).all():
        if price.account_id or price.product_id not in prices:
            prices[price.product_id] = price
    queued = 0
    at = now()
    for link in links:
        price = prices.get(link.product_id)
        if price is None:
            continue
        # whether the promotion runs now is part of the value, so a window opening or
        # closing queues the price again for platforms that cannot schedule one
        active = price.promotional is not None and (price.promo_from is None or price.promo_from <= at) \
            and (price.promo_to is None or at < price.promo_to)
        payload = {**_listing(link), "currency": price.currency, "regular": str(price.regular),
                   "promotional": str(price.promotional) if price.promotional is not None else None,
                   "promo_from": price.promo_from.isoformat() if price.promo_from else None,
                   "promo_to": price.promo_to.isoformat() if price.promo_to else None,
                   "promo_active": active}
        queued += enqueue(s, account_id, "price", str(link.id), payload)
    return queued


def _stock_update(payload: dict[str, Any]) -> StockUpdate:
    return StockUpdate(sku=payload["sku"], platform_product_id=payload["platform_product_id"],
                       platform_variant_id=payload["platform_variant_id"],
                       quantity=payload["quantity"])


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


async def push(app: HubApp, name: str, kind: str, *, trigger: str = "manual",
               retry_failed: bool = False) -> PushRun:
    """Bring the outbox up to date for ``kind`` and send what is due."""
    row = app.accounts.row(name)
    check_flow(row, kind)
    account = app.accounts.open(row)
    info = app.host.info(row.platform)
    account_id = row.id or 0
    async with app.accounts.lease(f"run:{kind}:{account_id}", ttl=120, wait=0):
        with app.db.session() as s:
            if kind == "stock":
                refresh_stock(s, account_id)
            elif kind == "price":
                refresh_prices(s, account_id)
            statuses = ["pending", "retrying", *(["failed"] if retry_failed else [])]
            query = select(OutboxItem).where(
                OutboxItem.account_id == account_id, OutboxItem.kind == kind,
                col(OutboxItem.status).in_(statuses))
            if not retry_failed:
                query = query.where(or_(col(OutboxItem.next_attempt_at).is_(None),
                                        col(OutboxItem.next_attempt_at) <= now()))
            items = list(s.exec(query.order_by(col(OutboxItem.id))).all())
            run_id = runs.start_run(s, account_id, kind, trigger).id or 0
        counts = runs.RunCounts()
        error: str | None = None
        size = {"stock": info.stock_batch_size, "price": info.price_batch_size}.get(kind, 1)
        try:
            for start in range(0, len(items), max(size, 1)):
                batch = items[start:start + size]
                results = await _send(app, account, kind, batch)
                _apply(app, run_id, account_id, batch, results, counts)
        except HubError as exc:
            error = str(exc)
        with app.db.session() as s:
            run = runs.finish_run(s, run_id, counts, error)
        if error:
            app.host.sync_failed(account, kind, run_id, error)
        return PushRun(run_id=run_id, counts=counts, status=run.status, error=error)


async def _send(app: HubApp, account: Any, kind: str, batch: list[OutboxItem]) -> list[PushResult]:
    payloads = [item.payload or {} for item in batch]
    if kind == "stock":
        return list(await app.host.push_stock(account, [_stock_update(p) for p in payloads]))
    if kind == "price":
        return list(await app.host.push_price(account, [_price_update(p) for p in payloads]))
    results = []
    for payload in payloads:
        results.append(await app.host.push_tracking(account, Shipment.model_validate(payload)))
    return results


def _apply(app: HubApp, run_id: int, account_id: int, batch: list[OutboxItem],
           results: list[PushResult], counts: runs.RunCounts) -> None:
    """Mark each item by the platform's answer; results come in the order of the updates."""
    with app.db.session() as s:
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
