"""Tracking numbers and invoices for a sale.

* Shipments the seller ships (``mode`` ``me1`` or ``custom``) get the hub's
  tracking number with ``PUT /shipments/{id}`` (``tracking_number``,
  ``receiver_id``, the carrier and URL in ``comments``, and ``status: shipped``
  when ``mark_shipped``), then are read back.
* Mercado Envíos 2 shipments (``me2``, Full, Flex...) get their tracking from
  Mercado Libre, which refuses writes: the shipment is read back, and the push
  is accepted once it carries a tracking number (until then it fails as
  retryable, so the core tries again later).
* The invoice (``attach_invoice``) goes to ``POST /packs/{pack or order id}/fiscal_documents``
  as a multipart ``fiscal_document``: a small XML document holding what the
  hub records (number, key, date, value, URL). A 409 answer means it is
  already attached.

Shipping a sale again (``shipment.replaces``) updates the same shipment: the
``PUT /shipments/{id}`` overwrites its tracking number. Mercado Libre owns ME2
tracking, so a changed number there fails saying so; an invoice document
already attached stays (Mercado Libre answers 409 to a second one).
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx

from hub import DataError, PlatformError, PushResult, RateLimited, Shipment, TransientError
from hub_mercadolibre.client import MeliClient, error_text
from hub_mercadolibre.orders import numeric_id

SELF_SHIPPING_MODES = frozenset({"me1", "custom"})
DONE_STATUSES = frozenset({"shipped", "delivered"})


class NotWritable(Exception):
    """The sale cannot take this push; retrying will not change that."""


async def _target(client: MeliClient, key: str) -> tuple[str, str | None]:
    """(id the fiscal documents go to, shipment id or None) for a sale key."""
    kind, _, rest = key.partition(":")
    if kind == "pack" and numeric_id(rest):
        cart = await client.get_object(f"/packs/{rest}", missing_ok=True)
        if cart is None:
            raise NotWritable(f"cart {rest} was not found on Mercado Libre")
        return rest, numeric_id((cart.get("shipment") or {}).get("id"))
    if not numeric_id(key):
        raise NotWritable(f"'{key}' is not a Mercado Libre sale id")
    order = await client.get_object(f"/orders/{key}", missing_ok=True)
    if order is None:
        raise NotWritable(f"order {key} was not found on Mercado Libre")
    return numeric_id(order.get("pack_id")) or key, numeric_id((order.get("shipping") or {}).get("id"))


def invoice_document(shipment: Shipment) -> tuple[str, bytes]:
    """The file name and XML body describing the shipment's invoice."""
    invoice = shipment.invoice
    assert invoice is not None
    parts = [f"<number>{escape(invoice.number)}</number>"]
    if invoice.key:
        parts.append(f"<key>{escape(invoice.key)}</key>")
    if invoice.issued_at:
        parts.append(f"<issued_at>{invoice.issued_at.isoformat()}</issued_at>")
    if invoice.value:
        parts.append(f"<value currency={quoteattr(invoice.value.currency)}>"
                     f"{invoice.value.amount}</value>")
    if invoice.url:
        parts.append(f"<url>{escape(invoice.url)}</url>")
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<invoice>' + "".join(parts)
            + "</invoice>\n").encode()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in invoice.number)
    return f"invoice-{safe}.xml", body


async def attach_invoice(client: MeliClient, target: str, shipment: Shipment) -> None:
    """Upload the invoice document to the sale; already attached (409) counts as done."""
    name, content = invoice_document(shipment)
    request = httpx.Request("POST", "http://multipart.invalid/",
                            files={"fiscal_document": (name, content, "application/xml")})
    body = request.read()
    path = f"/packs/{target}/fiscal_documents"
    response = await client.http.post(path, content=body, expect={409},
                                      headers={"Content-Type": request.headers["Content-Type"]})
    if response.status_code == 409 and "already" not in error_text(response).lower():
        raise PlatformError(f"POST {path} answered 409: {error_text(response)}", status=409)


async def write_tracking(client: MeliClient, shipment_id: str, shipment: Shipment, *,
                         mark_shipped: bool) -> str | None:
    """Put the tracking on a seller-shipped shipment, or read an ME2 one; why not, or None."""
    path = f"/shipments/{shipment_id}"
    current = await client.get_object(path)
    assert current is not None
    mode = str(current.get("mode") or "")
    if mode not in SELF_SHIPPING_MODES:
        if shipment.replaces is not None and current.get("tracking_number") \
                and current.get("tracking_number") != shipment.tracking_number:
            return (f"{mode.upper() or 'Mercado Envíos'} tracking is managed by Mercado Libre: "
                    f"shipment {shipment_id} keeps {current.get('tracking_number')}, the hub "
                    f"cannot change it to {shipment.tracking_number}")
        if current.get("tracking_number"):
            return None
        return (f"{mode.upper() or 'Mercado Envíos'} tracking is managed by Mercado Libre and "
                f"shipment {shipment_id} has no tracking number yet")
    status = str(current.get("status") or "")
    if current.get("tracking_number") == shipment.tracking_number and (
            not mark_shipped or status in DONE_STATUSES):
        return None
    comments = f"{shipment.carrier}" + (f" {shipment.tracking_url}" if shipment.tracking_url else "")
    body: dict[str, Any] = {"tracking_number": shipment.tracking_number, "comments": comments}
    if current.get("receiver_id") is not None:
        body["receiver_id"] = current["receiver_id"]
    if mark_shipped and status not in DONE_STATUSES:
        body["status"] = "shipped"
    await client.put(path, body)
    after = await client.get_object(path)
    got = (after or {}).get("tracking_number")
    if got != shipment.tracking_number:
        return f"shipment {shipment_id} shows tracking number {got!r} after the update"
    return None


async def push(client: MeliClient, shipment: Shipment, *, mark_shipped: bool,
               attach: bool) -> PushResult:
    """Invoice (when there is one and ``attach``), then tracking, for one sale."""
    key = shipment.platform_order_id
    try:
        target, shipment_id = await _target(client, key)
        if attach and shipment.invoice is not None:
            await attach_invoice(client, target, shipment)
        if shipment_id is None:
            raise NotWritable("the sale has no Mercado Libre shipment (delivery agreed with the "
                              "buyer), so there is no tracking number to write")
        why = await write_tracking(client, shipment_id, shipment, mark_shipped=mark_shipped)
    except NotWritable as exc:
        return PushResult.failed(key, str(exc), retryable=False)
    except (TransientError, RateLimited) as exc:
        return PushResult.failed(key, exc.message)
    except (PlatformError, DataError) as exc:
        return PushResult.failed(key, exc.message, retryable=False)
    if why:
        return PushResult.failed(key, why, retryable=shipment.replaces is None)
    return PushResult.ok(key, "updated" if shipment.replaces else "created")
