"""Invoices out: VTEX's order invoice notification, once per invoice record.

A new invoice is sent with ``POST /api/oms/pvt/orders/{orderId}/invoice``
(``type`` Output, ``invoiceNumber``, ``invoiceValue`` and item prices in cents,
``invoiceKey``, ``invoiceUrl``, and the authorised NF-e XML in
``embeddedInvoice``); a partial invoice lists only its items, and VTEX settles
that part of the order. An order still ``ready-for-handling`` is moved to
``handling`` first. Each push is confirmed by reading the order back: the invoice
must show among its packages.

VTEX keeps an invoice as first notified. ``PATCH .../invoice/{invoiceNumber}``
updates only its tracking (``courier``, ``trackingNumber``, ``trackingUrl``,
``dispatchedDate``: see :mod:`hub_vtex.tracking`), and the Orders API has no call
to renumber, revalue or cancel an invoice. So a correction of an invoice VTEX
already holds, or its cancellation, fails (not retried) saying to fix it in the
VTEX admin; nothing is faked, and never is a second invoice sent for the same
record. An invoice the order already shows (an earlier push that landed without
its answer) is accepted without sending it again.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from hub import DataError, HubError, InvoiceDocument, PlatformError, PushResult
from hub_vtex.client import VtexClient, segment
from hub_vtex.tracking import CLOSED, READY, _packages, cents, invoice_items


def invoice_body(order: dict[str, Any], invoice: InvoiceDocument) -> dict[str, Any]:
    """The Output invoice notification for ``invoice`` (without tracking)."""
    body: dict[str, Any] = {
        "type": "Output",
        "issuanceDate": invoice.issued_at.astimezone(UTC).isoformat(),
        "invoiceNumber": invoice.number,
        "invoiceValue": str(cents(invoice.value.amount, "invoice value")),
        "invoiceKey": invoice.key,
        "invoiceUrl": invoice.url,
        "embeddedInvoice": invoice.xml,
        "items": invoice_items(order, invoice),
    }
    return {k: v for k, v in body.items() if v is not None}


def _outputs(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(p["invoiceNumber"]): p for p in _packages(order)
            if p.get("type", "Output") == "Output" and p.get("invoiceNumber")}


def _unchanged(package: dict[str, Any], invoice: InvoiceDocument) -> bool:
    return (int(package.get("invoiceValue") or 0) == cents(invoice.value.amount, "invoice value")
            and (package.get("invoiceKey") or None) == invoice.key)


async def push(client: VtexClient, invoice: InvoiceDocument) -> PushResult:
    """Notify VTEX of ``invoice``; accepted once the order shows it."""
    key = invoice.platform_order_id
    try:
        order = await client.order(key)
        if order is None:
            return PushResult.failed(key, f"VTEX has no order {key}", retryable=False)
        held = _outputs(order)
        earlier = invoice.replaces.number if invoice.replaces else None
        if invoice.cancelled:
            if invoice.number not in held and earlier not in held:
                return PushResult.ok(key, "updated")  # VTEX never received it: nothing to undo
            return PushResult.failed(
                key, f"invoice {invoice.number} was cancelled in the hub, but VTEX has no API "
                     f"to cancel an invoice of order {key}: cancel it in the VTEX admin (OMS)",
                retryable=False)
        if earlier is not None and earlier in held:
            if earlier == invoice.number and _unchanged(held[earlier], invoice):
                return PushResult.ok(key, "updated", ids={"invoice_number": invoice.number})
            return PushResult.failed(
                key, f"VTEX keeps invoice {earlier} of order {key} as first notified (its "
                     "PATCH takes tracking only): correct it in the VTEX admin (OMS); the hub "
                     "sends no second invoice", retryable=False)
        if invoice.number in held:
            if _unchanged(held[invoice.number], invoice):
                return PushResult.ok(key, "updated", ids={"invoice_number": invoice.number})
            return PushResult.failed(key, f"order {key} already has invoice {invoice.number} "
                                     "on VTEX with another value or key", retryable=False)
        status = str(order.get("status"))
        if status in CLOSED:
            return PushResult.failed(key, f"order {key} is {status} on VTEX", retryable=False)
        if status == READY:
            await client.start_handling(key)
        await client.send_json(client.oms, "POST", f"api/oms/pvt/orders/{segment(key)}/invoice",
                               invoice_body(order, invoice))
        after = await client.order(key)
        if invoice.number not in _outputs(after or {}):
            return PushResult.failed(key, f"order {key} does not show invoice {invoice.number} "
                                          "after the notification")
    except HubError as exc:
        permanent = isinstance(exc, DataError) or (isinstance(exc, PlatformError)
                                                   and exc.status in (400, 404, 409))
        return PushResult.failed(key, str(exc), retryable=not permanent)
    return PushResult.ok(key, "created", ids={"invoice_number": invoice.number})
