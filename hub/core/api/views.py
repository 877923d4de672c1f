"""Query services: orders and runs as the API's schemas, for the HTTP API and the CLI alike.

Each service takes the :class:`~hub.core.storage.db.Database` (not the whole
app), reads through :mod:`hub.core.storage.queries` and returns a model from
:mod:`hub.core.api.schemas`, so ``hub orders show ID --json`` and
``GET /api/orders/ID`` are the same document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.core.api.schemas import (
    CustomerOut,
    EventOut,
    LineOut,
    OrderDetail,
    OrderList,
    OrderSummary,
    RunDetail,
    RunItemOut,
    RunList,
    RunSummary,
    ShipmentOut,
    ShipmentRow,
    TermsOut,
    Totals,
    TrackingEventOut,
)
from hub.core.storage import queries
from hub.core.storage.db import Database
from hub.core.storage.models import Account, Order, Shipment, SyncRun
from hub.core.storage.tracking import ShipmentEvent
from hub.errors import NotFound


def order_summary(order: Order, account: str) -> OrderSummary:
    return OrderSummary(id=order.id or 0, account=account, platform=order.platform,
                        platform_order_id=order.platform_order_id, number=order.number,
                        status=order.status, state=order.state,
                        created_at=order.platform_created_at,
                        updated_at=order.updated_at, total=order.total, currency=order.currency,
                        deducted=order.stock_deducted_at is not None)


def shipment_out(sh: Shipment, tracking: list[ShipmentEvent] | None = None) -> ShipmentOut:
    return ShipmentOut(id=sh.id or 0, carrier=sh.carrier, tracking_number=sh.tracking_number,
                       tracking_url=sh.tracking_url, invoice_number=sh.invoice_number,
                       invoice_key=sh.invoice_key, invoice_date=sh.invoice_date,
                       invoice_value=sh.invoice_value, created_at=sh.created_at,
                       status=sh.status, status_at=sh.status_at,
                       tracking=[TrackingEventOut(at=e.at, status=e.status, code=e.code,
                                                  text=e.text, location=e.location)
                                 for e in tracking or []])


def list_shipments(db: Database, *, account_id: int | None = None, status: str | None = None,
                   carrier: str | None = None, limit: int = 100) -> list[ShipmentRow]:
    """Shipments newest first, each with its tracking events, order and account."""
    with db.session() as s:
        rows = queries.list_shipments(s, account_id=account_id, status=status, carrier=carrier,
                                      limit=limit)
        tracking = queries.shipment_events(s, [sh.id or 0 for sh, _, _ in rows])
        return [ShipmentRow(**shipment_out(sh, tracking[sh.id or 0]).model_dump(),
                            order_id=order.id or 0, account=name, order_state=order.state)
                for sh, order, name in rows]


def list_orders(db: Database, *, account_id: int | None = None, platform: str | None = None,
                status: str | None = None, updated_since: datetime | None = None,
                limit: int | None = 100, offset: int = 0, newest_first: bool = False) -> OrderList:
    """Orders matching every filter given, with how many match in all (``limit`` None: all)."""
    filters = queries.order_filters(account_id=account_id, platform=platform, status=status,
                                    updated_since=updated_since)
    with db.session() as s:
        total = queries.count_orders(s, filters)
        rows = queries.list_orders(s, filters, limit=limit, offset=offset, newest_first=newest_first)
        items = [order_summary(order, name) for order, name in rows]
    return OrderList(items=items, total=total, limit=limit if limit is not None else total,
                     offset=offset)


def order_detail(db: Database, order_id: int) -> OrderDetail:
    """Everything the hub holds about one order: lines, customer, shipments, event feed."""
    with db.session() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(f"no order with id {order_id}", hint="see: hub orders list")
        parts: dict[str, Any] = queries.order_parts(s, order)
        account, customer = parts["account"], parts["customer"]
        return OrderDetail(
            **order_summary(order, account.name if account else "?").model_dump(),
            deducted_at=order.stock_deducted_at,
            customer=None if customer is None else CustomerOut(
                id=customer.id or 0, first_name=customer.first_name, last_name=customer.last_name,
                email=customer.email, phone=customer.phone, document=customer.document,
                unspecified=customer.unspecified),
            billing_address=order.billing_address, shipping_address=order.shipping_address,
            delivery=order.delivery, flags=order.flags or [],
            totals=Totals(subtotal=order.subtotal, shipping=order.shipping_total,
                          discount=order.discount_total, tax=order.tax_total, total=order.total),
            lines=[LineOut(sku=ln.sku, name=ln.name, quantity=ln.quantity, unit_price=ln.unit_price,
                           total=ln.total, tax=ln.tax, product_id=ln.product_id)
                   for ln in parts["lines"]],
            shipments=[shipment_out(sh, parts["tracking"][sh.id or 0])
                       for sh in parts["shipments"]],
            events=[EventOut(at=ev.at, kind=ev.kind, message=ev.message, source=ev.source,
                            actor=ev.actor)
                    for ev in parts["events"]],
            terms=_terms(s, order.id or 0))


def _terms(s: Any, order_id: int) -> TermsOut | None:
    from hub.core.connections import order_terms

    terms = order_terms(s, order_id)
    return None if terms is None else TermsOut.model_validate(terms)


def run_summary(run: SyncRun, account: str) -> RunSummary:
    return RunSummary(id=run.id or 0, account=account, flow=run.flow, trigger=run.trigger,
                      status=run.status, started_at=run.started_at, finished_at=run.finished_at,
                      counts=run.counts or {}, error=run.error, actor=run.actor)


def list_runs(db: Database, *, account_id: int | None = None, failed: bool = False,
              flow: str | None = None, limit: int = 50, offset: int = 0) -> RunList:
    """Runs, newest first, with how many match in all."""
    filters = queries.run_filters(account_id=account_id, failed=failed, flow=flow)
    with db.session() as s:
        total = queries.count_runs(s, filters)
        items = [run_summary(run, name)
                 for run, name in queries.list_runs(s, filters, limit=limit, offset=offset)]
    return RunList(items=items, total=total, limit=limit, offset=offset)


def run_detail(db: Database, run_id: int) -> RunDetail:
    """One run with the outcome of each record and its reason."""
    with db.session() as s:
        run = s.get(SyncRun, run_id)
        if run is None:
            raise NotFound(f"no run with id {run_id}", hint="see: hub runs list")
        account = s.get(Account, run.account_id)
        items = [RunItemOut(key=i.key, outcome=i.outcome, reason=i.reason, resolved=i.resolved,
                            at=i.at) for i in queries.run_items(s, run_id)]
        summary = run_summary(run, account.name if account else "?")
    return RunDetail(**summary.model_dump(), items=items)
