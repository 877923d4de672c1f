"""The NF-e in the order's ``nfe`` metafields (Tiendanube's documented convention) against the
sandbox: through the core's tracking flow, corrected and cancelled in place, one per order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import select

import hub
from hub.core.storage.models import OrderLine
from hub.core.sync import invoicing
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub.testing.nfe import build_nfe
from hub_nuvemshop import plugin

OPTIONS = SandboxOptions(seed=4, orders=20, currency="BRL")
WHEN = datetime.now(timezone(timedelta(hours=-3))).replace(microsecond=0)
KEY = "35261211222333000181550010000012341123456784"


def _nfe(h: SandboxHarness, order_id: str) -> dict[str, str]:
    """The order's ``nfe`` metafields in the sandbox, by key."""
    metafields: dict[str, dict[str, Any]] = h.sandbox.metafields  # type: ignore[attr-defined]
    return {m["key"]: m["value"] for m in metafields.values()
            if m["owner_resource"] == "Order" and str(m["owner_id"]) == order_id
            and m["namespace"] == "nfe"}


def _invoiceable(h: SandboxHarness) -> tuple[Any, str]:
    for order in h.orders():
        with h.app.db.session() as s:
            lines = list(s.exec(select(OrderLine).where(OrderLine.order_id == order.id)))
        products = sum((ln.quantity * ln.unit_price for ln in lines), Decimal(0))
        if order.state == "ready" and lines and products <= order.total:
            xml = build_nfe(int(order.id or 0) + 1000,
                            [(ln.sku or "", ln.name, ln.quantity, ln.unit_price) for ln in lines],
                            issued_at=WHEN, shipping=order.total - products)
            return order, xml
    raise AssertionError("no order to invoice in the sandbox")


def test_the_nfe_key_goes_with_the_tracking_flow_and_is_corrected_and_cancelled_in_place(
        tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS) as h:
        assert h.import_orders().error is None
        order, xml = _invoiceable(h)
        done = invoicing.record_invoice(h.app, order.id or 0, invoicing.InvoiceInput.from_xml(xml))
        assert done.queued
        first = h.push("tracking")
        assert first.error is None and first.counts.counts["created"] == 1, first.counts.as_dict()
        assert _nfe(h, order.platform_order_id) == {"key": done.invoice.key}
        h.sandbox.stats.reset()
        fixed = build_nfe(int(done.invoice.number) + 5, [("X", "X", 1, "1.00")], issued_at=WHEN)
        corrected = invoicing.record_invoice(h.app, order.id or 0,
                                             invoicing.InvoiceInput.from_xml(fixed),
                                             replace=done.invoice.number)
        second = h.push("tracking")
        assert second.counts.counts["updated"] == 1, second.counts.as_dict()
        assert h.sandbox.stats.routes["PUT /v1/{store_id}/metafields/{ref}"] == 1
        assert h.sandbox.stats.routes["POST /v1/{store_id}/metafields"] == 0  # in place
        assert _nfe(h, order.platform_order_id) == {"key": corrected.invoice.key}
        invoicing.cancel_invoice(h.app, order.id or 0)
        assert h.push("tracking").error is None
        assert _nfe(h, order.platform_order_id) == {}


def _document(order_id: str, **kw: Any) -> hub.InvoiceDocument:
    values: dict[str, Any] = {
        "platform_order_id": order_id, "number": "1234", "series": "1", "key": KEY,
        "issued_at": datetime(2024, 5, 21, 9, 0, tzinfo=UTC),
        "value": hub.Money(amount=Decimal("44.00"), currency="BRL"), **kw}
    return hub.InvoiceDocument(**values)


def test_one_nfe_per_order_its_link_and_no_invoice_without_a_key(tmp_path: Path) -> None:
    with SandboxHarness("nuvemshop", tmp_path, OPTIONS) as h:
        account = h.app.accounts.open(h.app.accounts.row("main"))
        first, second = sorted(h.sandbox.eligible_order_ids())[:2]
        link = f"https://nfe.example/{KEY}.xml"
        routes = h.sandbox.stats.routes
        writes: list[int] = []

        async def pushes() -> dict[str, hub.PushResult]:
            done = {"made": await plugin.push_invoice(account, _document(first, url=link))}
            h.sandbox.stats.reset()
            done["again"] = await plugin.push_invoice(account, _document(first, url=link))
            writes.append(routes["POST /v1/{store_id}/metafields"]
                          + routes["PUT /v1/{store_id}/metafields/{ref}"])
            done["other"] = await plugin.push_invoice(account, _document(
                first, number="1235", key=KEY.replace("1234", "9999")))
            done["keyless"] = await plugin.push_invoice(account, _document(second, key=None))
            done["bad id"] = await plugin.push_invoice(account, _document("ABC"))
            return done

        done = h.run(pushes())
        assert (done["made"].outcome, done["made"].action) == ("accepted", "created")
        assert set(done["made"].ids) == {"nfe_key_metafield", "nfe_link_metafield"}
        assert (done["again"].outcome, done["again"].action) == ("accepted", "updated")
        assert writes == [0]  # already there: read, nothing written
        assert done["other"].outcome == "failed" and not done["other"].retryable
        assert "already holds NF-e" in (done["other"].error or "")
        assert _nfe(h, first) == {"key": KEY, "link": link}
        assert done["keyless"].outcome == "failed" and not done["keyless"].retryable
        assert "access key" in (done["keyless"].error or "") and _nfe(h, second) == {}
        assert done["bad id"].outcome == "failed"
