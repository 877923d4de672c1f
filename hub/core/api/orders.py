"""``/api/orders``: list and read imported orders, deduct their stock, record shipments.

Listing is ordered by ``(updated_at, id)``: a back office that polls with
``updated_since`` set to the last ``updated_at`` it saw (inclusive) and drops
ids it already has never misses a change, even while orders change between pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from sqlmodel import Session, col, func, select

from hub.core.api.schemas import (
    MAX_INT,
    CustomerOut,
    Deducted,
    EventOut,
    LineOut,
    OrderDetail,
    OrderList,
    OrderSummary,
    ShipmentCreated,
    ShipmentIn,
    ShipmentOut,
    Text100,
    Totals,
    UTCDateTime,
)
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.storage.models import Account, Customer, Order, OrderEvent, OrderLine, Shipment
from hub.core.sync import fulfilment
from hub.errors import ConfigError

router = APIRouter(prefix="/api/orders", tags=["orders"], dependencies=[Depends(require_api_key)])
OrderId = Annotated[int, Path(ge=1, le=MAX_INT, description="the hub's order id")]
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no such order"}}


def _summary(order: Order, account: str) -> dict[str, Any]:
    return {"id": order.id, "account": account, "platform": order.platform,
            "platform_order_id": order.platform_order_id, "number": order.number,
            "status": order.status, "created_at": order.platform_created_at,
            "updated_at": order.updated_at, "total": order.total, "currency": order.currency,
            "deducted": order.stock_deducted_at is not None}


def _shipment(sh: Shipment) -> ShipmentOut:
    return ShipmentOut(id=sh.id or 0, carrier=sh.carrier, tracking_number=sh.tracking_number,
                       tracking_url=sh.tracking_url, invoice_number=sh.invoice_number,
                       invoice_key=sh.invoice_key, invoice_date=sh.invoice_date,
                       invoice_value=sh.invoice_value, created_at=sh.created_at)


def order_detail(s: Session, order: Order) -> OrderDetail:
    """Everything the hub holds about one order: lines, customer, shipments, event feed."""
    account = s.get(Account, order.account_id)
    customer = s.get(Customer, order.customer_id) if order.customer_id else None
    lines = s.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.id)))
    shipments = s.exec(select(Shipment).where(Shipment.order_id == order.id).order_by(col(Shipment.id)))
    events = s.exec(select(OrderEvent).where(OrderEvent.order_id == order.id)
                    .order_by(col(OrderEvent.id)))
    return OrderDetail(
        **_summary(order, account.name if account else "?"),
        deducted_at=order.stock_deducted_at,
        customer=None if customer is None else CustomerOut(
            id=customer.id or 0, first_name=customer.first_name, last_name=customer.last_name,
            email=customer.email, phone=customer.phone, unspecified=customer.unspecified),
        billing_address=order.billing_address, shipping_address=order.shipping_address,
        delivery=order.delivery, flags=order.flags or [],
        totals=Totals(subtotal=order.subtotal, shipping=order.shipping_total,
                      discount=order.discount_total, tax=order.tax_total, total=order.total),
        lines=[LineOut(sku=ln.sku, name=ln.name, quantity=ln.quantity, unit_price=ln.unit_price,
                       total=ln.total, tax=ln.tax, product_id=ln.product_id) for ln in lines],
        shipments=[_shipment(sh) for sh in shipments],
        events=[EventOut(at=ev.at, kind=ev.kind, message=ev.message) for ev in events])


@router.get("", response_model=OrderList, responses=ERRORS)
async def list_orders(
        app: HubApp = Depends(hub_app),
        account: Annotated[Text100 | None, Query(description="only this account (store)")] = None,
        platform: Annotated[Text100 | None, Query(description="only this platform (source)")] = None,
        status: Annotated[Text100 | None, Query(description="only this platform status")] = None,
        updated_since: Annotated[UTCDateTime | None, Query(
            description="only orders the hub changed at or after this time (ISO 8601; UTC "
                        "when no offset is given)")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> OrderList:
    """Imported orders matching every filter given, oldest change first."""
    account_id = app.accounts.row(account).id if account else None
    filters: list[Any] = []
    if account_id is not None:
        filters.append(Order.account_id == account_id)
    if platform:
        filters.append(Order.platform == platform)
    if status:
        filters.append(Order.status == status)
    if updated_since is not None:
        filters.append(col(Order.updated_at) >= updated_since)
    with app.db.session() as s:
        total = s.exec(select(func.count()).select_from(Order).where(*filters)).one()
        rows = s.exec(select(Order, Account.name).join(Account, col(Account.id) == Order.account_id)
                      .where(*filters).order_by(col(Order.updated_at), col(Order.id))
                      .limit(limit).offset(offset)).all()
        items = [OrderSummary(**_summary(order, name)) for order, name in rows]
    return OrderList(items=items, total=total, limit=limit, offset=offset)


@router.get("/{order_id}", response_model=OrderDetail, responses=ERRORS)
async def get_order(order_id: OrderId, app: HubApp = Depends(hub_app)) -> OrderDetail:
    """One order with its lines, customer, addresses, totals, shipments and event feed."""
    with app.db.session() as s:
        return order_detail(s, fulfilment.get_order(s, order_id))


@router.post("/{order_id}/deduct", response_model=Deducted,
             responses={**ERRORS, 409: {"description": "the order was already deducted"}})
async def deduct(order_id: OrderId, app: HubApp = Depends(hub_app)) -> Deducted:
    """Mark the order's stock as deducted: later changes on the platform no longer alter it."""
    try:
        order = fulfilment.deduct(app, order_id)
    except ConfigError as exc:  # the only one deduct raises: already deducted
        raise HTTPException(409, exc.message) from None
    assert order.stock_deducted_at is not None
    return Deducted(id=order.id or 0, deducted_at=order.stock_deducted_at)


@router.post("/{order_id}/shipments", response_model=ShipmentCreated, status_code=201,
             responses={**ERRORS, 409: {"description": "the order is cancelled or refunded "
                                                       "(send \"force\": true to ship it anyway)"}})
async def ship(order_id: OrderId, shipment: ShipmentIn,
               app: HubApp = Depends(hub_app)) -> ShipmentCreated:
    """Record a shipment (carrier, tracking, invoice); its tracking is queued for the platform
    when the account's tracking flow is on. The order's second shipment updates the first
    (``updated``: true), so the platform's fulfilment or invoice is updated, not duplicated."""
    try:
        done = fulfilment.ship_order(
            app, order_id, carrier=shipment.carrier, tracking=shipment.tracking_number,
            url=shipment.tracking_url, invoice_number=shipment.invoice_number,
            invoice_key=shipment.invoice_key, invoice_date=shipment.invoice_date,
            invoice_value=shipment.invoice_value, force=shipment.force)
    except fulfilment.ShipRefused as exc:
        raise HTTPException(409, exc.message + '; send "force": true to ship it anyway') from None
    return ShipmentCreated(**_shipment(done.shipment).model_dump(), queued=done.queued,
                           updated=done.updated)
