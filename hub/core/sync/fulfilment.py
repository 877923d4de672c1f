"""Back-office actions on imported orders: deduct stock, ship (tracking and invoice), delete."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import (
    Order,
    OrderEvent,
    OrderLine,
    OutboxItem,
    Shipment,
    StockReservation,
)
from hub.core.sync.push import enqueue
from hub.core.sync.stock import debit_level
from hub.errors import ConfigError, NotFound
from hub.types import Shipment as CanonicalShipment

if TYPE_CHECKING:
    from hub.core.app import HubApp


def get_order(s: Session, order_id: int) -> Order:
    row = s.get(Order, order_id)
    if row is None:
        raise NotFound(f"no order with id {order_id}", hint="see: hub orders list")
    return row


def _event(s: Session, order_id: int, kind: str, message: str) -> None:
    s.add(OrderEvent(order_id=order_id, kind=kind, message=message))


def shipment_payload(s: Session, order: Order, shipment: Shipment) -> dict[str, Any]:
    lines = s.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    invoice = None
    if shipment.invoice_number:
        invoice = {"number": shipment.invoice_number, "key": shipment.invoice_key,
                   "issued_at": shipment.invoice_date,
                   "value": {"amount": shipment.invoice_value or order.total,
                             "currency": order.currency}}
    canonical = CanonicalShipment(
        platform_order_id=order.platform_order_id, carrier=shipment.carrier,
        tracking_number=shipment.tracking_number, tracking_url=shipment.tracking_url,
        shipped_at=shipment.created_at, invoice=invoice,
        stock_deducted=order.stock_deducted_at is not None,
        lines=[{"platform_line_id": ln.platform_line_id, "sku": ln.sku, "quantity": ln.quantity,
                "unit_price": {"amount": ln.unit_price, "currency": order.currency}} for ln in lines])
    return canonical.model_dump(mode="json")


def ship(app: HubApp, order_id: int, *, carrier: str, tracking: str, url: str | None = None,
         invoice_number: str | None = None, invoice_key: str | None = None,
         invoice_date: datetime | None = None, invoice_value: Decimal | None = None
         ) -> tuple[Shipment, bool]:
    """Record a shipment; queue ``push_tracking`` when the account's tracking flow is on."""
    if not carrier.strip() or not tracking.strip():
        raise ConfigError("--carrier and --tracking must not be empty")
    with app.db.session() as s:
        order = get_order(s, order_id)
        shipment = Shipment(order_id=order_id, carrier=carrier, tracking_number=tracking,
                            tracking_url=url, invoice_number=invoice_number,
                            invoice_key=invoice_key, invoice_date=invoice_date,
                            invoice_value=invoice_value)
        s.add(shipment)
        s.flush()
        _event(s, order_id, "shipped", f"shipped with {carrier}, tracking {tracking}"
               + (f", invoice {invoice_number}" if invoice_number else ""))
        account = s.get(AccountRow, order.account_id)
        queued = bool(account and account.flow_tracking)
        if queued:
            enqueue(s, order.account_id, "tracking", str(shipment.id),
                    shipment_payload(s, order, shipment))
    return shipment, queued


def deduct(app: HubApp, order_id: int) -> Order:
    """Mark the order's stock as deducted: later platform changes no longer alter it."""
    with app.db.session() as s:
        order = get_order(s, order_id)
        if order.stock_deducted_at is not None:
            raise ConfigError(f"order {order_id} was already deducted on "
                              f"{order.stock_deducted_at:%Y-%m-%d %H:%M} UTC")
        order.stock_deducted_at = now()
        s.add(order)
        _event(s, order_id, "deducted", "stock deducted; platform changes are no longer applied")
        # shipments already pushed are sent again so the platform can complete the order
        account = s.get(AccountRow, order.account_id)
        if account and account.flow_tracking:
            for shipment in s.exec(select(Shipment).where(Shipment.order_id == order_id)).all():
                enqueue(s, order.account_id, "tracking", str(shipment.id),
                        shipment_payload(s, order, shipment))
    return order


def delete(app: HubApp, order_id: int) -> Order:
    """Delete the hub's copy so the order can be imported again; undeducted stock goes back."""
    with app.db.session() as s:
        order = get_order(s, order_id)
        for res in s.exec(select(StockReservation).where(StockReservation.order_id == order_id)):
            if order.stock_deducted_at is None:
                debit_level(s, res.product_id, res.warehouse_id, -res.quantity)
            s.delete(res)
        shipments = s.exec(select(Shipment).where(Shipment.order_id == order_id)).all()
        for shipment in shipments:
            for item in s.exec(select(OutboxItem).where(OutboxItem.kind == "tracking",
                                                        OutboxItem.key == str(shipment.id))):
                s.delete(item)
            s.delete(shipment)
        for model in (OrderLine, OrderEvent):
            for item in s.exec(select(model).where(model.order_id == order_id)).all():  # type: ignore[attr-defined]
                s.delete(item)
        s.flush()  # children first: the tables have no ORM relationships to order the deletes
        s.delete(order)
    return order
