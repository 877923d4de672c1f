"""Read-side repository: the queries the CLI and the HTTP API share.

Each function takes a :class:`sqlmodel.Session` (or the :class:`Database`) and
returns rows or plain values; :mod:`hub.core.views` turns them into the API's
schemas, so ``hub ... --json`` and ``GET /api/...`` print the same document.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from hub.core.storage.columns import now
from hub.core.storage.db import Database
from hub.core.storage.models import (
    Account,
    Customer,
    HubSetting,
    Order,
    OrderEvent,
    OrderLine,
    RunItem,
    Shipment,
    SyncRun,
)
from hub.core.storage.tracking import ShipmentEvent

FAILED_RUNS = ("failed", "partial")


# --- accounts ---------------------------------------------------------------------------

def _authorized_key(account_id: int) -> str:
    return f"authorized_at:{account_id}"


def record_authorized(db: Database, account_id: int, at: datetime | None = None) -> datetime:
    """Remember that account ``account_id`` passed ``authorize`` (OAuth or verified keys) at ``at``."""
    at = at or now()
    with db.session() as s:
        s.merge(HubSetting(key=_authorized_key(account_id), value=at.isoformat()))
    return at


def forget_authorized(db: Database, account_id: int) -> None:
    """Forget that the account passed ``authorize`` (its credentials were wiped)."""
    with db.session() as s:
        row = s.get(HubSetting, _authorized_key(account_id))
        if row is not None:
            s.delete(row)


def authorized_at(s: Session, account: Account) -> datetime | None:
    """When ``account`` last passed ``authorize``; None when never (or before this account existed:
    an id reused after a removal does not inherit the old account's authorization)."""
    row = s.get(HubSetting, _authorized_key(account.id or 0))
    if row is None:
        return None
    at = datetime.fromisoformat(row.value)
    return at if at >= account.created_at else None


def authorized_ats(s: Session, accounts: Sequence[Account]) -> dict[int, datetime]:
    """:func:`authorized_at` of many accounts with one statement (those never authorized left out)."""
    by_key = {_authorized_key(a.id or 0): a for a in accounts}
    if not by_key:
        return {}
    found: dict[int, datetime] = {}
    for row in s.exec(select(HubSetting).where(col(HubSetting.key).in_(list(by_key)))):
        account = by_key[row.key]
        at = datetime.fromisoformat(row.value)
        if at >= account.created_at:
            found[account.id or 0] = at
    return found


# --- orders -----------------------------------------------------------------------------

def order_filters(*, account_id: int | None = None, platform: str | None = None,
                  status: str | None = None, updated_since: datetime | None = None,
                  created_from: datetime | None = None,
                  created_to: datetime | None = None) -> list[Any]:
    """The WHERE clauses of an order listing (every filter given must match); ``created_*``
    bound when the order was placed on the platform (inclusive)."""
    filters: list[Any] = []
    if account_id is not None:
        filters.append(Order.account_id == account_id)
    if platform:
        filters.append(Order.platform == platform)
    if status:
        filters.append(Order.status == status)
    if updated_since is not None:
        filters.append(col(Order.updated_at) >= updated_since)
    if created_from is not None:
        filters.append(col(Order.platform_created_at) >= created_from)
    if created_to is not None:
        filters.append(col(Order.platform_created_at) <= created_to)
    return filters


def count_orders(s: Session, filters: Sequence[Any]) -> int:
    return s.exec(select(func.count()).select_from(Order).where(*filters)).one()


def list_orders(s: Session, filters: Sequence[Any], *, limit: int | None, offset: int = 0,
                newest_first: bool = False) -> list[tuple[Order, str]]:
    """Orders with their account's name; by ``(updated_at, id)`` (polling order) or newest
    placed first; ``limit`` None reads all."""
    order_by = (col(Order.platform_created_at).desc(), col(Order.id).desc()) if newest_first \
        else (col(Order.updated_at), col(Order.id))
    query = (select(Order, Account.name).join(Account, col(Account.id) == Order.account_id)
             .where(*filters).order_by(*order_by).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return [(order, name) for order, name in s.exec(query).all()]


def order_parts(s: Session, order: Order) -> dict[str, Any]:
    """What one order's detail needs besides the row: account, customer, lines, shipments
    (with their carriers' tracking events, under ``tracking`` by shipment id), events."""
    shipments = list(s.exec(select(Shipment).where(Shipment.order_id == order.id)
                            .order_by(col(Shipment.id))))
    return {
        "account": s.get(Account, order.account_id),
        "customer": s.get(Customer, order.customer_id) if order.customer_id else None,
        "lines": list(s.exec(select(OrderLine).where(OrderLine.order_id == order.id)
                             .order_by(col(OrderLine.id)))),
        "shipments": shipments,
        "tracking": shipment_events(s, [sh.id or 0 for sh in shipments]),
        "events": list(s.exec(select(OrderEvent).where(OrderEvent.order_id == order.id)
                              .order_by(col(OrderEvent.id)))),
    }


def shipment_events(s: Session, shipment_ids: Sequence[int]) -> dict[int, list[ShipmentEvent]]:
    """Carriers' tracking events of these shipments, oldest first, by shipment id."""
    found: dict[int, list[ShipmentEvent]] = {i: [] for i in shipment_ids}
    if shipment_ids:
        for event in s.exec(select(ShipmentEvent).where(
                col(ShipmentEvent.shipment_id).in_(shipment_ids))
                .order_by(col(ShipmentEvent.at), col(ShipmentEvent.id))):
            found[event.shipment_id].append(event)
    return found


def list_shipments(s: Session, *, account_id: int | None = None, status: str | None = None,
                   carrier: str | None = None, limit: int = 100
                   ) -> list[tuple[Shipment, Order, str]]:
    """Shipments newest first, with their order and the order's account name (``carrier``:
    only that carrier name, case-insensitive)."""
    query = (select(Shipment, Order, Account.name).join(Order, col(Order.id) == Shipment.order_id)
             .join(Account, col(Account.id) == Order.account_id))
    if account_id is not None:
        query = query.where(Order.account_id == account_id)
    if status is not None:
        query = query.where(Shipment.status == status)
    if carrier is not None:
        query = query.where(func.lower(col(Shipment.carrier)) == carrier.strip().lower())
    rows = s.exec(query.order_by(col(Shipment.id).desc()).limit(limit)).all()
    return [(sh, order, name) for sh, order, name in rows]


# --- runs -------------------------------------------------------------------------------

def run_filters(*, account_id: int | None = None, failed: bool = False,
                flow: str | None = None, trigger: str | None = None) -> list[Any]:
    filters: list[Any] = []
    if trigger:
        filters.append(SyncRun.trigger == trigger)
    if account_id is not None:
        filters.append(SyncRun.account_id == account_id)
    if failed:
        filters.append(col(SyncRun.status).in_(FAILED_RUNS))
    if flow:
        filters.append(SyncRun.flow == flow)
    return filters


def count_runs(s: Session, filters: Sequence[Any]) -> int:
    return s.exec(select(func.count()).select_from(SyncRun).where(*filters)).one()


def list_runs(s: Session, filters: Sequence[Any], *, limit: int,
              offset: int = 0) -> list[tuple[SyncRun, str]]:
    """Runs with their account's name, newest first."""
    rows = s.exec(select(SyncRun, Account.name).join(Account, col(Account.id) == SyncRun.account_id)
                  .where(*filters).order_by(col(SyncRun.id).desc()).limit(limit).offset(offset))
    return [(run, name) for run, name in rows]


def latest_runs(s: Session, account_ids: Sequence[int]) -> dict[int, SyncRun]:
    """Each account's newest run (any flow), with one statement; accounts without runs left out."""
    if not account_ids:
        return {}
    newest = (select(func.max(SyncRun.id)).where(col(SyncRun.account_id).in_(account_ids))
              .group_by(col(SyncRun.account_id)))
    return {run.account_id: run for run in s.exec(select(SyncRun).where(col(SyncRun.id).in_(newest)))}


def run_items(s: Session, run_id: int) -> list[RunItem]:
    return list(s.exec(select(RunItem).where(RunItem.run_id == run_id).order_by(col(RunItem.id))))


def active_accounts(s: Session, flow: str | None = None) -> list[Account]:
    """Accounts that sync: enabled, not paused and, when ``flow`` is given, with that flow on
    (the one definition the scheduler and ``hub stock push`` should share)."""
    query = select(Account).where(col(Account.enabled).is_(True), col(Account.paused_reason).is_(None))
    if flow is not None:
        column = getattr(Account, f"flow_{flow}", None)
        if column is None:
            raise ValueError(f"unknown flow '{flow}'")
        query = query.where(col(column).is_(True))
    return list(s.exec(query.order_by(col(Account.name))).all())


# --- stock ------------------------------------------------------------------------------

def stock_levels(s: Session, sku: str | None = None, *, limit: int | None = None
                 ) -> list[dict[str, Any]]:
    """Stock on hand per SKU and warehouse (``hub stock list``, the console's stock page)."""
    from hub.core.storage.models import Product, StockLevel, Warehouse

    query = (select(Product.sku, Warehouse.name, StockLevel.quantity)
             .join(Product, col(Product.id) == StockLevel.product_id)
             .join(Warehouse, col(Warehouse.id) == StockLevel.warehouse_id)
             .order_by(Product.sku, Warehouse.name))
    if sku:
        query = query.where(Product.sku == sku)
    if limit is not None:
        query = query.limit(limit)
    return [{"sku": r[0], "warehouse": r[1], "quantity": r[2]} for r in s.exec(query)]


def prices(s: Session, sku: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Prices per SKU (``account`` None: the default for every account), with promotions."""
    from hub.core.storage.models import Price, Product

    query = (select(Product.sku, Price, Account.name)
             .join(Product, col(Product.id) == Price.product_id)
             .join(Account, col(Account.id) == Price.account_id, isouter=True)
             .order_by(col(Product.sku), col(Price.account_id)))
    if sku:
        query = query.where(Product.sku == sku)
    if limit is not None:
        query = query.limit(limit)
    return [{"sku": code, "account": name, "currency": p.currency, "regular": p.regular,
             "promotional": p.promotional, "promo_from": p.promo_from, "promo_to": p.promo_to}
            for code, p, name in s.exec(query)]
