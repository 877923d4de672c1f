"""Order updates out: invoice (NF-e key), shipment with tracking, delivery, cancellation.

SkyHub moves an order with one ``POST`` per step, each naming the target status:

* ``POST /orders/{code}/invoice`` ``{"status": "order_invoiced", "invoice": {"key": <the
  NF-e's 44 digits>, "issue_date": <ISO 8601>}}``: SkyHub invoices by the NF-e key, so an
  invoice without a valid key is refused before any request;
* ``POST /orders/{code}/shipments`` ``{"status": "order_shipped", "shipment": {"code", "items":
  [{"sku", "qty"}], "delivered_carrier_date", "track": {"code", "carrier", "method", "url"}}}``;
* ``POST /orders/{code}/delivery`` ``{"status": "complete"}``;
* ``POST /orders/{code}/cancel`` ``{"status": "order_canceled"}``.

A transition SkyHub does not allow is answered 422 with ``{"error": "..."}``: reported failed
with SkyHub's words, not retried. Each push reads the order first (``GET /orders/{code}``) and
answers accepted without writing when SkyHub already shows what it would write (a repeated
push whose first answer was lost).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub import (
    DataError,
    HubError,
    InvoiceDocument,
    OrderState,
    PlatformError,
    PushResult,
    Shipment,
    StateUpdate,
    valid_key,
)
from hub_skyhub import orders
from hub_skyhub.client import SkyhubClient, error_text, segment
from hub_skyhub.info import APPROVED, CANCELED, DELIVERED, INVOICED, SHIPPED
from hub_skyhub.mapping import object_of, status_of
from hub_skyhub.orders import BRT

CLOSED = {CANCELED, DELIVERED, "returned"}


def skyhub_time(value: datetime) -> str:
    """A datetime as SkyHub's samples write it: Brazilian time with its offset."""
    return value.astimezone(BRT).replace(microsecond=0).isoformat()


def invoice_keys(order: dict[str, Any]) -> set[str]:
    return {str(object_of(i).get("key")) for i in order.get("invoices") or [] if object_of(i).get("key")}


def tracking_codes(order: dict[str, Any]) -> set[str]:
    return {str(object_of(object_of(s).get("track")).get("code"))
            for s in order.get("shipments") or [] if object_of(object_of(s).get("track")).get("code")}


async def _post(client: SkyhubClient, key: str, action: str, body: dict[str, Any]) -> PushResult | None:
    """POST an update; None when SkyHub took it, else the failure to report."""
    try:
        response = await client.send_json(f"skyhub-order-{action}", "POST",
                                          f"orders/{segment(key)}/{action}", body,
                                          expect={404, 422})
    except PlatformError as exc:
        return PushResult.failed(key, str(exc), retryable=exc.status is None or exc.status >= 500)
    if response.status_code in (404, 422):
        reason = error_text(response) or response.text[:200]
        return PushResult.failed(key, f"SkyHub refused the {action} of order {key} "
                                      f"(HTTP {response.status_code}): {reason}", retryable=False)
    return None


async def _order(client: SkyhubClient, key: str) -> dict[str, Any] | PushResult:
    try:
        order = await orders.fetch_one(client, key)
    except DataError as exc:
        return PushResult.failed(key, str(exc), retryable=False)
    except HubError as exc:
        return PushResult.failed(key, str(exc))
    if order is None:
        return PushResult.failed(key, f"SkyHub has no order {key}", retryable=False)
    return order


def invoice_body(key: str, issued_at: datetime) -> dict[str, Any]:
    return {"status": INVOICED, "invoice": {"key": key, "issue_date": skyhub_time(issued_at)}}


async def push_invoice(client: SkyhubClient, invoice: InvoiceDocument) -> PushResult:
    """Invoice the order with the NF-e key (once; an invoice SkyHub shows is accepted)."""
    key = invoice.platform_order_id
    if invoice.cancelled:
        return PushResult.failed(key, f"invoice {invoice.number} was cancelled in the hub; "
                                      "SkyHub's API has no call to cancel an order's invoice: "
                                      "handle it in the SkyHub panel", retryable=False)
    if not invoice.key or not valid_key(invoice.key):
        return PushResult.failed(key, f"SkyHub invoices order {key} by its NF-e key: invoice "
                                      f"{invoice.number} has no valid 44-digit key (record the "
                                      "invoice with its NF-e)", retryable=False)
    order = await _order(client, key)
    if isinstance(order, PushResult):
        return order
    if invoice.key in invoice_keys(order):
        return PushResult.ok(key, "updated", ids={"invoice_key": invoice.key})
    status = status_of(order)
    if status != APPROVED:
        return PushResult.failed(key, f"order {key} is {status} on SkyHub; only an approved "
                                      f"({APPROVED}) order is invoiced", retryable=False)
    failed = await _post(client, key, "invoice", invoice_body(invoice.key, invoice.issued_at))
    return failed or PushResult.ok(key, "created", ids={"invoice_key": invoice.key})


def shipment_body(order: dict[str, Any], shipment: Shipment) -> dict[str, Any]:
    code = str(order.get("code"))
    count = len(order.get("shipments") or [])
    items = [{"sku": line.sku, "qty": int(line.quantity)} for line in shipment.lines if line.sku]
    if not items:
        items = [{"sku": str(object_of(i).get("id")), "qty": int(object_of(i).get("qty") or 1)}
                 for i in order.get("items") or []]
    track = {"code": shipment.tracking_number, "carrier": shipment.carrier,
             "method": str(order.get("shipping_method") or shipment.carrier),
             "url": shipment.tracking_url or ""}
    return {"status": SHIPPED, "shipment": {
        "code": code if count == 0 else f"{code}-{count + 1}", "items": items,
        "delivered_carrier_date": skyhub_time(shipment.shipped_at or datetime.now(UTC)),
        "track": track}}


async def push_tracking(client: SkyhubClient, shipment: Shipment) -> PushResult:
    """The shipment with its tracking; the invoice first when the order is not invoiced yet and
    the shipment carries an NF-e key."""
    key = shipment.platform_order_id
    order = await _order(client, key)
    if isinstance(order, PushResult):
        return order
    if shipment.tracking_number in tracking_codes(order):
        return PushResult.ok(key, "updated")
    status = status_of(order)
    if status in CLOSED:
        return PushResult.failed(key, f"order {key} is {status} on SkyHub", retryable=False)
    invoice = shipment.invoice
    if status == APPROVED and invoice is not None and invoice.key and valid_key(invoice.key):
        failed = await _post(client, key, "invoice",
                             invoice_body(invoice.key, invoice.issued_at or datetime.now(UTC)))
        if failed is not None:
            return failed
    failed = await _post(client, key, "shipments", shipment_body(order, shipment))
    return failed or PushResult.ok(key, "created")


async def push_state(client: SkyhubClient, update: StateUpdate) -> PushResult:
    """Delivered (``/delivery``) or cancelled (``/cancel``); accepted when SkyHub already shows it."""
    key = update.platform_order_id
    if update.state is OrderState.DELIVERED:
        action, status = "delivery", DELIVERED
    elif update.state is OrderState.CANCELLED:
        action, status = "cancel", CANCELED
    else:
        return PushResult.failed(key, f"SkyHub's API cannot set an order to {update.state}",
                                 retryable=False)
    order = await _order(client, key)
    if isinstance(order, PushResult):
        return order
    current = status_of(order)
    if current == status:
        return PushResult.ok(key, "updated")
    if current in CLOSED:
        return PushResult.failed(key, f"order {key} is {current} on SkyHub", retryable=False)
    failed = await _post(client, key, action, {"status": status})
    return failed or PushResult.ok(key, "updated")
