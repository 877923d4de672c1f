"""Connections against the sandboxes (seeds 004 and 000): a disconnect hands open orders back to
the store, per-connection terms apply to new orders only, re-import by reference happens once,
and each account checks orders against its own back-office currency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core import outbound
from hub.core.connections import (
    change_reference,
    currency_warning,
    disconnect,
    reimport_released,
)
from hub.core.storage.connections import OrderLink
from hub.core.storage.models import (
    Order,
    OrderEvent,
    ProductLink,
    StockLevel,
    StockReservation,
    WebhookDelivery,
)
from hub.lifecycle import OrderState
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def _stocked(h: SandboxHarness, quantity: int = 100) -> dict[int, int]:
    """Give every listed SKU a level, so imported orders reserve stock; product -> level."""
    h.sync_products()
    with h.app.db.session() as s:
        skus = {lk.sku for lk in s.exec(select(ProductLink)) if lk.sku}
    for sku in skus:
        h.set_stock(sku, quantity)
    return _levels(h)


def _levels(h: SandboxHarness) -> dict[int, int]:
    with h.app.db.session() as s:
        return {lv.product_id: lv.quantity for lv in s.exec(select(StockLevel))}


def _reserved(h: SandboxHarness, order_id: int) -> dict[int, int]:
    with h.app.db.session() as s:
        return {r.product_id: r.quantity for r in s.exec(
            select(StockReservation).where(StockReservation.order_id == order_id))}


def _events(h: SandboxHarness, order_id: int) -> list[tuple[str, str, str | None]]:
    with h.app.db.session() as s:
        return [(e.kind, e.message, e.source) for e in s.exec(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))]


def _deliveries(h: SandboxHarness, event: str) -> list[dict[str, Any]]:
    with h.app.db.session() as s:
        return [json.loads(d.body) for d in s.exec(
            select(WebhookDelivery).where(WebhookDelivery.event == event))]


def test_disconnect_releases_open_orders_gives_stock_back_and_keeps_shipped(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=15, seed=5)) as h:
        full = _stocked(h)
        outbound.add_subscription(h.app, "main", "http://127.0.0.1:9/3pl")
        h.import_orders()
        orders = sorted(h.orders(), key=lambda o: o.id or 0)
        assert len(orders) >= 3
        shipped = orders[0]
        h.ship(shipped.id or 0)
        kept_reservation = _reserved(h, shipped.id or 0)
        assert kept_reservation and _levels(h) != full

        done = h.run(disconnect(h.app, "main", wipe=False))

        assert sorted(done.released) == sorted(o.id for o in orders[1:])
        assert done.kept == 1 and done.wiped is False
        by_id = {o.id: o for o in h.orders()}
        assert by_id[shipped.id].state == OrderState.SHIPPED  # shipped: it stays with the 3PL
        assert all(by_id[i].state == OrderState.RELEASED for i in done.released)
        # every reservation but the shipped order's went back to the shelf
        expected = {pid: level - kept_reservation.get(pid, 0) for pid, level in full.items()}
        assert _levels(h) == expected
        assert all(not _reserved(h, i) for i in done.released)
        released = _deliveries(h, "order.released")
        assert sorted(b["order_id"] for b in released) == sorted(done.released)
        assert released[0]["order"]["state"] == "released" and released[0]["account"] == "main"
        assert released[0]["terms"] == {"shipment_billing": "hub", "tickets_handled_by": "hub",
                                        "carrier_account": None, "shipping_rules": None}
        kinds = [(kind, source) for kind, _, source in _events(h, done.released[0])]
        assert ("state", "hub") in kinds
        assert not h.app.accounts.row("main").enabled  # flows stop


def test_reconnect_resumes_without_reimporting_released_orders_unless_asked(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=12, seed=8)) as h:
        first = h.import_orders()
        imported = first.counts.counts["imported"]
        done = h.run(disconnect(h.app, "main", wipe=False))
        assert len(done.released) == imported
        with pytest.raises(Exception, match="disabled"):
            h.import_orders()

        h.authorize()  # reconnect: enabled again, resumes from its cursor
        again = h.import_orders(full=True)
        assert again.counts.counts.get("imported", 0) == 0
        assert all(o.state == OrderState.RELEASED for o in h.orders())

        assert reimport_released(h.app, "main") == imported
        back = h.import_orders()
        assert back.counts.counts["imported"] == imported
        orders = h.orders()
        fresh = [o for o in orders if o.state == OrderState.READY]
        assert len(fresh) == imported and len(orders) == 2 * imported
        with h.app.db.session() as s:
            links = list(s.exec(select(OrderLink)))
        assert {lk.linked_order_id for lk in links} == {o.id for o in fresh}
        assert any(kind == "reimported" for kind, _, _ in _events(h, links[0].order_id))
        assert h.import_orders(full=True).counts.counts.get("imported", 0) == 0


@pytest.mark.parametrize("platform, counter", [("shopify", "uninstalled"),
                                               ("mercadolibre", "revoked_grants")])
def test_disconnect_revokes_the_grant_where_the_platform_allows_and_wipes_tokens(
        tmp_path: Path, platform: str, counter: str) -> None:
    with SandboxHarness(platform, tmp_path, SandboxOptions(orders=0, seed=2)) as h:
        done = h.run(disconnect(h.app, "main"))
        assert done.revoked is True and done.wiped and done.revoke_error is None
        assert getattr(h.sandbox, counter) == 1
        row = h.app.accounts.row("main")
        assert row.credentials_enc is None and not row.enabled
        view = h.app.accounts.describe(row, with_settings=True)
        assert "access_token" not in view["settings"]  # a custom app's token is the store's key
        assert "client_id" in view["settings"]  # the hub's own app stays configured
        with h.app.db.session() as s:
            from hub.core.storage.queries import authorized_at

            assert authorized_at(s, row) is None
        assert not h.sandbox.tokens.access  # the platform killed every token of the grant


def test_disconnect_wipes_store_keys_where_the_platform_cannot_revoke(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=3, seed=4)) as h:
        done = h.run(disconnect(h.app, "main"))
        assert done.revoked is None and done.wiped
        assert "no revocation" in done.summary("main")
        settings = h.app.accounts.describe(h.app.accounts.row("main"), with_settings=True)["settings"]
        assert "consumer_key" not in settings and "consumer_secret" not in settings
        assert settings["webhook_secret"] == "***"  # the hub's own secret is not the store's key


def test_terms_are_recorded_on_new_orders_and_a_change_applies_to_new_orders_only(
        tmp_path: Path) -> None:
    settings = {"shipment_billing": "store", "carrier_account": "DHL 4410",
                "shipping_rules": "express over 100", "tickets_handled_by": "store",
                "brand_company": "Acme Ltd", "store_url": "https://acme.example.com",
                "orders_per_month": "100-500"}
    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=8, seed=3, currency="BRL"),
                        settings=settings) as h:
        outbound.add_subscription(h.app, "main", "http://127.0.0.1:9/3pl")
        h.import_orders()
        old = {o.id for o in h.orders()}
        assert old
        h.app.accounts.update_settings("main", {"shipment_billing": "hub",
                                                "tickets_handled_by": "hub"})
        new_id = h.sandbox.new_order()
        h.import_orders()
        [new] = [o for o in h.orders() if o.id not in old]
        assert new.platform_order_id == new_id
        from hub.core.api.views import order_detail

        before = order_detail(h.app.db, min(old)).terms
        after = order_detail(h.app.db, new.id or 0).terms
        assert before is not None and after is not None
        assert (before.shipment_billing, before.tickets_handled_by, before.carrier_account) == \
            ("store", "store", "DHL 4410")
        assert (after.shipment_billing, after.tickets_handled_by, after.carrier_account) == \
            ("hub", "hub", "DHL 4410")
        bodies = {b["order_id"]: b for b in _deliveries(h, "order.created")}
        assert bodies[min(old)]["terms"]["shipment_billing"] == "store"
        assert bodies[new.id]["terms"]["shipment_billing"] == "hub"
        view = h.app.accounts.describe(h.app.accounts.row("main"), with_settings=True)
        assert view["brand"]["brand_company"] == "Acme Ltd"
        assert view["brand"]["store_url"] == "https://acme.example.com"
        assert view["terms"]["shipment_billing"] == "hub"


def test_a_new_reference_reimports_the_platform_order_once_and_no_other_path_recreates_it(
        tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=20, seed=11)) as h:
        h.import_orders()
        before = len(h.orders())
        target, other = sorted(h.orders(), key=lambda o: o.id or 0)[:2]
        def payload(order: Order) -> dict[str, Any]:
            async def fetch() -> dict[str, Any] | None:
                account = h.app.accounts.open_named("main")
                return await h.app.host.fetch_order(account, order.platform_order_id)

            found = h.run(fetch())
            assert found is not None
            return found

        # every other path converges on the one order it has: webhook (re-fetch), retry, poll
        for _ in range(2):
            assert h.import_payload(payload(other)).counts.counts.get("imported", 0) == 0
        assert h.import_orders(full=True).counts.counts.get("imported", 0) == 0
        assert len(h.orders()) == before

        _, key = change_reference(h.app, target.id or 0, "ACME-RETURN-1")
        assert key == target.platform_order_id
        first = h.import_payload(payload(target))  # the webhook that sees it next
        assert first.counts.counts["imported"] == 1
        for _ in range(2):  # a retried delivery, a poll: never a third copy
            assert h.import_payload(payload(target)).counts.counts.get("imported", 0) == 0
        assert h.import_orders(full=True).counts.counts.get("imported", 0) == 0
        orders = h.orders()
        assert len(orders) == before + 1
        copies = [o for o in orders if o.platform_order_id == key]
        assert len(copies) == 1
        kept = next(o for o in orders if o.id == target.id)
        assert kept.number == "ACME-RETURN-1" and kept.platform_order_id == "ref:ACME-RETURN-1"
        assert any(k == "reference" for k, _, _ in _events(h, target.id or 0))
        assert any(k == "reimported" and f"order {copies[0].id}" in m
                   for k, m, _ in _events(h, target.id or 0))
        assert any(k == "reimported" and f"order {target.id}" in m
                   for k, m, _ in _events(h, copies[0].id or 0))
        with pytest.raises(Exception, match="already used"):
            change_reference(h.app, other.id or 0, "ACME-RETURN-1")


@pytest.mark.parametrize("platform, currency", [("shopify", "EUR"), ("woocommerce", "GBP"),
                                                ("vtex", "USD"), ("mercadolibre", "ARS")])
def test_every_sandbox_sells_in_its_currency_and_authorize_warns_of_a_mismatch(
        tmp_path: Path, platform: str, currency: str) -> None:
    with SandboxHarness(platform, tmp_path, SandboxOptions(orders=6, seed=1, currency=currency),
                        currency="CHF") as h:
        warning = h.run(currency_warning(h.app, "main"))
        assert warning is not None and f"sells in {currency}" in warning and "CHF" in warning
        h.import_orders()
        assert h.orders() == []  # every order is rejected against the hub's CHF
        h.app.accounts.update_settings("main", {"back_office_currency": currency.lower()})
        assert h.run(currency_warning(h.app, "main")) is None
        h.import_orders(full=True)
        orders = h.orders()
        assert orders and {o.currency for o in orders} == {currency}


def test_the_account_currency_is_validated_and_named_in_the_rejection(tmp_path: Path) -> None:
    with SandboxHarness("shopify", tmp_path, SandboxOptions(orders=6, seed=1, currency="EUR"),
                        currency="EUR", settings={"back_office_currency": "USD"}) as h:
        result = h.import_orders()
        reason = "currency EUR differs from the account's back-office USD"
        assert result.counts.skipped[reason] == len(h.sandbox.eligible_order_ids()) > 0
        assert h.orders() == []
        with pytest.raises(Exception, match="ISO 4217"):
            h.app.accounts.update_settings("main", {"back_office_currency": "EURO"})


def test_a_disabled_account_is_not_scheduled_and_keeps_its_credentials(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=4, seed=6)) as h:
        done = h.run(disconnect(h.app, "main", wipe=False))
        assert done.revoked is None and not done.wiped
        settings = h.app.accounts.describe(h.app.accounts.row("main"), with_settings=True)["settings"]
        assert settings["consumer_key"] == "***"
        with h.app.db.session() as s:
            from hub.core.storage.queries import active_accounts

            assert [a.name for a in active_accounts(s)] == []
