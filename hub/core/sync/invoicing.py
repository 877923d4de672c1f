"""Invoices of orders: record, correct and cancel them, and queue them for the platform.

Each invoice is one :class:`hub.core.storage.invoices.Invoice` row. Recording one
moves the order to ``invoiced`` (through :func:`change_state`, so the feed shows
who did it) unless the order is already past it (shipped, delivered), where only
the event is recorded. An order can hold several invoices, each covering some of
its lines, but never more than its lines or its total: a second invoice for what
is already invoiced is refused before anything is sent. Correcting an invoice
(``replace``) and cancelling it change the same row, and the queued document says
what it replaces or that it is cancelled, so the platform updates the invoice it
holds instead of receiving another.

Invoices travel with the account's ``tracking`` flow (seed 002's "Atualizar
Pedido" sends the NF-e and the tracking together; ``--tracking on`` has always
said "tracking and invoices"). When that flow is off, the invoice is recorded and
nothing is sent. Queued invoices are sent before the shipments of the same push,
so a shipment's tracking lands on the invoice the platform already holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.core.storage.columns import now
from hub.core.storage.invoices import ACTIVE, CANCELLED, Invoice
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Order, OrderEvent, OrderLine, OutboxItem
from hub.core.sync.lifecycle import change_state, current_state
from hub.core.sync.push import enqueue
from hub.errors import ConfigError, NotFound
from hub.fiscal.document import InvoiceDocument, InvoiceRef
from hub.fiscal.nfe import NFe, key_problem, parse_nfe
from hub.lifecycle import FINAL, FORWARD, OrderState

if TYPE_CHECKING:
    from hub.core.app import HubApp

KIND = "invoice"  # the outbox kind; sent by the tracking flow's push


class InvoiceRefused(ConfigError):
    """The invoice cannot be recorded as given; the message says what to fix."""


@dataclass
class InvoiceInput:
    """An invoice as the back office gives it: from an NF-e XML, or by number and value.

    ``lines`` is ``[(sku, quantity)]`` for a partial invoice; None covers the whole order
    (or, for an NF-e, the lines its items name).
    """

    number: str | None = None
    series: str | None = None
    key: str | None = None
    issued_at: datetime | None = None
    value: Decimal | None = None
    url: str | None = None
    xml: str | None = None
    lines: list[tuple[str, Decimal]] | None = None
    nfe: NFe | None = field(default=None, repr=False)

    @classmethod
    def from_xml(cls, document: bytes | str, lines: list[tuple[str, Decimal]] | None = None
                 ) -> InvoiceInput:
        """Read an authorised NF-e (:func:`hub.parse_nfe`); NFeError names a bad field."""
        nfe = parse_nfe(document)
        return cls(number=nfe.number, series=nfe.series, key=nfe.key, issued_at=nfe.issued_at,
                   value=nfe.total, xml=nfe.xml, lines=lines, nfe=nfe)


@dataclass
class Recorded:
    """What an invoice command did: the row, whether it was queued, and what it replaced."""

    invoice: Invoice
    queued: bool
    action: str  # created, corrected, cancelled, unchanged
    state_moved: bool = False
    note: str | None = None
    replaced: InvoiceRef | None = None


def parse_lines(text: str) -> list[tuple[str, Decimal]]:
    """``SKU:QTY,SKU:QTY`` -> ``[(sku, qty)]``; ConfigError naming the bad part."""
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        sku, sep, qty = part.rpartition(":")
        try:
            quantity = Decimal(qty)
        except ArithmeticError:
            quantity = Decimal("NaN")
        if not sep or not sku or not quantity.is_finite() or quantity <= 0:
            raise ConfigError(f"--lines: '{part}' must be SKU:QUANTITY with a quantity above 0")
        out.append((sku.strip(), quantity))
    if not out:
        raise ConfigError("--lines must name at least one SKU:QUANTITY")
    return out


def _event(s: Session, order_id: int, message: str, source: str) -> None:
    s.add(OrderEvent(order_id=order_id, kind="invoice", message=message, source=source))


def _order(s: Session, order_id: int) -> Order:
    order = s.get(Order, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", hint="see: hub orders list")
    return order


def active_invoices(s: Session, order_id: int) -> list[Invoice]:
    return list(s.exec(select(Invoice).where(Invoice.order_id == order_id,
                                             Invoice.status == ACTIVE)
                       .order_by(col(Invoice.id))).all())


def invoices_of(app: HubApp, order_id: int) -> list[Invoice]:
    """Every invoice of the order (cancelled ones too), oldest first."""
    with app.db.session() as s:
        _order(s, order_id)
        return list(s.exec(select(Invoice).where(Invoice.order_id == order_id)
                           .order_by(col(Invoice.id))).all())


def _covered_lines(s: Session, order: Order, given: InvoiceInput
                   ) -> tuple[list[dict[str, Any]], bool, str | None]:
    """The order lines the invoice covers, whether that is less than the order, and a note."""
    lines = list(s.exec(select(OrderLine).where(OrderLine.order_id == order.id)
                        .order_by(col(OrderLine.id))).all())
    wanted = given.lines
    note = None
    if wanted is None and given.nfe is not None:
        skus = {ln.sku for ln in lines if ln.sku}
        items = [(i.code, i.quantity) for i in given.nfe.items]
        if all(code in skus for code, _ in items):
            wanted = items
        else:
            note = ("its items do not all name the order's SKUs (cProd), so it is recorded as "
                    "covering the whole order; give --lines SKU:QTY for a partial invoice")
    if wanted is None:
        return ([{"line_id": ln.id, "platform_line_id": ln.platform_line_id, "sku": ln.sku,
                  "quantity": str(ln.quantity)} for ln in lines], False, note)
    covered, partial = [], False
    totals: dict[str, Decimal] = {}
    for sku, quantity in wanted:
        totals[sku] = totals.get(sku, Decimal(0)) + quantity
    for sku, quantity in totals.items():
        line = next((ln for ln in lines if ln.sku == sku), None)
        if line is None:
            raise InvoiceRefused(f"order {order.id} has no line with SKU '{sku}'",
                                 hint="see its lines: hub orders show " + str(order.id))
        if quantity > line.quantity:
            raise InvoiceRefused(f"SKU '{sku}': the invoice covers {quantity}, but order "
                                 f"{order.id} has {line.quantity}")
        covered.append({"line_id": line.id, "platform_line_id": line.platform_line_id,
                        "sku": sku, "quantity": str(quantity)})
        partial = partial or quantity < line.quantity
    partial = partial or len(totals) < len(lines)
    return covered, partial, note


def _check_room(s: Session, order: Order, covered: list[dict[str, Any]], value: Decimal,
                skip: int | None) -> None:
    """Refuse an invoice that would invoice a line or the order's total twice."""
    others = [i for i in active_invoices(s, order.id or 0) if i.id != skip]
    if not others:
        if value > order.total:
            raise InvoiceRefused(f"the invoice value {value} is above order {order.id}'s total "
                                 f"{order.total} {order.currency}")
        return
    invoiced = sum((i.value for i in others), Decimal(0))
    numbers = ", ".join(i.number for i in others)
    if invoiced + value > order.total:
        raise InvoiceRefused(
            f"order {order.id} already has invoice {numbers} for {invoiced} of its "
            f"{order.total} {order.currency}; another {value} would invoice it beyond its value",
            hint=f"correct it with --replace {others[-1].number}, or cancel it with --cancel "
                 f"{others[-1].number}")
    used: dict[Any, Decimal] = {}
    for inv in others:
        for line in inv.lines or []:
            used[line["line_id"]] = used.get(line["line_id"], Decimal(0)) + Decimal(line["quantity"])
    lines = {ln.id: ln for ln in s.exec(select(OrderLine).where(OrderLine.order_id == order.id))}
    for line in covered:
        held = lines.get(line["line_id"])
        if held is not None and used.get(line["line_id"], Decimal(0)) + Decimal(line["quantity"]) \
                > held.quantity:
            raise InvoiceRefused(
                f"SKU '{line['sku']}' of order {order.id} is already invoiced (invoice {numbers})",
                hint="give --lines for what is left, or correct that invoice with --replace")


def document(s: Session, order: Order, invoice: Invoice,
             replaces: InvoiceRef | None = None) -> InvoiceDocument:
    """The canonical document ``push_invoice`` receives for ``invoice``."""
    prices = {ln.id: ln.unit_price for ln in s.exec(select(OrderLine)
                                                     .where(OrderLine.order_id == order.id))}
    money = {"currency": invoice.currency}
    return InvoiceDocument(
        platform_order_id=order.platform_order_id, number=invoice.number, series=invoice.series,
        key=invoice.key, issued_at=invoice.issued_at,
        value={"amount": invoice.value, **money},
        order_total={"amount": order.total, "currency": order.currency},
        lines=[{"platform_line_id": ln.get("platform_line_id"), "sku": ln.get("sku"),
                "quantity": ln["quantity"],
                "unit_price": ({"amount": prices[ln["line_id"]], **money}
                               if ln.get("line_id") in prices else None)}
               for ln in invoice.lines or []],
        partial=invoice.partial, xml=invoice.xml, url=invoice.url,
        cancelled=invoice.status == CANCELLED, replaces=replaces,
        platform_ids=dict(invoice.platform_ids or {}))


def _held(s: Session, account_id: int, invoice: Invoice) -> InvoiceRef | None:
    """What the platform accepted from an earlier push of ``invoice`` (None: nothing yet)."""
    item = s.exec(select(OutboxItem).where(OutboxItem.account_id == account_id,
                                           OutboxItem.kind == KIND,
                                           OutboxItem.key == str(invoice.id))).first()
    accepted = item.accepted if item is not None else None
    if not accepted:
        return None
    return InvoiceRef(number=accepted["number"], series=accepted.get("series"),
                      key=accepted.get("key"), value=accepted.get("value"))


def _queue(s: Session, app: HubApp, order: Order, invoice: Invoice) -> bool:
    """Queue the invoice for the platform when the account's tracking flow is on.

    The document names what the platform accepted before (``replaces``), so a
    correction or a cancellation updates the platform's invoice; a document equal to
    the accepted one is not queued again.
    """
    account = s.get(AccountRow, order.account_id)
    if account is None or not account.flow_tracking:
        return False
    if not app.host.implements("push_invoice", order.platform):
        return False
    s.flush()
    payload = document(s, order, invoice).model_dump(mode="json")
    item = s.exec(select(OutboxItem).where(OutboxItem.account_id == order.account_id,
                                           OutboxItem.kind == KIND,
                                           OutboxItem.key == str(invoice.id))).first()
    if item is not None and item.accepted and _essence(item.accepted) == _essence(payload):
        return True  # the platform holds it already
    replaces = _held(s, order.account_id, invoice)
    if replaces is not None:
        payload["replaces"] = replaces.model_dump(mode="json")
    enqueue(s, order.account_id, KIND, str(invoice.id), payload)
    return True


def _essence(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in ("replaces", "platform_ids")}


def _move_to_invoiced(s: Session, order: Order, invoice: Invoice, source: str) -> bool:
    state = current_state(order)
    if state in FINAL:
        raise InvoiceRefused(f"order {order.id} is {state}: a {state} order cannot be invoiced")
    if state not in FORWARD or FORWARD.index(state) >= FORWARD.index(OrderState.INVOICED):
        return False  # already invoiced, shipped or delivered: the event alone records it
    change_state(s, order, OrderState.INVOICED, source, f"invoice {invoice.number}")
    return True


def _check_key(key: str | None) -> None:
    if key and len(key) == 44 and key.isdigit():
        problem = key_problem(key)
        if problem:
            raise InvoiceRefused(f"--key {key}: {problem}",
                                 hint="copy the NF-e access key again, or give --xml")


def record_invoice(app: HubApp, order_id: int, given: InvoiceInput, *, source: str = "cli",
                   replace: str | None = None) -> Recorded:
    """Record an invoice for the order (or correct invoice ``replace``) and queue it.

    :class:`InvoiceRefused` (nothing written) for a cancelled order, a number the
    order already has, lines or a value already invoiced, or a bad NF-e key.
    """
    if not given.number:
        raise ConfigError("give --xml NFE.xml, or --number (with --value/--key/--date)")
    _check_key(given.key)
    with app.db.session() as s:
        order = _order(s, order_id)
        state = current_state(order)
        if state in FINAL:
            raise InvoiceRefused(f"order {order_id} is {state}: a {state} order cannot be "
                                 "invoiced")
        existing = active_invoices(s, order_id)
        target: Invoice | None = None
        if replace is not None:
            target = next((i for i in existing if i.number == replace), None)
            if target is None:
                raise InvoiceRefused(f"order {order_id} has no active invoice {replace} to "
                                     "replace", hint=f"see: hub orders invoice {order_id} --list")
        clash = next((i for i in existing if i.number == given.number
                      and (i.series or None) == (given.series or None) and i is not target), None)
        if clash is not None:
            raise InvoiceRefused(f"order {order_id} already has invoice {given.number}",
                                 hint=f"correct it with --replace {given.number}")
        covered, partial, note = _covered_lines(s, order, given)
        value = given.value
        if value is None:
            value = order.total if not partial else sum(
                (Decimal(ln["quantity"]) * next(ol.unit_price for ol in s.exec(
                    select(OrderLine).where(OrderLine.id == ln["line_id"]))) for ln in covered),
                Decimal(0))
        _check_room(s, order, covered, value, target.id if target else None)
        fields: dict[str, Any] = {"number": given.number, "series": given.series, "key": given.key,
                  "issued_at": given.issued_at or now(), "value": value, "url": given.url,
                  "xml": given.xml, "lines": covered, "partial": partial,
                  "source": "nfe" if given.nfe is not None else "manual"}
        replaced = None
        if target is None:
            invoice = Invoice(order_id=order_id, account_id=order.account_id,
                              currency=order.currency, **fields)
            s.add(invoice)
            s.flush()
            action = "created"
            message = (f"invoice {given.number}" + (f" series {given.series}" if given.series else "")
                       + f" recorded: {value} {order.currency}" + (" (partial)" if partial else "")
                       + (f", key {given.key}" if given.key else ""))
        else:
            invoice = target
            replaced = InvoiceRef(number=invoice.number, series=invoice.series, key=invoice.key,
                                  value={"amount": invoice.value, "currency": invoice.currency})
            for name, val in fields.items():
                setattr(invoice, name, val)
            invoice.updated_at = now()
            s.add(invoice)
            action = "corrected"
            message = (f"invoice {replaced.number} corrected: now {given.number}, "
                       f"{value} {order.currency}" + (f", key {given.key}" if given.key else ""))
        _event(s, order_id, message + (f"; {note}" if note else ""), source)
        moved = _move_to_invoiced(s, order, invoice, source)
        queued = _queue(s, app, order, invoice)
        s.flush()
        s.refresh(invoice)
    return Recorded(invoice=invoice, queued=queued, action=action, state_moved=moved, note=note,
                    replaced=replaced)


def cancel_invoice(app: HubApp, order_id: int, number: str | None = None, *,
                   source: str = "cli", reason: str | None = None) -> Recorded:
    """Cancel invoice ``number`` of the order (the only active one when None) and queue that.

    The order keeps its state (a lifecycle never walks back); record a new invoice to
    invoice it again.
    """
    with app.db.session() as s:
        order = _order(s, order_id)
        existing = active_invoices(s, order_id)
        if number is None and len(existing) > 1:
            raise ConfigError(f"order {order_id} has {len(existing)} active invoices "
                              f"({', '.join(i.number for i in existing)}): say which with "
                              "--cancel NUMBER")
        invoice = next((i for i in existing if number is None or i.number == number), None)
        if invoice is None:
            raise InvoiceRefused(f"order {order_id} has no active invoice"
                                 + (f" {number}" if number else ""),
                                 hint=f"see: hub orders invoice {order_id} --list")
        invoice.status, invoice.updated_at = CANCELLED, now()
        s.add(invoice)
        _event(s, order_id, f"invoice {invoice.number} cancelled" + (f": {reason}" if reason else ""),
               source)
        queued = _queue(s, app, order, invoice)
        s.flush()
        s.refresh(invoice)
    return Recorded(invoice=invoice, queued=queued, action="cancelled")


def for_shipment(s: Session, app: HubApp, order: Order, *, number: str, key: str | None,
                 issued_at: datetime | None, value: Decimal | None, source: str) -> Invoice:
    """The invoice a shipment names (``hub orders ship --invoice-number``): the order's
    invoice with that number, updated with what is given; else, when the order has one
    active invoice the shipment carried before, that one corrected; else a new one.

    So shipping again never creates a second invoice for the same goods.
    """
    _check_key(key)
    existing = active_invoices(s, order.id or 0)
    invoice = next((i for i in existing if i.number == number), None)
    previous = None
    if invoice is None and len(existing) == 1:
        invoice, previous = existing[0], existing[0].number
    if invoice is None:
        _check_room(s, order, [], value if value is not None else order.total, None)
        lines = s.exec(select(OrderLine).where(OrderLine.order_id == order.id)
                       .order_by(col(OrderLine.id))).all()
        invoice = Invoice(order_id=order.id or 0, account_id=order.account_id, number=number,
                          key=key, issued_at=issued_at or now(),
                          value=value if value is not None else order.total,
                          currency=order.currency, source="shipment",
                          lines=[{"line_id": ln.id, "platform_line_id": ln.platform_line_id,
                                  "sku": ln.sku, "quantity": str(ln.quantity)} for ln in lines])
        s.add(invoice)
        s.flush()
        _event(s, order.id or 0, f"invoice {number} recorded with the shipment", source)
        _move_to_invoiced(s, order, invoice, source)
    else:
        changed: dict[str, Any] = {name: val for name, val in (("number", number), ("key", key),
                                               ("issued_at", issued_at), ("value", value))
                   if val is not None and getattr(invoice, name) != val}
        if not changed:
            return invoice
        if "value" in changed:
            _check_room(s, order, [], changed["value"], invoice.id)
        for name, val in changed.items():
            setattr(invoice, name, val)
        invoice.updated_at = now()
        s.add(invoice)
        _event(s, order.id or 0, f"invoice {previous or number} corrected with the shipment: "
               + ", ".join(f"{k} {v}" for k, v in changed.items()), source)
    _queue(s, app, order, invoice)
    return invoice


def delete_for_order(s: Session, order_id: int) -> None:
    """Remove the order's invoices and their outbox items (``hub orders delete``)."""
    for invoice in s.exec(select(Invoice).where(Invoice.order_id == order_id)).all():
        for item in s.exec(select(OutboxItem).where(OutboxItem.kind == KIND,
                                                    OutboxItem.key == str(invoice.id))):
            s.delete(item)
        s.delete(invoice)
