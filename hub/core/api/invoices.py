"""``/api/orders/{id}/invoices``: record, correct, cancel and list an order's invoices.

The same service as ``hub orders invoice``: an authorised NF-e XML (``xml``) or a
number with its value, key and date; ``lines`` for a partial invoice; ``replace``
to correct one. Refusals (a cancelled order, a number or value already invoiced,
an unauthorised or malformed NF-e naming its field) answer 422 with the reason.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, StringConstraints

from hub.core.api.schemas import MAX_INT, MAX_ITEMS, Money, Strict, Text100, Text200, Text1000, UTCDateTime
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.storage.invoices import Invoice
from hub.core.sync import invoicing

router = APIRouter(prefix="/api/orders", tags=["invoices"], dependencies=[Depends(require_api_key)])
OrderId = Annotated[int, Path(ge=1, le=MAX_INT, description="the hub's order id")]
Number = Annotated[str, Path(min_length=1, max_length=60, description="the invoice number")]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, unknown or revoked API key"},
    404: {"description": "no such order"},
    422: {"description": "refused: the reason names what to fix (field at fault in an NF-e, "
                         "a number or value already invoiced, a cancelled order)"}}
Xml = Annotated[str, StringConstraints(min_length=1, max_length=5_000_000)]


class InvoiceLineIn(Strict):
    sku: Text200
    quantity: Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=4, allow_inf_nan=False)]


class InvoiceIn(Strict):
    """An authorised NF-e XML (``xml``), or ``number`` with the other fields."""

    xml: Xml | None = Field(None, description="the authorised NF-e (nfeProc) as received")
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=60)] | None = None
    series: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=10)] | None = None
    key: Text100 | None = Field(None, description="access key (Brazil: 44 digits)")
    value: Money | None = Field(None, description="default: the order total (or the lines')")
    date: UTCDateTime | None = None
    url: Text1000 | None = None
    lines: list[InvoiceLineIn] | None = Field(None, max_length=MAX_ITEMS,
                                              description="a partial invoice: SKU and quantity")
    replace: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = Field(
        None, description="correct this invoice number of the order instead of adding one")


class CancelIn(Strict):
    reason: Text200 | None = None


class InvoiceOut(BaseModel):
    id: int
    order_id: int
    number: str
    series: str | None
    key: str | None
    issued_at: datetime
    value: Decimal
    currency: str
    partial: bool
    status: str
    source: str
    lines: list[dict[str, Any]]
    platform_ids: dict[str, str]
    has_xml: bool


class InvoiceRecorded(InvoiceOut):
    action: str
    queued: bool


def invoice_out(row: Invoice) -> InvoiceOut:
    return InvoiceOut(id=row.id or 0, order_id=row.order_id, number=row.number, series=row.series,
                      key=row.key, issued_at=row.issued_at, value=row.value, currency=row.currency,
                      partial=row.partial, status=row.status, source=row.source,
                      lines=[{"sku": ln.get("sku"), "quantity": ln["quantity"]}
                             for ln in row.lines or []],
                      platform_ids=dict(row.platform_ids or {}), has_xml=row.xml is not None)


@router.get("/{order_id}/invoices", response_model=list[InvoiceOut], responses=ERRORS)
async def list_invoices(order_id: OrderId, app: HubApp = Depends(hub_app)) -> list[InvoiceOut]:
    """The order's invoices, cancelled ones included, oldest first."""
    return [invoice_out(row) for row in invoicing.invoices_of(app, order_id)]


@router.post("/{order_id}/invoices", response_model=InvoiceRecorded, status_code=201,
             responses=ERRORS)
async def record(order_id: OrderId, body: InvoiceIn,
                 app: HubApp = Depends(hub_app)) -> InvoiceRecorded:
    """Record an invoice (or correct one with ``replace``); it is queued for the platform
    when the account's tracking flow is on, and the order moves to ``invoiced``."""
    lines = [(ln.sku, ln.quantity) for ln in body.lines] if body.lines else None
    if body.xml is not None:
        given = invoicing.InvoiceInput.from_xml(body.xml, lines)
        given.url = body.url
    else:
        given = invoicing.InvoiceInput(number=body.number, series=body.series, key=body.key,
                                       issued_at=body.date, value=body.value, url=body.url,
                                       lines=lines)
    done = invoicing.record_invoice(app, order_id, given, source="api", replace=body.replace)
    return InvoiceRecorded(**invoice_out(done.invoice).model_dump(), action=done.action,
                           queued=done.queued)


@router.post("/{order_id}/invoices/{number}/cancel", response_model=InvoiceRecorded,
             responses=ERRORS)
async def cancel(order_id: OrderId, number: Number, body: CancelIn | None = None,
                 app: HubApp = Depends(hub_app)) -> InvoiceRecorded:
    """Cancel one invoice of the order; the platform's copy is updated, not added to."""
    done = invoicing.cancel_invoice(app, order_id, number, source="api",
                                    reason=body.reason if body else None)
    return InvoiceRecorded(**invoice_out(done.invoice).model_dump(), action=done.action,
                           queued=done.queued)
