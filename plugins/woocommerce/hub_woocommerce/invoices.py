"""Invoices out: order meta plus a private order note, updated in place.

WooCommerce core has no invoice object, so the hub keeps the order's invoices in
one order meta entry, ``_hub_invoices`` (a list of ``{number, series, key, value,
currency, issued_at, partial, status}``, one per invoice record), and writes
``_hub_invoice_number`` / ``_hub_invoice_key`` for the latest active one (the
keys invoice plugins and themes usually read). Each invoice also gets a private
order note (``customer_note: false``: no e-mail to the buyer) such as ``Invoice
1234 series 1: 44.00 BRL, key 3526...``.

A correction (``replaces``) overwrites that invoice's entry, found by its
earlier number, and replaces the hub's earlier note for it (``DELETE
.../notes/{id}?force=true``, then a new note); a cancellation marks the entry
``cancelled`` and replaces its note with ``Invoice 1234 cancelled``. So the order
keeps one entry and one note per invoice. The meta is read back from the PUT's
answer before the push counts as accepted.
"""

from __future__ import annotations

from typing import Any

from hub import DataError, InvoiceDocument, PlatformError, PushResult, TransientError
from hub_woocommerce.client import API, WooClient, json_list, json_object

META = "_hub_invoices"
NOTE_PREFIX = "Invoice "


def entry(invoice: InvoiceDocument) -> dict[str, Any]:
    """The invoice as the ``_hub_invoices`` meta keeps it."""
    return {"number": invoice.number, "series": invoice.series, "key": invoice.key,
            "value": str(invoice.value.amount), "currency": invoice.value.currency,
            "issued_at": invoice.issued_at.isoformat(), "partial": invoice.partial,
            "status": "cancelled" if invoice.cancelled else "active"}


def note_text(invoice: InvoiceDocument) -> str:
    """The private note for the invoice (or its cancellation)."""
    head = f"{NOTE_PREFIX}{invoice.number}" + (f" series {invoice.series}" if invoice.series else "")
    if invoice.cancelled:
        return f"{head} cancelled"
    text = f"{head}: {invoice.value.amount} {invoice.value.currency}"
    if invoice.partial:
        text += " (partial: " + ", ".join(f"{ln.sku or ln.platform_line_id} x {ln.quantity}"
                                          for ln in invoice.lines) + ")"
    if invoice.key:
        text += f", key {invoice.key}"
    if invoice.url:
        text += f", {invoice.url}"
    return text


def _meta(order: dict[str, Any], key: str) -> Any:
    return next((m.get("value") for m in order.get("meta_data") or []
                 if isinstance(m, dict) and m.get("key") == key), None)


async def _note(client: WooClient, order_id: str, invoice: InvoiceDocument,
                numbers: set[str]) -> str | None:
    """Replace the hub's notes of this invoice (by any of ``numbers``) with the current one."""
    text = note_text(invoice)
    notes = json_list(await client.get(f"orders/{order_id}/notes", {"type": "internal"}),
                      f"notes of order {order_id}")
    if any(n.get("note") == text for n in notes):
        return None
    for note in notes:
        body = str(note.get("note") or "")
        if any(body.startswith(f"{NOTE_PREFIX}{n} ") or body.startswith(f"{NOTE_PREFIX}{n}:")
               for n in numbers) and note.get("id"):
            await client.http.delete(f"{API}/orders/{order_id}/notes/{note['id']}",
                                     params={"force": "true"})
    created = json_object(await client.post(f"{API}/orders/{order_id}/notes",
                                            {"note": text, "customer_note": False}),
                          f"note on order {order_id}")
    if created.get("note") != text:
        return "the store did not confirm the invoice note"
    return None


async def push(client: WooClient, invoice: InvoiceDocument) -> PushResult:
    """Write the invoice to the order's meta and notes; accepted once the meta reads back."""
    order_id = invoice.platform_order_id
    if not order_id.isdigit():
        return PushResult.failed(order_id, f"'{order_id}' is not a WooCommerce order id",
                                 retryable=False)
    numbers = {invoice.number} | ({invoice.replaces.number} if invoice.replaces else set())
    try:
        order = json_object(await client.get(f"orders/{order_id}"), f"order {order_id}")
        held = _meta(order, META)
        invoices = [e for e in held if isinstance(e, dict)] if isinstance(held, list) else []
        mine = entry(invoice)
        existed = any(e.get("number") in numbers for e in invoices)
        invoices = [e for e in invoices if e.get("number") not in numbers] + [mine]
        active = [e for e in invoices if e.get("status") == "active"]
        latest = active[-1] if active else {"number": "", "key": ""}
        wanted = [{"key": META, "value": invoices},
                  {"key": "_hub_invoice_number", "value": latest["number"]},
                  {"key": "_hub_invoice_key", "value": latest.get("key") or ""}]
        saved = json_object(await client.put(f"{API}/orders/{order_id}", {"meta_data": wanted}),
                            f"order {order_id}")
        if _meta(saved, META) != invoices:
            return PushResult.failed(order_id, f"meta {META} was not saved")
        problem = await _note(client, order_id, invoice, numbers)
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    if problem:
        return PushResult.failed(order_id, problem)
    return PushResult.ok(order_id, "updated" if existed or invoice.replaces else "created")
