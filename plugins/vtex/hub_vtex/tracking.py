"""Invoice and tracking out: the order invoice notification, then tracking updates.

VTEX takes tracking with an invoice. A shipment that carries an invoice the
order does not have yet is sent with ``POST /api/oms/pvt/orders/{id}/invoice``
(``type`` Output, ``invoiceValue`` and item prices in cents, courier, tracking
number and URL); an order still ``ready-for-handling`` is moved to ``handling``
first. When the order already has that invoice (a re-push after the hub
deducted stock, a changed tracking number) or the shipment has no invoice but
the order was invoiced by another system, the tracking goes to the invoice with
``PATCH /api/oms/pvt/orders/{id}/invoice/{invoiceNumber}``. A shipment without an
invoice on an order without one fails and is retried (the invoice may still
come from another system). Every push is confirmed by reading the order back.

Shipping an order again (``shipment.replaces``) updates the invoice the hub
sent before: its tracking is PATCHed onto that invoice number, never a second
invoice POSTed (VTEX would settle the order's value twice). VTEX cannot
renumber an invoice, so a new invoice number for an invoiced order fails with
what to do; so does a new invoice for an order already invoiced in full.

Invoice items are the order's SKUs (``items[].id``) at their selling price in
cents, matched to the shipment's lines by line id (``uniqueId``) or SKU; a
shipment without lines invoices every item.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from hub import DataError, HubError, InvoiceDocument, PlatformError, PushResult, Shipment
from hub_vtex.client import VtexClient, segment
from hub_vtex.mapping import object_of

READY = "ready-for-handling"
CLOSED = ("canceled", "cancel", "cancellation-requested")


def cents(amount: Decimal, field: str) -> int:
    """An exact amount in cents (``24.99`` -> ``2499``); DataError when it has fractions of a cent."""
    value = amount * 100
    if value != value.to_integral_value():
        raise DataError(f"{field}: {amount} has fractions of a cent")
    return int(value)


def _iso(value: datetime | None) -> str:
    return (value or datetime.now(UTC)).astimezone(UTC).isoformat()


def _packages(order: dict[str, Any]) -> list[dict[str, Any]]:
    attachment = object_of(order.get("packageAttachment"))
    return [p for p in attachment.get("packages") or [] if isinstance(p, dict)]


def invoice_items(order: dict[str, Any], shipment: Shipment | InvoiceDocument
                  ) -> list[dict[str, Any]]:
    """The invoiced SKUs: ``{"id": skuId, "price": unit cents, "quantity": n}`` (a shipment's
    or an invoice's lines; none: every item)."""
    items = [i for i in order.get("items") or [] if isinstance(i, dict)]
    chosen: list[tuple[dict[str, Any], int]] = []
    if not shipment.lines:
        chosen = [(item, int(item.get("quantity") or 0)) for item in items]
    for line in shipment.lines:
        match = next((i for i in items if line.platform_line_id
                      and str(i.get("uniqueId")) == line.platform_line_id), None)
        match = match or next((i for i in items if line.sku and i.get("refId") == line.sku), None)
        if match is None:
            raise DataError(f"shipment line {line.platform_line_id or line.sku} is not an item "
                            f"of order {shipment.platform_order_id}")
        chosen.append((match, int(line.quantity)))
    return [{"id": str(item["id"]),
             "price": int(item.get("sellingPrice", item.get("price")) or 0),
             "quantity": quantity} for item, quantity in chosen if quantity > 0]


def invoice_body(order: dict[str, Any], shipment: Shipment) -> dict[str, Any]:
    """The Output invoice notification for ``shipment``."""
    invoice = shipment.invoice
    assert invoice is not None
    value = (cents(invoice.value.amount, "invoice value") if invoice.value is not None
             else int(order.get("value") or 0))
    body: dict[str, Any] = {
        "type": "Output",
        "issuanceDate": _iso(invoice.issued_at or shipment.shipped_at),
        "invoiceNumber": invoice.number,
        "invoiceValue": str(value),
        "invoiceKey": invoice.key,
        "invoiceUrl": invoice.url,
        "courier": shipment.carrier,
        "trackingNumber": shipment.tracking_number,
        "trackingUrl": shipment.tracking_url or "",
        "dispatchedDate": _iso(shipment.shipped_at) if shipment.shipped_at else None,
        "items": invoice_items(order, shipment),
    }
    return {k: v for k, v in body.items() if v is not None or k == "dispatchedDate"}


def tracking_body(shipment: Shipment) -> dict[str, Any]:
    """The tracking update: all four fields, as the OpenAPI document requires them."""
    return {"trackingNumber": shipment.tracking_number,
            "trackingUrl": shipment.tracking_url or "",
            "courier": shipment.carrier,
            "dispatchedDate": _iso(shipment.shipped_at) if shipment.shipped_at else None}


def _tracked(order: dict[str, Any] | None, number: str, shipment: Shipment) -> bool:
    return any(str(p.get("invoiceNumber")) == number
               and p.get("trackingNumber") == shipment.tracking_number
               for p in _packages(order or {}))


async def push(client: VtexClient, shipment: Shipment) -> PushResult:
    """Send ``shipment``'s invoice and tracking; accepted once the order shows them."""
    key = shipment.platform_order_id
    try:
        order = await client.order(key)
        if order is None:
            return PushResult.failed(key, f"VTEX has no order {key}", retryable=False)
        status = str(order.get("status"))
        if status in CLOSED:
            return PushResult.failed(key, f"order {key} is {status} on VTEX", retryable=False)
        path = f"api/oms/pvt/orders/{segment(key)}/invoice"
        outputs = [p for p in _packages(order) if p.get("type", "Output") == "Output"
                   and p.get("invoiceNumber")]
        number = shipment.invoice.number if shipment.invoice else None
        numbers = [str(p["invoiceNumber"]) for p in outputs]
        earlier = shipment.replaces.invoice_number if shipment.replaces else None
        action: Literal["created", "updated"] = "updated"
        if number and number not in numbers and outputs:
            # the order already has an invoice: the hub's earlier one, or a full one
            held = earlier if earlier in numbers else None
            invoiced = sum(int(p.get("invoiceValue") or 0) for p in outputs)
            if held or invoiced >= int(order.get("value") or 0):
                return PushResult.failed(key, f"order {key} already has invoice "
                                         f"{held or numbers[-1]} on VTEX, which cannot be "
                                         f"renumbered to {number}: ship again with "
                                         f"--invoice-number {held or numbers[-1]}, or cancel "
                                         "that invoice on VTEX first", retryable=False)
        if number and number not in numbers:
            if status == READY:
                await client.start_handling(key)
            await client.send_json(client.oms, "POST", path, invoice_body(order, shipment))
            action = "created"
        elif number or outputs:
            number = number or (earlier if earlier in numbers else numbers[-1])
            await client.send_json(client.oms, "PATCH", f"{path}/{segment(number)}",
                                   tracking_body(shipment), idempotent=True)
        else:
            return PushResult.failed(key, f"order {key} has no invoice on VTEX, and VTEX takes "
                                     "tracking only with one: ship with --invoice-number")
        assert number is not None
        if not _tracked(await client.order(key), number, shipment):
            return PushResult.failed(key, f"order {key} does not show tracking "
                                     f"{shipment.tracking_number} on invoice {number}")
    except HubError as exc:
        permanent = isinstance(exc, DataError) or (isinstance(exc, PlatformError)
                                                   and exc.status in (400, 404))
        return PushResult.failed(key, str(exc), retryable=not permanent)
    return PushResult.ok(key, action)
