"""Invoices as their own record, through the CLI and the API: an authorised NF-e is recorded
once, moves the order to invoiced, goes out through the tracking flow's outbox before the
shipment, and is corrected or cancelled in place; shipping again never adds an invoice."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

import hub
from hub.core import apikeys
from hub.core.app import HubApp
from hub.core.storage.invoices import Invoice
from hub.core.storage.models import Order, OrderEvent, OutboxItem
from hub.core.sync.push import push
from hub.testing.nfe import build_nfe
from tests.api.conftest import call, import_all
from tests.fakeplatform import FakePlatform, make_order

BRT = timezone(timedelta(hours=-3))
WHEN = datetime(2026, 12, 4, 10, 0, tzinfo=BRT)
WHOLE = [("SKU-1", "Mug", 2, "9.95"), ("SKU-2-RED", "Shirt red", 1, "20.10")]  # + 4.00 = 44.00
ADD = ("accounts", "add", "fakeshop", "--name", "main", "--set", "base_url=https://shop.example.com",
       "--set", "api_key=sk_live_very_secret_1")


class InvoicingFake(FakePlatform):
    """The fake platform, taking invoices: it keeps what it holds per order and invoice record."""

    def __init__(self) -> None:
        super().__init__()
        self.invoice_calls: list[hub.InvoiceDocument] = []
        self.calls: list[str] = []

    @hub.hookimpl
    async def push_invoice(self, account: hub.Account, invoice: hub.InvoiceDocument
                           ) -> hub.PushResult:
        self.invoice_calls.append(invoice)
        self.calls.append(f"invoice {invoice.number}")
        return hub.PushResult.ok(invoice.platform_order_id,
                                 "updated" if invoice.replaces else "created",
                                 ids={"document_id": f"doc-{invoice.number}"})

    @hub.hookimpl
    async def push_tracking(self, account: hub.Account, shipment: hub.Shipment) -> hub.PushResult:
        self.calls.append(f"tracking {shipment.invoice.number if shipment.invoice else '-'}")
        return hub.PushResult.ok(shipment.platform_order_id)


@pytest.fixture
def fake() -> FakePlatform:
    return InvoicingFake()


@pytest.fixture
def api_key(app: HubApp) -> str:
    return apikeys.create(app, "backoffice")[1]


@pytest.fixture
def order_id(hub_cli: Any, app: HubApp, fake: FakePlatform) -> int:
    hub_cli(*ADD)
    hub_cli("accounts", "flows", "main", "--tracking", "on")
    fake.add(make_order(1))
    import_all(app)
    with app.db.session() as s:
        return next(o.id or 0 for o in s.exec(select(Order)))


def _nfe(tmp_path: Path, number: int = 1234, items: list[Any] | None = None, **kw: Any) -> str:
    path = tmp_path / f"nfe-{number}.xml"
    path.write_text(build_nfe(number, items or WHOLE, issued_at=WHEN, shipping=Decimal(4), **kw))
    return str(path)


def _push(app: HubApp) -> Any:
    async def go() -> Any:
        try:
            return await push(app, "main", "tracking")
        finally:
            await app.accounts.aclose()
    return asyncio.run(go())


def _invoices(app: HubApp) -> list[Invoice]:
    with app.db.session() as s:
        return list(s.exec(select(Invoice).order_by(Invoice.id)).all())  # type: ignore[arg-type]


def _state(app: HubApp, order_id: int) -> str:
    with app.db.session() as s:
        row = s.get(Order, order_id)
        assert row is not None
        return row.state


def test_an_nfe_is_recorded_moves_the_order_and_goes_out_before_tracking(
        hub_cli: Any, app: HubApp, fake: InvoicingFake, order_id: int, tmp_path: Path) -> None:
    done = hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path))
    assert done.code == 0, done.err
    assert "invoice 1234 recorded (44.00 USD)" in done.err and "moved to invoiced" in done.err
    [row] = _invoices(app)
    assert (row.number, row.series, row.value, row.partial, row.source) == (
        "1234", "1", Decimal("44.00"), False, "nfe")
    assert row.key is not None and hub.valid_key(row.key) and row.xml and "<nfeProc" in row.xml
    assert _state(app, order_id) == "invoiced"
    hub_cli("orders", "ship", str(order_id), "--carrier", "Correios", "--tracking", "BR1")
    run = _push(app)
    assert run.counts.counts["pushed"] == 2
    assert fake.calls == ["invoice 1234", "tracking 1234"]  # the shipment names the invoice
    sent = fake.invoice_calls[0]
    assert sent.xml == row.xml and sent.value.amount == Decimal("44.00") and not sent.partial
    assert [(ln.sku, ln.quantity) for ln in sent.lines] == [("SKU-1", 2), ("SKU-2-RED", 1)]
    assert _invoices(app)[0].platform_ids == {"document_id": "doc-1234"}
    listed = hub_cli("orders", "invoice", str(order_id), "--list", "--json").json()
    assert listed[0]["platform_ids"] == {"document_id": "doc-1234"} and listed[0]["has_xml"]


def test_a_second_full_invoice_is_refused_before_anything_is_sent(
        hub_cli: Any, app: HubApp, order_id: int, tmp_path: Path) -> None:
    assert hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path)).code == 0
    again = hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path))
    assert again.code == 2 and "already has invoice 1234" in again.err and "--replace" in again.err
    other = hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path, 1235))
    assert other.code == 2 and "beyond its value" in other.err
    assert len(other.err.strip().splitlines()) == 1 and "Traceback" not in other.err
    assert len(_invoices(app)) == 1


def test_an_unauthorised_or_corrupted_nfe_is_refused_naming_the_field(
        hub_cli: Any, app: HubApp, order_id: int, tmp_path: Path) -> None:
    denied = hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path, status="110"))
    assert denied.code != 0 and "infProt/cStat is 110 (denied" in denied.err
    path = Path(_nfe(tmp_path, 77))
    text = path.read_text()
    key = text.split('Id="NFe')[1][:44]
    path.write_text(text.replace(key, key[:43] + str((int(key[43]) + 1) % 10)))
    corrupted = hub_cli("orders", "invoice", str(order_id), "--xml", str(path))
    assert corrupted.code != 0 and "infNFe/@Id" in corrupted.err and "check digit" in corrupted.err
    bad_key = hub_cli("orders", "invoice", str(order_id), "--number", "9", "--key", "1" * 44)
    assert bad_key.code == 2 and "check digit" in bad_key.err
    assert _invoices(app) == [] and _state(app, order_id) == "ready"


def test_correcting_and_cancelling_update_the_same_record_and_say_what_they_replace(
        hub_cli: Any, app: HubApp, fake: InvoicingFake, order_id: int, tmp_path: Path) -> None:
    hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path))
    _push(app)
    fixed = hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path, 1240),
                    "--replace", "1234")
    assert fixed.code == 0 and "invoice 1240 corrected" in fixed.err
    _push(app)
    correction = fake.invoice_calls[-1]
    assert correction.number == "1240" and correction.replaces is not None
    assert correction.replaces.number == "1234"
    assert correction.platform_ids == {"document_id": "doc-1234"}  # what to replace
    cancelled = hub_cli("orders", "invoice", str(order_id), "--cancel", "--reason", "wrong CFOP")
    assert cancelled.code == 0 and "invoice 1240 cancelled" in cancelled.err
    _push(app)
    last = fake.invoice_calls[-1]
    assert last.cancelled and last.number == "1240" and last.replaces is not None
    rows = _invoices(app)
    assert len(rows) == 1 and rows[0].status == "cancelled"
    assert _state(app, order_id) == "invoiced"  # a lifecycle never walks back
    with app.db.session() as s:
        kinds = [e.message for e in s.exec(select(OrderEvent)) if e.kind == "invoice"]
    assert kinds[-1] == "invoice 1240 cancelled: wrong CFOP"
    # a new invoice after the cancellation is fine (the cancelled one no longer counts)
    assert hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path, 1241)).code == 0


def test_partial_invoices_add_up_to_the_order_and_no_further(
        hub_cli: Any, app: HubApp, fake: InvoicingFake, order_id: int) -> None:
    first = hub_cli("orders", "invoice", str(order_id), "--number", "A1", "--lines", "SKU-1:1")
    assert first.code == 0 and "(9.95 USD, partial)" in first.err
    second = hub_cli("orders", "invoice", str(order_id), "--number", "A2", "--lines",
                     "SKU-2-RED:1,SKU-1:1")
    assert second.code == 0, second.err
    third = hub_cli("orders", "invoice", str(order_id), "--number", "A3", "--lines", "SKU-1:1")
    assert third.code == 2 and "beyond its value" in third.err
    unknown = hub_cli("orders", "invoice", str(order_id), "--number", "A4", "--lines", "NOPE:1")
    assert unknown.code == 2 and "no line with SKU 'NOPE'" in unknown.err
    _push(app)
    assert [(d.number, d.partial, [(ln.sku, ln.quantity) for ln in d.lines])
            for d in fake.invoice_calls] == [
        ("A1", True, [("SKU-1", 1)]), ("A2", True, [("SKU-2-RED", 1), ("SKU-1", 1)])]


def test_shipping_again_with_another_number_corrects_the_one_invoice(
        hub_cli: Any, app: HubApp, fake: InvoicingFake, order_id: int) -> None:
    hub_cli("orders", "ship", str(order_id), "--carrier", "UPS", "--tracking", "1Z",
            "--invoice-number", "NF-1")
    _push(app)
    hub_cli("orders", "ship", str(order_id), "--carrier", "UPS", "--tracking", "1Z",
            "--invoice-number", "NF-2")
    _push(app)
    rows = _invoices(app)
    assert [(r.number, r.status, r.source) for r in rows] == [("NF-2", "active", "shipment")]
    assert [(d.number, d.replaces.number if d.replaces else None) for d in fake.invoice_calls] \
        == [("NF-1", None), ("NF-2", "NF-1")]
    assert _state(app, order_id) == "shipped"  # invoiced, then shipped by the same command


def test_invoicing_a_shipped_order_records_it_without_moving_it_back(
        hub_cli: Any, app: HubApp, order_id: int, tmp_path: Path) -> None:
    with app.db.session() as s:
        row = s.get(Order, order_id)
        assert row is not None
        row.state = "shipped"
        s.add(row)
    done = hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path))
    assert done.code == 0 and "moved to invoiced" not in done.err
    assert _state(app, order_id) == "shipped"
    with app.db.session() as s:
        row = s.get(Order, order_id)
        assert row is not None
        row.state = "cancelled"
        s.add(row)
    refused = hub_cli("orders", "invoice", str(order_id), "--number", "X", "--replace", "1234")
    assert refused.code == 2 and "cancelled order cannot be invoiced" in refused.err


def test_nothing_is_queued_when_the_tracking_flow_is_off(
        hub_cli: Any, app: HubApp, order_id: int, tmp_path: Path) -> None:
    hub_cli("accounts", "flows", "main", "--tracking", "off")
    done = hub_cli("orders", "invoice", str(order_id), "--xml", _nfe(tmp_path))
    assert done.code == 0 and "tracking flow (which carries invoices) is off" in done.err
    with app.db.session() as s:
        assert s.exec(select(OutboxItem)).all() == []


def test_the_api_records_corrects_lists_and_cancels(app: HubApp, api_key: str, order_id: int,
                                                    fake: InvoicingFake) -> None:
    path = f"/api/orders/{order_id}/invoices"
    xml = build_nfe(55, WHOLE, issued_at=WHEN, shipping=Decimal(4))
    made = call(app, "POST", path, key=api_key, json={"xml": xml})
    assert made.status_code == 201, made.text
    assert made.json()["number"] == "55" and made.json()["queued"] is True
    denied = call(app, "POST", path, key=api_key,
                  json={"xml": build_nfe(56, WHOLE, issued_at=WHEN, status="110")})
    assert denied.status_code == 422 and "infProt/cStat is 110" in denied.json()["detail"]
    fixed = call(app, "POST", path, key=api_key, json={"number": "57", "value": "44.00",
                                                   "replace": "55"})
    assert fixed.status_code == 201 and fixed.json()["action"] == "corrected"
    gone = call(app, "POST", f"{path}/57/cancel", key=api_key, json={"reason": "duplicate"})
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    listed = call(app, "GET", path, key=api_key).json()
    assert [(i["number"], i["status"]) for i in listed] == [("57", "cancelled")]
    assert call(app, "GET", "/api/orders/999/invoices", key=api_key).status_code == 404
