"""An order's NF-e from `hub orders invoice` to each platform's sandbox, through the core:
recorded once, pushed by the tracking flow, corrected and cancelled in place, and read back
from the sandbox (VTEX invoice packages, Mercado Libre pack documents, WooCommerce meta/notes,
Shopify metafields/note)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core.storage.models import OrderLine
from hub.core.sync import invoicing
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub.testing.nfe import build_nfe

WHEN = datetime.now(timezone(timedelta(hours=-3))).replace(microsecond=0)


def _invoiceable(h: SandboxHarness) -> tuple[Any, str]:
    """An imported order (still open) and an authorised NF-e for all its lines."""
    for order in h.orders():
        with h.app.db.session() as s:
            lines = list(s.exec(select(OrderLine).where(OrderLine.order_id == order.id)))
        products = sum((ln.quantity * ln.unit_price for ln in lines), Decimal(0))
        if order.state != "ready" or not lines or products > order.total \
                or any(not ln.sku for ln in lines):
            continue
        xml = build_nfe(int(order.id or 0) + 1000,
                        [(ln.sku or "", ln.name, ln.quantity, ln.unit_price) for ln in lines],
                        issued_at=WHEN, shipping=order.total - products)
        return order, xml
    raise AssertionError("no order to invoice in the sandbox")


def _record(h: SandboxHarness, order: Any, xml: str, replace: str | None = None) -> Any:
    return invoicing.record_invoice(h.app, order.id or 0, invoicing.InvoiceInput.from_xml(xml),
                                    replace=replace)


def test_vtex_is_notified_once_and_a_second_ship_adds_no_invoice(tmp_path: Path) -> None:
    with SandboxHarness("vtex", tmp_path, SandboxOptions(seed=5, orders=30)) as h:
        assert h.import_orders().error is None
        order, xml = _invoiceable(h)
        done = _record(h, order, xml)
        assert done.queued and done.state_moved
        h.ship(order.id or 0, carrier="Correios", tracking="BR1")
        run = h.push("tracking")
        assert run.error is None and run.counts.counts["pushed"] == 2, run.counts.as_dict()
        vtex = h.sandbox.orders[order.platform_order_id]  # type: ignore[attr-defined]
        [package] = [p for p in vtex["packageAttachment"]["packages"] if p["type"] == "Output"]
        assert package["invoiceNumber"] == done.invoice.number
        assert package["invoiceKey"] == done.invoice.key and package["embeddedInvoice"] == xml
        assert package["trackingNumber"] == "BR1" and vtex["status"] == "invoiced"
        h.ship(order.id or 0, carrier="Correios", tracking="BR2",
               invoice_number=done.invoice.number)  # the second `orders ship`
        again = h.push("tracking")
        assert again.error is None, again.counts.as_dict()
        outputs = [p for p in vtex["packageAttachment"]["packages"] if p["type"] == "Output"]
        assert [(p["invoiceNumber"], p["trackingNumber"]) for p in outputs] == [
            (done.invoice.number, "BR2")]
        assert len(invoicing.invoices_of(h.app, order.id or 0)) == 1


def test_mercadolibre_gets_the_real_nfe_and_a_correction_replaces_it(tmp_path: Path) -> None:
    with SandboxHarness("mercadolibre", tmp_path, SandboxOptions(seed=11, orders=40)) as h:
        assert h.import_orders().error is None
        order, xml = _invoiceable(h)
        done = _record(h, order, xml)
        assert h.push("tracking").error is None
        pack = order.platform_order_id.removeprefix("pack:")
        [document] = h.sandbox.fiscal_documents[pack]  # type: ignore[attr-defined]
        assert document["content"] == xml.encode() and document["content_type"] == "application/xml"
        [row] = invoicing.invoices_of(h.app, order.id or 0)
        assert row.platform_ids == {"fiscal_document_id": document["id"]}
        fixed_xml = build_nfe(int(done.invoice.number) + 1, [("X", "X", 1, "1.00")],
                              issued_at=WHEN)
        _record(h, order, fixed_xml, replace=done.invoice.number)
        assert h.push("tracking").error is None
        [replaced] = h.sandbox.fiscal_documents[pack]  # type: ignore[attr-defined]
        assert replaced["content"] == fixed_xml.encode() and replaced["id"] != document["id"]
        invoicing.cancel_invoice(h.app, order.id or 0)
        assert h.push("tracking").error is None
        assert h.sandbox.fiscal_documents[pack] == []  # type: ignore[attr-defined]


def test_woocommerce_keeps_one_entry_and_one_note_per_invoice(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(seed=3, orders=20)) as h:
        assert h.import_orders().error is None
        order, xml = _invoiceable(h)
        done = _record(h, order, xml)
        first = h.push("tracking")
        assert first.counts.counts["created"] == 1, first.counts.as_dict()
        oid = int(order.platform_order_id)
        fixed = build_nfe(int(done.invoice.number) + 5, [("X", "X", 1, "1.00")], issued_at=WHEN)
        _record(h, order, fixed, replace=done.invoice.number)
        second = h.push("tracking")
        assert second.counts.counts["updated"] == 1, second.counts.as_dict()
        woo = h.sandbox.orders[oid]  # type: ignore[attr-defined]
        meta = {m["key"]: m["value"] for m in woo["meta_data"]}
        new_number = str(int(done.invoice.number) + 5)
        assert [e["number"] for e in meta["_hub_invoices"]] == [new_number]
        assert meta["_hub_invoice_number"] == new_number
        notes = [n["note"] for n in h.sandbox.notes[oid] if not n["customer_note"]]  # type: ignore[attr-defined]
        assert len(notes) == 1 and notes[0].startswith(f"Invoice {new_number} series 1: 1.00")
        invoicing.cancel_invoice(h.app, order.id or 0)
        assert h.push("tracking").error is None
        meta = {m["key"]: m["value"] for m in woo["meta_data"]}
        assert [e["status"] for e in meta["_hub_invoices"]] == ["cancelled"]
        assert meta["_hub_invoice_number"] == ""
        notes = [n["note"] for n in h.sandbox.notes[oid] if not n["customer_note"]]  # type: ignore[attr-defined]
        assert notes == [f"Invoice {new_number} series 1 cancelled"]


@pytest.mark.parametrize("platform", ["vtex", "mercadolibre", "woocommerce"])
def test_nothing_goes_out_with_the_tracking_flow_off(platform: str, tmp_path: Path) -> None:
    with SandboxHarness(platform, tmp_path, SandboxOptions(seed=5, orders=20),
                        flows=("orders",)) as h:
        assert h.import_orders().error is None
        order, xml = _invoiceable(h)
        assert not _record(h, order, xml).queued
        with h.app.db.session() as s:
            from hub.core.storage.models import OutboxItem

            assert s.exec(select(OutboxItem)).all() == []


def test_shopify_keeps_one_metafield_entry_and_one_note_line_per_invoice(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(seed=7, orders=20)) as h:
        assert h.import_orders().error is None
        order, xml = _invoiceable(h)
        store = h.sandbox.store  # type: ignore[attr-defined]
        shop_order = next(o for o in store.orders.values()
                          if o["id"].rsplit("/", 1)[-1] == order.platform_order_id.rsplit("/", 1)[-1])
        shop_order["note"] = "gift wrap please"  # the merchant's own note is kept
        done = _record(h, order, xml)
        first = h.push("tracking")
        assert first.error is None and first.counts.counts["created"] == 1, first.counts.as_dict()
        fixed = build_nfe(int(done.invoice.number) + 3, [("X", "X", 1, "1.00")], issued_at=WHEN)
        _record(h, order, fixed, replace=done.invoice.number)
        assert h.push("tracking").counts.counts["updated"] == 1
        number = str(int(done.invoice.number) + 3)
        import json

        metafield = shop_order["_metafields"][("hub", "invoices")]
        assert [e["number"] for e in json.loads(metafield["value"])] == [number]
        lines = shop_order["note"].splitlines()
        assert lines[0] == "gift wrap please" and len(lines) == 2
        assert lines[1].startswith(f"Invoice {number} series 1: 1.00")
        invoicing.cancel_invoice(h.app, order.id or 0)
        assert h.push("tracking").error is None
        assert json.loads(shop_order["_metafields"][("hub", "invoices")]["value"])[0]["status"] \
            == "cancelled"
        assert shop_order["note"].splitlines() == ["gift wrap please",
                                                   f"Invoice {number} series 1 cancelled"]
