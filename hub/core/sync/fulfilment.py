"""Back-office actions on imported orders: deduct stock, ship (tracking and invoice), delete.

An order has one shipment in the hub: shipping it again updates that shipment
(and its outbox item), so each platform updates the fulfilment or invoice it
already holds instead of creating a second one. A cancelled or refunded order
is not shipped unless the caller forces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.core.connections import forget_order
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import (
    Order,
    OrderEvent,
    OrderLine,
    OutboxItem,
    Shipment,
)
from hub.core.sync.invoicing import active_invoices, for_shipment
from hub.core.sync.invoicing import delete_for_order as delete_invoices
from hub.core.sync.lifecycle import change_state, current_state
from hub.core.sync.push import enqueue
from hub.core.sync.stock import give_back
from hub.core.sync.tracking_in import tracking_problem
from hub.errors import ConfigError, NotFound
from hub.lifecycle import FINAL, OrderState, refusal
from hub.types import Shipment as CanonicalShipment
from hub.types import ShipmentRef

#: status words (split on ``/``, ``-``, spaces) that mean the order must not ship
CLOSED_WORDS = frozenset({"cancelled", "canceled", "cancel", "cancellation", "refunded",
                          "voided"})

if TYPE_CHECKING:
    from hub.core.app import HubApp


def get_order(s: Session, order_id: int) -> Order:
    row = s.get(Order, order_id)
    if row is None:
        raise NotFound(f"no order with id {order_id}", hint="see: hub orders list")
    return row


def _event(s: Session, order_id: int, kind: str, message: str) -> None:
    s.add(OrderEvent(order_id=order_id, kind=kind, message=message))


class ShipRefused(ConfigError):
    """Shipping this order would tell the buyer something false (it is cancelled or refunded)."""


def closed_reason(status: str) -> str | None:
    """Why an order with platform ``status`` must not ship, or None.

    ``canceled``, ``cancellation-requested``, ``paid/cancelled``, ``refunded/unfulfilled``
    are closed; ``partially_refunded/unfulfilled`` is not (goods are left to ship).
    """
    words = set(re.split(r"[/\-\s]+", status.lower()))
    if words & {"refunded", "voided"}:
        return "refunded"
    if words & CLOSED_WORDS:
        return "cancelled"
    return None


@dataclass
class Shipped:
    """What :func:`ship_order` did: the shipment row, whether it was queued, and whether it
    updated the order's earlier shipment (``replaced``: its carrier and tracking before)."""

    shipment: Shipment
    queued: bool
    updated: bool
    replaced: ShipmentRef | None = None


def shipment_payload(s: Session, order: Order, shipment: Shipment,
                     replaces: ShipmentRef | None = None) -> dict[str, Any]:
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
        stock_deducted=order.stock_deducted_at is not None, replaces=replaces,
        lines=[{"platform_line_id": ln.platform_line_id, "sku": ln.sku, "quantity": ln.quantity,
                "unit_price": {"amount": ln.unit_price, "currency": order.currency}} for ln in lines])
    return canonical.model_dump(mode="json")


def ship(app: HubApp, order_id: int, *, carrier: str, tracking: str, url: str | None = None,
         invoice_number: str | None = None, invoice_key: str | None = None,
         invoice_date: datetime | None = None, invoice_value: Decimal | None = None,
         force: bool = False) -> tuple[Shipment, bool]:
    """Record (or update) the order's shipment; ``(row, queued)`` (see :func:`ship_order`)."""
    done = ship_order(app, order_id, carrier=carrier, tracking=tracking, url=url,
                      invoice_number=invoice_number, invoice_key=invoice_key,
                      invoice_date=invoice_date, invoice_value=invoice_value, force=force)
    return done.shipment, done.queued


def _replaces(s: Session, account_id: int, shipment: Shipment) -> ShipmentRef:
    """What the platform holds from an earlier push of ``shipment``: the accepted payload,
    else the row as it was (an unconfirmed push may still have landed)."""
    item = s.exec(select(OutboxItem).where(OutboxItem.account_id == account_id,
                                           OutboxItem.kind == "tracking",
                                           OutboxItem.key == str(shipment.id))).first()
    accepted = item.accepted if item is not None else None
    if accepted:
        invoice = accepted.get("invoice") or {}
        return ShipmentRef(carrier=accepted["carrier"], tracking_number=accepted["tracking_number"],
                           tracking_url=accepted.get("tracking_url"),
                           invoice_number=invoice.get("number"))
    return ShipmentRef(carrier=shipment.carrier, tracking_number=shipment.tracking_number,
                       tracking_url=shipment.tracking_url, invoice_number=shipment.invoice_number)


def ship_order(app: HubApp, order_id: int, *, carrier: str, tracking: str,
               url: str | None = None, invoice_number: str | None = None,
               invoice_key: str | None = None, invoice_date: datetime | None = None,
               invoice_value: Decimal | None = None, force: bool = False,
               source: str = "cli") -> Shipped:
    """Record the order's shipment, or update the one it has; queue ``push_tracking`` when
    the account's tracking flow is on.

    A second call for the same order updates the same shipment row (invoice fields not
    given are kept), and the queued payload names what it ``replaces``, so the plugin
    updates the platform's fulfilment or invoice instead of creating another.
    :class:`ShipRefused` when the order is cancelled or refunded, unless ``force``.
    The order's state moves to ``shipped`` (:func:`hub.core.sync.lifecycle.change_state`,
    ``source`` cli or api) unless it is there or further already.

    Invoice options name the order's invoice record (:mod:`hub.core.sync.invoicing`):
    the one with that number, or the order's only invoice corrected, or a new one; a
    shipment without them carries the order's latest active invoice. Either way no
    second invoice is created for the same goods.
    """
    if not carrier.strip() or not tracking.strip():
        raise ConfigError("--carrier and --tracking must not be empty")
    problem = tracking_problem(app, carrier, tracking)
    if problem:
        raise ConfigError(problem, hint="check the code on the label and record it again")
    with app.db.session() as s:
        order = get_order(s, order_id)
        closed = closed_reason(order.status)
        if closed and not force:
            raise ShipRefused(
                f"order {order_id} is {closed} on {order.platform} (status '{order.status}'): "
                "shipping it would e-mail the buyer that it shipped",
                hint="ship it anyway with --force (API: \"force\": true)")
        state = current_state(order)
        if state in FINAL and not force:
            raise ShipRefused(f"order {order_id}: {refusal(state, OrderState.SHIPPED)}",
                              hint="ship it anyway with --force (API: \"force\": true)")
        shipment = s.exec(select(Shipment).where(Shipment.order_id == order_id)
                          .order_by(col(Shipment.id).desc())).first()
        account = s.get(AccountRow, order.account_id)
        replaced = None
        if shipment is None:
            shipment = Shipment(order_id=order_id, carrier=carrier, tracking_number=tracking,
                                tracking_url=url, invoice_number=invoice_number,
                                invoice_key=invoice_key, invoice_date=invoice_date,
                                invoice_value=invoice_value)
            message = f"shipped with {carrier}, tracking {tracking}"
        else:
            replaced = _replaces(s, order.account_id, shipment)
            message = (f"shipment updated: {shipment.carrier} {shipment.tracking_number} -> "
                       f"{carrier} {tracking}")
            shipment.carrier, shipment.tracking_number, shipment.tracking_url = carrier, tracking, url
            if invoice_number is not None:
                shipment.invoice_number = invoice_number
            for name, value in (("invoice_key", invoice_key), ("invoice_date", invoice_date),
                                ("invoice_value", invoice_value)):
                if value is not None:
                    setattr(shipment, name, value)
        invoice = None
        if invoice_number is not None:
            invoice = for_shipment(s, app, order, number=invoice_number, key=invoice_key,
                                   issued_at=invoice_date, value=invoice_value, source=source)
        elif not shipment.invoice_number:
            invoice = next(reversed(active_invoices(s, order_id)), None)
        if invoice is not None:
            shipment.invoice_number, shipment.invoice_key = invoice.number, invoice.key
            shipment.invoice_date, shipment.invoice_value = invoice.issued_at, invoice.value
        s.add(shipment)
        s.flush()
        _event(s, order_id, "shipped", message
               + (f", invoice {shipment.invoice_number}" if shipment.invoice_number else ""))
        if refusal(state, OrderState.SHIPPED) is None:
            change_state(s, order, OrderState.SHIPPED, source, f"{carrier} {tracking}")
        queued = bool(account and account.flow_tracking)
        if queued:
            enqueue(s, order.account_id, "tracking", str(shipment.id),
                    shipment_payload(s, order, shipment, replaced))
    return Shipped(shipment=shipment, queued=queued, updated=replaced is not None,
                   replaced=replaced)


def deduct(app: HubApp, order_id: int, source: str = "cli") -> Order:
    """Mark the order's stock as deducted: later platform changes no longer alter it."""
    with app.db.session() as s:
        order = get_order(s, order_id)
        if order.stock_deducted_at is not None:
            raise ConfigError(f"order {order_id} was already deducted on "
                              f"{order.stock_deducted_at:%Y-%m-%d %H:%M} UTC")
        account = s.get(AccountRow, order.account_id)
        assert account is not None
        deduct_in(s, order, account, source)
    return order


def deduct_in(s: Session, order: Order, account: AccountRow, source: str,
              reason: str | None = None) -> None:
    """Deduct ``order``'s stock in the caller's transaction (an admin's ``deduct``, or the
    account's ``apply_on`` status seen on the platform)."""
    order_id = order.id or 0
    order.stock_deducted_at = now()
    s.add(order)
    s.add(OrderEvent(order_id=order_id, kind="deducted", source=source,
                     message=(f"{reason}: " if reason else "")
                     + "stock deducted; platform changes are no longer applied"))
    # shipments already pushed are sent again so the platform can complete the order
    if account.flow_tracking:
        for shipment in s.exec(select(Shipment).where(Shipment.order_id == order_id)).all():
            item = s.exec(select(OutboxItem).where(
                OutboxItem.account_id == order.account_id, OutboxItem.kind == "tracking",
                OutboxItem.key == str(shipment.id))).first()
            pending = (item.payload or {}).get("replaces") if item and item.status != "done" \
                else None  # an update not sent yet stays an update
            enqueue(s, order.account_id, "tracking", str(shipment.id),
                    shipment_payload(s, order, shipment, ShipmentRef.model_validate(pending)
                                     if pending else None))


def delete(app: HubApp, order_id: int) -> Order:
    """Delete the hub's copy so the order can be imported again; undeducted stock goes back."""
    with app.db.session() as s:
        order = get_order(s, order_id)
        give_back(s, order_id, deducted=order.stock_deducted_at is not None)
        delete_invoices(s, order_id)
        shipments = s.exec(select(Shipment).where(Shipment.order_id == order_id)).all()
        for shipment in shipments:
            for item in s.exec(select(OutboxItem).where(OutboxItem.kind == "tracking",
                                                        OutboxItem.key == str(shipment.id))):
                s.delete(item)
            s.delete(shipment)
        for line in s.exec(select(OrderLine).where(OrderLine.order_id == order_id)).all():
            s.delete(line)
        for event in s.exec(select(OrderEvent).where(OrderEvent.order_id == order_id)).all():
            s.delete(event)
        forget_order(s, order_id)
        s.flush()  # children first: the tables have no ORM relationships to order the deletes
        s.delete(order)
    return order
