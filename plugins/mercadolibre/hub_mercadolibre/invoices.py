"""The authorised invoice document, attached to the sale for the buyer.

``push_invoice`` uploads the invoice's own document (Brazil: the authorised NF-e
``nfeProc`` exactly as the ERP handed it over) with ``POST
/packs/{pack_id}/fiscal_documents`` as a multipart ``fiscal_document``
(``application/xml``), to the cart's pack or, for a single sale, to its order id
(Mercado Libre's rule when ``pack_id`` is null). The answer's ``ids`` are kept by
the hub (``fiscal_document_id``), so a correction deletes that document
(``DELETE /packs/{pack_id}/fiscal_documents/{id}``) and uploads the new one, and a
cancellation deletes it: the pack never holds two documents for one invoice.

Mercado Libre takes one fiscal document per pack (its upload guide), at most 1 MB,
PDF or XML. A second invoice of the same sale (a partial invoice) is therefore
refused by Mercado Libre and reported as such. An invoice recorded without its
document (``--number``) has nothing to attach and fails saying so: the hub never
makes a document up. Attaching does not change the shipment or its label; the
NF-e import that unlocks labels on drop-off/cross-docking shipments
(``/shipments/{id}/invoice_data``) is not done here.
"""

from __future__ import annotations

import httpx

from hub import DataError, InvoiceDocument, PlatformError, PushResult, RateLimited, TransientError
from hub_mercadolibre.client import MeliClient, error_text
from hub_mercadolibre.tracking import NotWritable, _target

DOCUMENT_ID = "fiscal_document_id"


async def _delete(client: MeliClient, target: str, document_id: str) -> None:
    path = f"/packs/{target}/fiscal_documents/{document_id}"
    await client.http.request("DELETE", path, expect={404})  # already gone counts as done


async def _upload(client: MeliClient, target: str, invoice: InvoiceDocument) -> str | None:
    """Upload the document; its id, or None when the same file was already there (409)."""
    assert invoice.xml is not None
    request = httpx.Request("POST", "http://multipart.invalid/", files={
        "fiscal_document": (invoice.file_name, invoice.xml.encode("utf-8"), "application/xml")})
    path = f"/packs/{target}/fiscal_documents"
    response = await client.http.post(path, content=request.read(), expect={400, 409},
                                      headers={"Content-Type": request.headers["Content-Type"]})
    if response.status_code == 409 and "already" in error_text(response).lower():
        return None
    if response.status_code in (400, 409):
        raise NotWritable(f"Mercado Libre refused the fiscal document for pack {target}: "
                          f"{error_text(response)}")
    ids = (response.json() or {}).get("ids") or []
    return str(ids[0]) if ids else None


async def push(client: MeliClient, invoice: InvoiceDocument, *, attach: bool) -> PushResult:
    """Attach, replace or remove the invoice's document on the sale's pack."""
    key = invoice.platform_order_id
    held = invoice.platform_ids.get(DOCUMENT_ID) or None
    try:
        if not attach:
            raise NotWritable("attach_invoice is off for this account, so invoices are not "
                              "uploaded to Mercado Libre")
        target, _ = await _target(client, key)
        if invoice.cancelled:
            if held:
                await _delete(client, target, held)
            return PushResult.ok(key, "updated", ids={DOCUMENT_ID: ""})
        if invoice.xml is None:
            raise NotWritable(f"invoice {invoice.number} has no document to attach: Mercado "
                              "Libre takes the file itself; record it with --xml (the "
                              "authorised NF-e)")
        if held and invoice.replaces is not None:
            await _delete(client, target, held)
        document_id = await _upload(client, target, invoice)
    except NotWritable as exc:
        return PushResult.failed(key, str(exc), retryable=False)
    except (TransientError, RateLimited) as exc:
        return PushResult.failed(key, exc.message)
    except (PlatformError, DataError) as exc:
        return PushResult.failed(key, exc.message, retryable=False)
    ids = {DOCUMENT_ID: document_id} if document_id else {}
    return PushResult.ok(key, "updated" if held or document_id is None else "created", ids=ids)
