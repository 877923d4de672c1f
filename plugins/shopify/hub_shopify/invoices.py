"""Invoices out: an order metafield plus a line in the order's note, updated in place.

Shopify has no invoice object for a merchant's own (fiscal) invoices, so the hub
keeps the order's invoices in one JSON metafield, ``hub.invoices`` (a list of
``{number, series, key, value, currency, issued_at, partial, status}``, one per
invoice record), written with ``metafieldsSet`` on the order; and it keeps one
line per invoice in the order's note (``orderUpdate``), such as ``Invoice 1234
series 1: 44.00 BRL, key 3526...``. The merchant's own note text is kept: only the
hub's line for that invoice is replaced.

A correction (``replaces``) overwrites that invoice's entry and note line, found by
its earlier number; a cancellation marks the entry ``cancelled`` and its line
``Invoice 1234 cancelled``. The answer's metafield must hold what was sent before
the push counts as accepted. Needs the ``write_orders`` scope.
"""

from __future__ import annotations

import json
from typing import Any

from hub import DataError, InvoiceDocument, PlatformError, PushResult, RateLimited, TransientError
from hub_shopify.client import ShopifyClient, describe, user_errors
from hub_shopify.ids import gid, legacy_id

NAMESPACE, KEY = "hub", "invoices"
NOTE_PREFIX = "Invoice "

ORDER_INVOICES = """
query OrderInvoices($id: ID!) {
  order(id: $id) { id note metafield(namespace: "hub", key: "invoices") { value } }
}
"""

SET_INVOICES = """
mutation SetInvoices($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { key namespace value }
    userErrors { field message code }
  }
}
"""

SET_NOTE = """
mutation SetNote($input: OrderInput!) {
  orderUpdate(input: $input) { order { id note } userErrors { field message } }
}
"""


def entry(invoice: InvoiceDocument) -> dict[str, Any]:
    """The invoice as the ``hub.invoices`` metafield keeps it."""
    return {"number": invoice.number, "series": invoice.series, "key": invoice.key,
            "value": str(invoice.value.amount), "currency": invoice.value.currency,
            "issued_at": invoice.issued_at.isoformat(), "partial": invoice.partial,
            "status": "cancelled" if invoice.cancelled else "active"}


def note_line(invoice: InvoiceDocument) -> str:
    head = f"{NOTE_PREFIX}{invoice.number}" + (f" series {invoice.series}" if invoice.series else "")
    if invoice.cancelled:
        return f"{head} cancelled"
    line = f"{head}: {invoice.value.amount} {invoice.value.currency}"
    if invoice.partial:
        line += " (partial)"
    if invoice.key:
        line += f", key {invoice.key}"
    return line


def _is_hub_line(line: str, numbers: set[str]) -> bool:
    return any(line.startswith(f"{NOTE_PREFIX}{n} ") or line.startswith(f"{NOTE_PREFIX}{n}:")
               for n in numbers)


async def push(client: ShopifyClient, invoice: InvoiceDocument) -> PushResult:
    """Write the invoice to the order's metafield and note; accepted once read back."""
    order_id = invoice.platform_order_id
    if not (legacy_id(order_id) or "").isdigit():
        return PushResult.failed(order_id, f"'{order_id}' is not a Shopify order id",
                                 retryable=False)
    numbers = {invoice.number} | ({invoice.replaces.number} if invoice.replaces else set())
    owner = gid("Order", order_id)
    try:
        result = await client.graphql(ORDER_INVOICES, {"id": owner},
                                      what=f"invoices of order {order_id}")
        order = result.data.get("order")
        if not isinstance(order, dict):
            return PushResult.failed(order_id, "Shopify has no such order", retryable=False)
        try:
            held = json.loads((order.get("metafield") or {}).get("value") or "[]")
        except ValueError:
            held = []
        invoices = [e for e in held if isinstance(e, dict)] if isinstance(held, list) else []
        existed = any(e.get("number") in numbers for e in invoices)
        invoices = [e for e in invoices if e.get("number") not in numbers] + [entry(invoice)]
        value = json.dumps(invoices, separators=(",", ":"))
        saved = await client.graphql(SET_INVOICES, {"metafields": [
            {"ownerId": owner, "namespace": NAMESPACE, "key": KEY, "type": "json",
             "value": value}]}, what=f"invoice metafield of order {order_id}")
        payload = saved.data.get("metafieldsSet")
        errors = user_errors(payload)
        if errors:
            return PushResult.failed(order_id, describe(errors), retryable=False)
        written = [m.get("value") for m in (payload or {}).get("metafields") or []]
        if not written or json.loads(written[0]) != invoices:
            return PushResult.failed(order_id, "the invoice metafield was not saved")
        lines = [ln for ln in str(order.get("note") or "").splitlines()
                 if not _is_hub_line(ln, numbers)]
        note = "\n".join([*lines, note_line(invoice)])
        updated = await client.graphql(SET_NOTE, {"input": {"id": owner, "note": note}},
                                       what=f"note of order {order_id}")
        errors = user_errors(updated.data.get("orderUpdate"))
        if errors:
            return PushResult.failed(order_id, describe(errors), retryable=False)
    except (TransientError, RateLimited) as exc:
        return PushResult.failed(order_id, exc.message)
    except (PlatformError, DataError) as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    return PushResult.ok(order_id, "updated" if existed or invoice.replaces else "created")
