"""push_invoice against the VTEX sandbox: one invoice notification per invoice record (with the
NF-e XML embedded), partial invoices by item, never a second invoice; corrections and
cancellations VTEX cannot take fail saying so, and the sandbox's own rules can refuse."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import hub
from hub_vtex import plugin
from hub_vtex.sandbox import VtexSandbox


def ready_order(sandbox: VtexSandbox) -> dict[str, Any]:
    return sandbox.orders[sorted(sandbox.eligible_order_ids())[0]]


def document(order: dict[str, Any], number: str = "1234", *, cents: int | None = None,
             lines: list[dict[str, Any]] | None = None, **kw: Any) -> hub.InvoiceDocument:
    value = cents if cents is not None else int(order["value"])
    return hub.InvoiceDocument(
        platform_order_id=str(order["orderId"]), number=number, series="1",
        key="35261211222333000181550010000012341123456784",
        issued_at=datetime(2024, 5, 21, 9, 0, tzinfo=UTC),
        value=hub.Money(amount=Decimal(value).scaleb(-2), currency="BRL"),
        xml="<nfeProc>the authorised document</nfeProc>", lines=lines or [],
        partial=bool(lines), **kw)


def _packages(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in order["packageAttachment"]["packages"] if p["type"] == "Output"]


def test_a_new_invoice_is_notified_once_with_its_xml_and_read_back(vt: ModuleType) -> None:
    with vt.running(orders=6) as (sandbox, acct):
        order = ready_order(sandbox)
        first = vt.run(acct, lambda a: plugin.push_invoice(a, document(order)))
        again = vt.run(acct, lambda a: plugin.push_invoice(a, document(order)))
    assert (first.outcome, first.action, first.ids) == ("accepted", "created",
                                                        {"invoice_number": "1234"})
    assert (again.outcome, again.action) == ("accepted", "updated")  # already there: not re-sent
    [sent] = sandbox.invoices
    assert sent["invoiceNumber"] == "1234" and sent["invoiceValue"] == str(order["value"])
    assert sent["embeddedInvoice"] == "<nfeProc>the authorised document</nfeProc>"
    assert sent["invoiceKey"].startswith("3526") and "trackingNumber" not in sent
    assert order["status"] == "invoiced"  # started handling, then invoiced in full
    assert [p["invoiceNumber"] for p in _packages(order)] == ["1234"]


def test_a_partial_invoice_lists_its_items_and_the_rest_can_follow(vt: ModuleType) -> None:
    with vt.running(orders=6) as (sandbox, acct):
        order = next(o for o in sandbox.orders.values()
                     if o["status"] == "ready-for-handling" and len(o["items"]) > 1)
        item = order["items"][0]
        part = item["sellingPrice"] * item["quantity"]
        first = vt.run(acct, lambda a: plugin.push_invoice(a, document(
            order, "A1", cents=part, lines=[{"platform_line_id": item["uniqueId"],
                                             "quantity": item["quantity"]}])))
        status_between = order["status"]
        rest = vt.run(acct, lambda a: plugin.push_invoice(a, document(
            order, "A2", cents=int(order["value"]) - part,
            lines=[{"platform_line_id": i["uniqueId"], "quantity": i["quantity"]}
                   for i in order["items"][1:]])))
    assert first.outcome == "accepted" and rest.outcome == "accepted"
    assert sandbox.invoices[0]["items"] == [{"id": str(item["id"]), "price": item["sellingPrice"],
                                             "quantity": item["quantity"]}]
    assert status_between == "handling" and order["status"] == "invoiced"


def test_the_sandbox_refuses_a_second_full_value_invoice(vt: ModuleType) -> None:
    with vt.running(orders=6) as (sandbox, acct):
        order = ready_order(sandbox)
        vt.run(acct, lambda a: plugin.push_invoice(a, document(order, "1")))
        twice = vt.run(acct, lambda a: plugin.push_invoice(a, document(order, "2")))
    assert twice.outcome == "failed" and not twice.retryable
    assert "exceed the order value" in (twice.error or "")
    assert [p["invoiceNumber"] for p in _packages(order)] == ["1"]


def test_a_correction_or_cancellation_vtex_holds_fails_and_sends_nothing(vt: ModuleType) -> None:
    with vt.running(orders=6) as (sandbox, acct):
        order = ready_order(sandbox)
        vt.run(acct, lambda a: plugin.push_invoice(a, document(order, "1")))
        held = hub.InvoiceRef(number="1")
        fixed = vt.run(acct, lambda a: plugin.push_invoice(a, document(order, "2", replaces=held)))
        cancelled = vt.run(acct, lambda a: plugin.push_invoice(
            a, document(order, "1", cancelled=True, replaces=held)))
        never_sent = vt.run(acct, lambda a: plugin.push_invoice(
            a, document(ready_order(sandbox), "9", cancelled=True)))
    assert fixed.outcome == "failed" and not fixed.retryable
    assert "VTEX keeps invoice 1" in (fixed.error or "") and "VTEX admin" in (fixed.error or "")
    assert cancelled.outcome == "failed" and "no API to cancel" in (cancelled.error or "")
    assert never_sent.outcome == "accepted"  # nothing on VTEX to undo
    assert len(sandbox.invoices) == 1


def test_tracking_after_the_invoice_patches_it(vt: ModuleType) -> None:
    with vt.running(orders=6) as (sandbox, acct):
        order = ready_order(sandbox)
        vt.run(acct, lambda a: plugin.push_invoice(a, document(order, "1")))
        shipment = hub.Shipment(platform_order_id=str(order["orderId"]), carrier="Correios",
                                tracking_number="BR1", invoice=hub.Invoice(number="1"))
        tracked = vt.run(acct, lambda a: plugin.push_tracking(a, shipment))
    assert tracked.outcome == "accepted" and tracked.action == "updated"
    assert [p["trackingNumber"] for p in _packages(order)] == ["BR1"]
    assert sum(1 for i in sandbox.invoices if i.get("type") == "Output") == 1  # no second POST
