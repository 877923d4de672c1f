"""Invoices out: the NF-e in the order's ``nfe`` metafields, the convention Tiendanube documents.

Tiendanube has no invoice API. Its order documentation ("Invoices (e.g. NFe in
Brazil)", resources/order.md) asks apps to keep an order's NF-e in two
metafields of the order, so that one app (an ERP) writes it and others (a
shipping carrier) read it: namespace ``nfe``, key ``key`` holding the access key,
and key ``link`` holding a link to the NF-e XML (``POST /metafields`` with
``owner_resource`` ``Order`` and ``owner_id`` the order's id; read with ``GET
/metafields/orders?owner_id=..&namespace=nfe``). The convention holds one NF-e
per order, so:

* a new invoice creates ``nfe/key`` (and ``nfe/link`` when the hub has the
  document's URL); already there with the same key: accepted, nothing sent;
* a correction (``replaces``) updates the metafields in place (``PUT
  /metafields/{id}``);
* a cancellation deletes them (``DELETE /metafields/{id}``);
* an invoice without an access key, or a second NF-e for an order whose
  metafield holds another one, fails (not retried) saying so: nothing else
  carries it.

Each write is read back from the store's answer.
"""

from __future__ import annotations

from typing import Any

from hub import DataError, InvoiceDocument, PlatformError, PushResult, TransientError, json_object
from hub_nuvemshop.client import StoreClient

NAMESPACE = "nfe"
DESCRIPTIONS = {"key": "Chave da NFe", "link": "Link da NFe"}  # as the documented example


async def held(client: StoreClient, order_id: str) -> dict[str, dict[str, Any]]:
    """The order's ``nfe`` metafields by key (the first of each, should a key be repeated)."""
    found: dict[str, dict[str, Any]] = {}
    async for page in client.pages("metafields/orders",
                                   {"owner_id": order_id, "namespace": NAMESPACE},
                                   f"metafields of order {order_id}"):
        for item in page:
            if item.get("namespace") == NAMESPACE and str(item.get("owner_id")) == order_id:
                found.setdefault(str(item.get("key")), item)
    return found


async def _write(client: StoreClient, order_id: str, key: str, value: str,
                 current: dict[str, Any] | None) -> str:
    """Create or update one metafield; its id, once the store's answer shows ``value``."""
    if current is not None and current.get("value") == value:
        return str(current["id"])
    if current is None:
        answer = await client.post("metafields", {
            "namespace": NAMESPACE, "key": key, "value": value, "description": DESCRIPTIONS[key],
            "owner_resource": "Order", "owner_id": int(order_id)})
    else:
        answer = await client.put(f"metafields/{current['id']}", {"value": value})
    saved = json_object(answer, f"metafield {NAMESPACE}/{key} of order {order_id}")
    if saved.get("value") != value:
        raise DataError(f"the store did not keep metafield {NAMESPACE}/{key} of order {order_id}")
    return str(saved["id"])


async def push(client: StoreClient, invoice: InvoiceDocument) -> PushResult:
    """Make the order's ``nfe`` metafields hold the invoice (see the module's docstring)."""
    order_id = invoice.platform_order_id
    if not order_id.isdigit():
        return PushResult.failed(order_id, f"'{order_id}' is not a Tiendanube order id",
                                 retryable=False)
    ours = {k for k in (invoice.key, invoice.replaces.key if invoice.replaces else None) if k}
    try:
        found = await held(client, order_id)
        holding = found.get("key")
        theirs = str(holding.get("value")) if holding else None
        if invoice.cancelled:
            if theirs in ours:
                for meta in found.values():
                    await client.delete(f"metafields/{meta['id']}", expect={404})
            return PushResult.ok(order_id, "updated")
        if not invoice.key:
            return PushResult.failed(order_id, "Tiendanube keeps an order's NF-e by its access "
                                               "key (metafield nfe/key): this invoice has none",
                                     retryable=False)
        if theirs is not None and theirs not in ours:
            return PushResult.failed(order_id, f"order {order_id} already holds NF-e {theirs} "
                                               "(metafield nfe/key), and Tiendanube's convention "
                                               "keeps one NF-e per order", retryable=False)
        ids = {"nfe_key_metafield": await _write(client, order_id, "key", invoice.key, holding)}
        link = found.get("link")
        if invoice.url:
            ids["nfe_link_metafield"] = await _write(client, order_id, "link", invoice.url, link)
        elif link is not None and theirs is not None and theirs != invoice.key:
            await client.delete(f"metafields/{link['id']}", expect={404})  # the old NF-e's link
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    return PushResult.ok(order_id, "created" if theirs is None else "updated", ids)
