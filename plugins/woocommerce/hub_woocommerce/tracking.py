"""Pushing a shipment: customer note, order meta, completion, Shipment Tracking extension.

WooCommerce core has no tracking field, so the hub writes it three ways:

1. a customer note (``POST /orders/{id}/notes``, ``customer_note: true``,
   which e-mails the buyer) with carrier, number, URL and invoice; skipped
   when the order already has that exact note, so a retried push never
   e-mails twice;
2. order meta ``_hub_tracking_number``, ``_hub_tracking_carrier``,
   ``_hub_tracking_url``, ``_hub_invoice_number`` (``PUT /orders/{id}``), and
   ``status: completed`` only once the hub has deducted the order's stock
   (seed 001: an order is not completed on WooCommerce before that);
3. with the ``shipment_tracking`` setting, a tracking item of the Shipment
   Tracking extension, unless one with this number exists already.

Every write is read back from the response before the push counts as accepted.

Shipping an order again (``shipment.replaces``) updates instead of adding: the
REST API cannot edit a note or a tracking item, so the hub's earlier note and
the extension's item for the earlier number are deleted
(``DELETE .../notes/{id}?force=true``, ``DELETE .../shipment-trackings/{id}``)
and the current ones written; the ``_hub_*`` meta is overwritten. The order
keeps one hub tracking note and one tracking item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub import DataError, PlatformError, PushResult, Shipment, TransientError
from hub_woocommerce.client import API, WooClient, json_list, json_object

TRACKING_API = "wc-shipment-tracking/v3"
META_KEYS = {
    "tracking_number": "_hub_tracking_number",
    "carrier": "_hub_tracking_carrier",
    "tracking_url": "_hub_tracking_url",
    "invoice_number": "_hub_invoice_number",
}


NOTE_PREFIX = "Your order has shipped with "


def note_text(shipment: Shipment) -> str:
    """The customer note: carrier and number, then URL and invoice when known."""
    parts = [f"{NOTE_PREFIX}{shipment.carrier}, "
             f"tracking number {shipment.tracking_number}."]
    if shipment.tracking_url:
        parts.append(f"Track it at {shipment.tracking_url}")
    invoice = shipment.invoice
    if invoice is not None:
        text = f"Invoice {invoice.number}"
        if invoice.key:
            text += f" (key {invoice.key})"
        if invoice.url:
            text += f": {invoice.url}"
        parts.append(text)
    return "\n".join(parts)


def meta_data(shipment: Shipment) -> list[dict[str, str]]:
    """The ``_hub_*`` order meta for this shipment (only fields that have a value)."""
    values = {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "tracking_url": shipment.tracking_url,
        "invoice_number": shipment.invoice.number if shipment.invoice else None,
    }
    return [{"key": META_KEYS[name], "value": value} for name, value in values.items() if value]


def _meta_problem(order: Mapping[str, Any], wanted: list[dict[str, str]]) -> str | None:
    stored = {m.get("key"): m.get("value") for m in order.get("meta_data") or []
              if isinstance(m, Mapping)}
    for item in wanted:
        if stored.get(item["key"]) != item["value"]:
            return f"meta {item['key']} was not saved"
    return None


async def _note(client: WooClient, order_id: str, shipment: Shipment) -> str | None:
    """Add the customer note unless it is there, replacing the hub's earlier one on an
    update; None, or why it failed."""
    text = note_text(shipment)
    existing = json_list(await client.get(f"orders/{order_id}/notes", {"type": "customer"}),
                         f"notes of order {order_id}")
    if any(note.get("note") == text for note in existing):
        return None
    if shipment.replaces is not None:
        earlier = shipment.replaces.tracking_number
        for note in existing:
            body = str(note.get("note") or "")
            if body.startswith(NOTE_PREFIX) and earlier in body and note.get("id"):
                await client.http.delete(f"{API}/orders/{order_id}/notes/{note['id']}",
                                         params={"force": "true"})
    created = json_object(
        await client.post(f"{API}/orders/{order_id}/notes", {"note": text, "customer_note": True}),
        f"note on order {order_id}")
    if not created.get("id") or created.get("note") != text:
        return "the store did not confirm the customer note"
    return None


async def _extension(client: WooClient, order_id: str, shipment: Shipment) -> str | None:
    """Add a Shipment Tracking item unless this number is there; None, or why it failed."""
    path = f"{TRACKING_API}/orders/{order_id}/shipment-trackings"
    existing = json_list(await client.http.get(path), f"shipment trackings of order {order_id}")
    if any(item.get("tracking_number") == shipment.tracking_number for item in existing):
        return None
    if shipment.replaces is not None:
        for item in existing:
            if item.get("tracking_number") == shipment.replaces.tracking_number:
                await client.http.delete(f"{path}/{item.get('tracking_id')}")
    body: dict[str, Any] = {"custom_tracking_provider": shipment.carrier,
                            "tracking_number": shipment.tracking_number}
    if shipment.tracking_url:
        body["custom_tracking_link"] = shipment.tracking_url
    if shipment.shipped_at:
        body["date_shipped"] = shipment.shipped_at.date().isoformat()
    created = json_object(await client.post(path, body), f"shipment tracking of order {order_id}")
    if created.get("tracking_number") != shipment.tracking_number:
        return "the store did not confirm the shipment tracking item"
    return None


async def push(client: WooClient, shipment: Shipment, *, extension: bool) -> PushResult:
    """Write the shipment to the order; accepted only when every write was confirmed."""
    order_id = shipment.platform_order_id
    if not order_id.isdigit():
        return PushResult.failed(order_id, f"'{order_id}' is not a WooCommerce order id",
                                 retryable=False)
    try:
        problem = await _note(client, order_id, shipment)
        if problem is None:
            wanted = meta_data(shipment)
            body: dict[str, Any] = {"meta_data": wanted}
            if shipment.stock_deducted:
                body["status"] = "completed"
            order = json_object(await client.put(f"{API}/orders/{order_id}", body),
                                f"order {order_id}")
            problem = _meta_problem(order, wanted)
            if problem is None and shipment.stock_deducted and order.get("status") != "completed":
                problem = f"the order is '{order.get('status')}', not completed"
        if problem is None and extension:
            problem = await _extension(client, order_id, shipment)
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    if problem:
        return PushResult.failed(order_id, problem)
    return PushResult.ok(order_id, "updated" if shipment.replaces else "created")
