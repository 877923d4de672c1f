"""push_invoice against the sandbox: the authorised NF-e itself goes to the pack; a correction
replaces it and a cancellation removes it; the pack's one-document limit and the need for a
real document are enforced, so these tests can fail."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import hub
from hub.testing.nfe import build_nfe
from hub_mercadolibre import plugin


def _push(acct: Any, invoice: hub.InvoiceDocument) -> hub.PushResult:
    import asyncio

    async def go() -> hub.PushResult:
        try:
            return await plugin.push_invoice(acct, invoice)
        finally:
            await acct.aclose()

    return asyncio.run(go())


def _sale(sandbox: Any, *, pack: bool) -> str:
    return next(key for key, orders in sandbox.sales().items()
                if key.startswith("pack:") == pack and orders[0]["status"] == "paid")


def _invoice(key: str, number: int, **kw: Any) -> hub.InvoiceDocument:
    when = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    xml = build_nfe(number, [("SKU-1", "Camiseta", 1, "99.90")], issued_at=when)
    nfe = hub.parse_nfe(xml)
    return hub.InvoiceDocument(**{
        "platform_order_id": key, "number": nfe.number, "series": nfe.series, "key": nfe.key,
        "issued_at": nfe.issued_at, "value": hub.Money(amount=nfe.total, currency="BRL"),
        "xml": xml, **kw})


def test_the_authorised_nfe_itself_is_attached_to_the_pack(meli: Any, served: Any) -> None:
    sandbox, url = served
    key = _sale(sandbox, pack=True)
    invoice = _invoice(key, 1234)
    result = _push(meli.sandbox_account(sandbox, url), invoice)
    assert (result.outcome, result.action) == ("accepted", "created")
    pack = key.removeprefix("pack:")
    [document] = sandbox.fiscal_documents[pack]
    assert invoice.xml and document["content"] == invoice.xml.encode()
    assert document["content_type"] == "application/xml"
    assert document["filename"] == f"{invoice.key}-nfe.xml"
    assert result.ids == {"fiscal_document_id": document["id"]}
    again = _push(meli.sandbox_account(sandbox, url), invoice)  # landed before: not doubled
    assert again.outcome == "accepted" and len(sandbox.fiscal_documents[pack]) == 1


def test_a_correction_replaces_the_document_and_a_cancellation_removes_it(
        meli: Any, served: Any) -> None:
    sandbox, url = served
    key = _sale(sandbox, pack=False)
    first = _push(meli.sandbox_account(sandbox, url), _invoice(key, 10))
    corrected = _invoice(key, 11, replaces=hub.InvoiceRef(number="10"),
                         platform_ids=first.ids)
    second = _push(meli.sandbox_account(sandbox, url), corrected)
    assert (second.outcome, second.action) == ("accepted", "updated")
    [document] = sandbox.fiscal_documents[key]
    assert document["filename"] == f"{corrected.key}-nfe.xml"
    assert second.ids == {"fiscal_document_id": document["id"]} != first.ids
    gone = _push(meli.sandbox_account(sandbox, url), corrected.model_copy(
        update={"cancelled": True, "platform_ids": second.ids}))
    assert gone.outcome == "accepted" and sandbox.fiscal_documents[key] == []
    assert [w[0] for w in sandbox.writes if "fiscal_documents" in w[1]] == [
        "POST", "DELETE", "POST", "DELETE"]


def test_the_pack_takes_one_document_and_an_invoice_needs_its_file(meli: Any, served: Any) -> None:
    sandbox, url = served
    key = _sale(sandbox, pack=False)
    assert _push(meli.sandbox_account(sandbox, url), _invoice(key, 20)).outcome == "accepted"
    second = _push(meli.sandbox_account(sandbox, url), _invoice(key, 21, partial=True))
    assert second.outcome == "failed" and not second.retryable
    assert "at most 1 per pack" in (second.error or "")
    other = _sale(sandbox, pack=True)
    bare = hub.InvoiceDocument(platform_order_id=other, number="A-1",
                               issued_at=datetime(2026, 12, 4, tzinfo=UTC),
                               value=hub.Money(amount=Decimal("10"), currency="ARS"))
    missing = _push(meli.sandbox_account(sandbox, url), bare)
    assert missing.outcome == "failed" and "--xml" in (missing.error or "")
    assert sandbox.fiscal_documents.get(other.removeprefix("pack:"), []) == []
    off = _push(meli.sandbox_account(sandbox, url, attach_invoice="false"), _invoice(other, 30))
    assert off.outcome == "failed" and "attach_invoice is off" in (off.error or "")
