"""Shipping an order twice updates its one VTEX invoice; the sandbox refuses a second invoice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.sandbox import SandboxOptions

harness = pytest.importorskip("hub.testing.harness", reason="the core's test harness is missing")


def _imported(tmp_path: Path) -> harness.SandboxHarness:
    return harness.SandboxHarness("vtex", tmp_path, SandboxOptions(orders=10, seed=5),
                                  currency="BRL", settings={"start_handling": "true"})


def test_a_second_ship_updates_the_invoice_tracking_instead_of_invoicing_again(
        tmp_path: Path) -> None:
    with _imported(tmp_path) as h:
        fresh = h.sandbox.new_order()
        assert h.import_orders().error is None
        order = next(o for o in h.orders() if o.platform_order_id == fresh)
        when = datetime(2026, 1, 5, tzinfo=UTC)
        h.ship(order.id, carrier="Correios", tracking="BR111", invoice_number="NF-9",
               invoice_date=when)
        first = h.push("tracking")
        assert first.counts.counts["created"] == 1, first.counts.as_dict()
        h.ship(order.id, carrier="Jadlog", tracking="JD222", url="https://t.example/JD222",
               invoice_number="NF-9")
        second = h.push("tracking")
        assert second.error is None and second.counts.counts["updated"] == 1, second.counts.as_dict()
        assert "updated" in second.counts.summary()
        packages = h.sandbox.orders[fresh]["packageAttachment"]["packages"]
        assert [(p["invoiceNumber"], p["trackingNumber"], p["courier"]) for p in packages] == [
            ("NF-9", "JD222", "Jadlog")]
        assert len([i for i in h.sandbox.invoices if "type" in i]) == 1  # one POST in all


def test_a_new_invoice_number_for_an_invoiced_order_fails_with_what_to_do(tmp_path: Path) -> None:
    with _imported(tmp_path) as h:
        fresh = h.sandbox.new_order()
        h.import_orders()
        order = next(o for o in h.orders() if o.platform_order_id == fresh)
        h.ship(order.id, carrier="Correios", tracking="BR111", invoice_number="NF-1")
        h.push("tracking")
        h.ship(order.id, carrier="Correios", tracking="BR112", invoice_number="NF-2")
        again = h.push("tracking")
        # the hub's one invoice record was corrected to NF-2: its correction and the
        # tracking naming NF-2 both fail saying what to do; VTEX keeps NF-1 alone
        assert again.counts.counts["failed"] == 2
        from sqlmodel import select

        from hub.core.storage.models import RunItem

        with h.app.db.session() as s:
            reasons = [i.reason or "" for i in
                       s.exec(select(RunItem).where(RunItem.run_id == again.run_id)).all()]
        assert any("VTEX keeps invoice NF-1" in r and "VTEX admin" in r for r in reasons), reasons
        assert any("cannot be renumbered" in r and "NF-1" in r for r in reasons), reasons
        packages = h.sandbox.orders[fresh]["packageAttachment"]["packages"]
        assert [p["invoiceNumber"] for p in packages] == ["NF-1"]
        assert len([i for i in h.sandbox.invoices if "type" in i]) == 1


def test_the_sandbox_refuses_a_repeated_or_excess_invoice_and_accepts_the_update(
        tmp_path: Path) -> None:
    import httpx

    with _imported(tmp_path) as h:
        fresh = h.sandbox.new_order()
        h.import_orders()  # start_handling moves it to handling
        order = h.sandbox.orders[fresh]
        item = order["items"][0]
        body = {"type": "Output", "issuanceDate": "2026-01-05T00:00:00Z", "invoiceNumber": "A1",
                "invoiceValue": str(order["value"]),
                "items": [{"id": item["id"], "price": 100, "quantity": 1}]}
        base = f"{h.base_url}/api/oms/pvt/orders/{fresh}/invoice"
        headers = {"X-VTEX-API-AppKey": h.sandbox.app_key,
                   "X-VTEX-API-AppToken": h.sandbox.app_token}
        with httpx.Client(headers=headers, timeout=10) as http:
            assert http.post(base, json=body).status_code == 200
            assert http.post(base, json=body).status_code == 409  # same number
            assert http.post(base, json={**body, "invoiceNumber": "A2"}).status_code == 409
            patch = http.patch(f"{base}/A1", json={"trackingNumber": "T2", "trackingUrl": "",
                                                   "courier": "X", "dispatchedDate": None})
            assert patch.status_code < 300
        assert h.sandbox.read_tracking(fresh) == "T2"
