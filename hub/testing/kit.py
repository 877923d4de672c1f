"""The conformance kit: one base class that proves a platform plugin is right.

A plugin author subclasses :class:`PlatformKit` in the plugin's tests, names
the platform (and, if needed, sandbox options and settings), and gets every
suite its declared capabilities switch on::

    from hub.sandbox import SandboxOptions
    from hub.testing.kit import PlatformKit

    class TestWooCommerceKit(PlatformKit):
        platform = "woocommerce"
        sandbox_options = SandboxOptions(orders=30)

Suites: contract (entry point, platform info, secrets redacted everywhere),
authorization (bad credentials ask to re-authorize; an expired token is
refreshed), orders (every eligible order exactly once, re-import creates
nothing, ``since`` honoured, aware datetimes and Decimal money, fetch and parse
agree, a page changing between fetches), several pages and resumable
checkpoints (:mod:`hub.testing.kit_paging`), mapping against the sandbox's
expected values (:mod:`hub.testing.kit_mapping`), webhooks
(:mod:`hub.testing.kit_webhooks`), HTTP errors (429 bursts, 5xx, other 4xx
fatal with secrets filtered), products, and stock/price/tracking pushes
confirmed by reading the sandbox back (unconfirmed stock not reported done,
tracking pushed twice still accepted). Each test's docstring says what to fix
when it fails. The hub runs on ``HUB_KIT_DATABASE_URL`` when set (see
:meth:`KitBase.database_url`), else SQLite.

Skipping a kit test needs a written reason: ``skips = {"test_name": "why"}``.
Overriding or deleting a kit test fails ``test_no_overrides_DO_NOT_OVERRIDE``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from hub.errors import HubError
from hub.testing.harness import SandboxHarness
from hub.testing.kit_mapping import MappingSuite
from hub.testing.kit_paging import PagingSuite
from hub.testing.kit_tickets import TicketSuite
from hub.testing.kit_webhooks import WebhookSuite
from hub.testing.kitbase import KIT_TESTS, KitBase, check_no_overrides, kit_test
from hub.types import Capability, Order, PushOutcome, Shipment, StockUpdate

__all__ = ["KIT_TESTS", "PlatformKit", "kit_test"]


class PlatformKit(MappingSuite, PagingSuite, WebhookSuite, TicketSuite, KitBase):
    """Subclass as ``TestSomethingKit`` and set :attr:`platform`."""

    # --- contract ----------------------------------------------------------------------
    @kit_test
    def test_entry_point_resolves(self) -> None:
        """The plugin is found through the ``hub.plugins`` entry point and names this platform.

        Fix: declare ``[project.entry-points."hub.plugins"] <name> = "<package>.plugin"`` in
        pyproject.toml, reinstall the package, and return ``PlatformInfo(name=...)`` from
        ``platform_info`` with the same name as ``PlatformKit.platform``.
        """
        self._check("test_entry_point_resolves")
        from hub.core.plugins import get_host

        host = get_host()
        assert not [p for p in host.problems if self.platform in p.entry_point], host.problems
        names = {ep.name for ep in entry_points(group="hub.plugins")}
        loaded = [p for p in host.plugins.values() if p.platform == self.platform]
        assert loaded and loaded[0].name in names, f"no entry point loads platform {self.platform!r}"

    @kit_test
    def test_platform_info_is_complete(self) -> None:
        """Platform info describes every setting, marks secrets and states its statuses.

        Fix: give every ``SettingSpec`` a description, mark credentials ``secret=True``,
        offer a ``base_url`` setting (so accounts can point at a sandbox), and list the
        eligible and excluded order statuses when the plugin imports orders. Declare
        ``Capability.REVOKE`` exactly when you implement ``revoke_authorization``, and
        mark a ``store_key=True`` setting ``secret=True`` too.
        """
        from hub.core.plugins import get_host

        self._check("test_platform_info_is_complete")
        info = self._info()
        assert info.display_name and info.capabilities
        assert all(s.description for s in info.settings), "every setting needs a description"
        assert info.setting("base_url") is not None, "add a base_url setting"
        if Capability.ORDERS in info.capabilities:
            assert info.eligible_statuses, "declare eligible_statuses"
        revokes = get_host().implements("revoke_authorization", self.platform)
        assert (Capability.REVOKE in info.capabilities) == revokes, (
            "declare Capability.REVOKE exactly when revoke_authorization is implemented")
        assert all(s.secret for s in info.settings if s.store_key), "a store key must be secret"

    @kit_test
    def test_secret_settings_are_redacted_everywhere(self, harness: SandboxHarness,
                                                     caplog: pytest.LogCaptureFixture) -> None:
        """Secret settings never appear in ``accounts show``, the database, logs or run errors.

        Fix: mark every credential setting ``secret=True``, never put secrets in URLs
        (send them in headers) and raise hub errors whose messages come from the core's
        HTTP client (it redacts). Register any secret you derive with ``hub.register_secret``.
        """
        self._check("test_secret_settings_are_redacted_everywhere")
        caplog.set_level(logging.DEBUG)
        info = self._info()
        secrets = {v for k, v in self.all_settings(harness).items()
                   if k in info.secret_settings and len(v) >= 6}
        creds = harness.app.accounts.load_credentials(harness.app.accounts.row(harness.account).id or 0)
        secrets |= {v for k, v in creds.items() if isinstance(v, str) and len(v) >= 12
                    and any(w in k for w in ("token", "secret", "key"))}
        view = harness.app.accounts.describe(harness.app.accounts.row(harness.account), with_settings=True)
        harness.import_orders(since=harness.sandbox.epoch - timedelta(days=2))
        db = stored_text(harness)
        logs = "\n".join(r.getMessage() for r in caplog.records)
        for secret in secrets:
            assert secret not in str(view), "a secret shows in accounts show"
            assert secret not in db, "a secret is stored in plaintext"
            assert secret not in logs, "a secret reached the logs"

    # --- authorization -------------------------------------------------------------------
    @kit_test
    def test_bad_credentials_ask_to_reauthorize(self, tmp_path: Path) -> None:
        """Credentials the platform rejects end the run with "run: hub accounts authorize NAME".

        Fix: let the core's HTTP client see the platform's 401/403 (do not swallow it), or
        raise ``hub.AuthError`` yourself when the platform signals bad credentials otherwise.
        """
        self._check("test_bad_credentials_ask_to_reauthorize", Capability.ORDERS)
        with self.open_harness(tmp_path) as h:
            info = self._info()
            row = h.app.accounts.row(h.account)
            bad = {s.name: "wrong-" + "x" * 24 for s in info.settings
                   if s.secret and s.name in self.all_settings(h)}
            if bad:
                h.app.accounts.update_settings(h.account, bad)
            creds = h.app.accounts.load_credentials(row.id or 0)
            if creds:
                h.app.accounts.save_credentials(row.id or 0, {
                    k: ("wrong-" + "y" * 24 if isinstance(v, str) and "token" in k else v)
                    for k, v in creds.items()})
            h.app.accounts.forget(row.id or 0)
            result = h.import_orders()
            assert result.status == "failed", "the import should fail with bad credentials"
            assert f"hub accounts authorize {h.account}" in (result.error or ""), result.error

    @kit_test
    def test_expired_token_is_refreshed_and_the_import_goes_on(self, tmp_path: Path) -> None:
        """With tokens that expire during the import, one refresh keeps it going.

        Fix: send the token with ``account.client(..., token_header=...)`` and implement
        ``refresh_credentials``; never refresh on your own (the core holds the lock).
        """
        self._check("test_expired_token_is_refreshed_and_the_import_goes_on", Capability.OAUTH)
        with self.open_harness(tmp_path, token_ttl=0.5) as h:
            import time

            time.sleep(0.6)
            result = h.import_orders()
            assert result.error is None, result.error
            assert h.order_ids() == h.sandbox.eligible_order_ids()

    # --- orders ---------------------------------------------------------------------------
    @kit_test
    def test_import_ends_with_every_eligible_order_exactly_once(self, harness: SandboxHarness) -> None:
        """A first import brings every eligible sandbox order, once, and nothing else.

        Fix: page until the platform says there is no more (guard with ``hub.PageGuard``),
        declare eligible/excluded statuses in ``platform_info``, and make
        ``Order.platform_order_id`` the platform's stable id.
        """
        self._check("test_import_ends_with_every_eligible_order_exactly_once", Capability.ORDERS)
        result = harness.import_orders()
        assert result.error is None, result.error
        assert harness.order_ids() == harness.sandbox.eligible_order_ids()
        assert len(harness.orders()) == len(harness.order_ids())

    @kit_test
    def test_importing_twice_creates_nothing_new(self, harness: SandboxHarness) -> None:
        """A second full import finds every order unchanged.

        Fix: ``parse_order`` must be deterministic: same payload, same order (no "now",
        no random ids, stable line order).
        """
        self._check("test_importing_twice_creates_nothing_new", Capability.ORDERS)
        harness.import_orders()
        again = harness.import_orders(full=True)
        assert again.counts.counts["imported"] == 0 and again.counts.counts["updated"] == 0, \
            again.counts.as_dict()

    @kit_test
    def test_since_is_honoured(self, harness: SandboxHarness) -> None:
        """``fetch_orders(since=...)`` returns nothing modified before ``since``.

        Fix: pass ``since`` to the platform's modified-time filter (in UTC).
        """
        self._check("test_since_is_honoured", Capability.ORDERS)
        payloads = self._fetch(harness, harness.sandbox.now() + timedelta(days=1))
        assert payloads == [], f"{len(payloads)} orders came back for a future 'since'"

    @kit_test
    def test_orders_have_aware_datetimes_and_decimal_money(self, harness: SandboxHarness) -> None:
        """Every parsed order has timezone-aware datetimes and Decimal money with a currency.

        Fix: parse dates with ``hub.parse_datetime`` and amounts with ``hub.parse_decimal`` /
        ``hub.cents_to_decimal``; never ``float``.
        """
        self._check("test_orders_have_aware_datetimes_and_decimal_money", Capability.ORDERS)
        account = harness.app.accounts.open_named(harness.account)
        payloads = self._fetch(harness, harness.sandbox.epoch - timedelta(days=400))
        assert payloads
        for payload in payloads:
            try:
                order: Order = harness.app.host.parse_order(account, payload)
            except Exception:  # the sandbox may hold deliberately broken records
                continue
            assert order.created_at.tzinfo and order.updated_at.tzinfo
            assert isinstance(order.total.amount, Decimal) and len(order.total.currency) == 3
            for line in order.lines:
                assert isinstance(line.unit_price.amount, Decimal) and isinstance(line.quantity, Decimal)

    @kit_test
    def test_peek_order_agrees_with_parse_order(self, harness: SandboxHarness) -> None:
        """Where ``peek_order`` answers, its id and status are exactly those of ``parse_order``.

        Fix: read the same fields the same way (trimmed, same defaults) in both, or
        return None from ``peek_order`` for payloads whose status needs the full parse.
        """
        self._check("test_peek_order_agrees_with_parse_order", Capability.ORDERS)
        if not harness.app.host.implements("peek_order", self.platform):
            pytest.skip("the plugin does not implement the optional peek_order hook "
                        "(the core parses every payload)")
        account = harness.app.accounts.open_named(harness.account)
        payloads = self._fetch(harness, harness.sandbox.epoch - timedelta(days=400))
        peeked = 0
        for payload in payloads:
            peek = harness.app.host.peek_order(account, payload)
            try:
                order: Order = harness.app.host.parse_order(account, payload)
            except Exception:  # a broken record: peek may still read it, the core then skips it
                continue
            if peek is not None:
                peeked += 1
                assert (peek.platform_order_id, peek.status) == (order.platform_order_id,
                                                                 order.status), payload
        assert peeked, "peek_order answered None for every payload"

    @kit_test
    def test_fetching_one_order_agrees_with_the_listing(self, harness: SandboxHarness) -> None:
        """``fetch_order(id)`` parses to the same order as the listing's copy.

        Fix: return from ``fetch_order`` the same payload shape ``fetch_orders`` yields
        (or one ``parse_order`` maps identically), so webhooks and polling agree.
        """
        self._check("test_fetching_one_order_agrees_with_the_listing", Capability.ORDERS)
        from hub.core.sync.orders import fingerprint

        harness.import_orders()
        account = harness.app.accounts.open_named(harness.account)
        stored = sorted(harness.orders(), key=lambda o: o.platform_order_id)[:5]
        assert stored

        async def check() -> None:
            for row in stored:
                payload = await harness.app.host.fetch_order(account, row.platform_order_id)
                assert payload is not None, f"fetch_order({row.platform_order_id!r}) found nothing"
                order = harness.app.host.parse_order(account, payload)
                assert fingerprint(order) == row.fingerprint, row.platform_order_id

        harness.run(check())

    @kit_test
    def test_a_page_changing_between_fetches_still_yields_every_order_once(self, tmp_path: Path) -> None:
        """Orders modified or added while the import pages through are neither lost nor doubled.

        Fix: page by a stable key (id, or modified time with an id tie-break), drop records
        already seen with ``PageGuard.fresh``, and only vouch for a checkpoint that is safe.
        """
        self._check("test_a_page_changing_between_fetches_still_yields_every_order_once",
                    Capability.ORDERS)
        with self.open_harness(tmp_path, drift_page=1) as h:
            result = h.import_orders()
            assert result.error is None, result.error
            again = h.import_orders()
            assert again.error is None
            assert h.sandbox.eligible_order_ids() <= h.order_ids() | set()
            assert len(h.orders()) == len(h.order_ids())

    # --- HTTP errors ----------------------------------------------------------------------
    @kit_test
    def test_429_bursts_end_with_every_order_once(self, tmp_path: Path) -> None:
        """A burst of 429s (with Retry-After) slows the import down; it still brings everything.

        Fix: send requests through ``account.client`` (it backs off and honours Retry-After).
        """
        self._check("test_429_bursts_end_with_every_order_once", Capability.ORDERS)
        with self.open_harness(tmp_path, burst_429=3, burst_at=2, retry_after=0.2) as h:
            result = h.import_orders()
            assert result.error is None, result.error
            assert h.order_ids() == h.sandbox.eligible_order_ids()
            assert h.sandbox.stats.rejected_429 >= 1, "the sandbox never sent its 429 burst"

    @kit_test
    def test_5xx_are_retried(self, tmp_path: Path) -> None:
        """Intermittent 503s are retried; the import still brings everything.

        Fix: use ``account.client`` and idempotent methods (GET) for reads.
        """
        self._check("test_5xx_are_retried", Capability.ORDERS)
        with self.open_harness(tmp_path, error_5xx_every=4) as h:
            result = h.import_orders()
            assert result.error is None, result.error
            assert h.order_ids() == h.sandbox.eligible_order_ids()

    @kit_test
    def test_other_4xx_fail_the_run_with_a_clean_message(self, tmp_path: Path) -> None:
        """A 404 (wrong base URL) fails the run at once with a one-line error and no secret.

        Fix: build every URL from the ``base_url`` setting and let the client raise
        ``PlatformError``; do not retry 4xx yourself.
        """
        self._check("test_other_4xx_fail_the_run_with_a_clean_message", Capability.ORDERS)
        with self.open_harness(tmp_path) as h:
            h.app.accounts.update_settings(h.account, {"base_url": h.base_url + "/no-such-prefix"})
            h.app.accounts.forget(h.app.accounts.row(h.account).id or 0)
            result = h.import_orders()
            assert result.status == "failed" and result.error
            assert "\n" not in result.error
            for key, value in self.all_settings(h).items():
                if key in self._info().secret_settings and len(value) >= 6:
                    assert value not in result.error

    # --- products ---------------------------------------------------------------------------
    @kit_test
    def test_products_map_with_sku_and_code(self, harness: SandboxHarness) -> None:
        """The catalogue syncs: listings are linked to hub products with SKU and code.

        Fix: yield product payloads from ``fetch_products`` (all of them when
        ``product_ids`` is None) and map SKU to ``sku``, the product id to
        ``platform_product_id``; variants carry their own ids and SKUs.
        """
        self._check("test_products_map_with_sku_and_code", Capability.PRODUCTS)
        result = harness.sync_products()
        assert result.listings > 0
        from sqlmodel import select

        from hub.core.storage.models import Product

        with harness.app.db.session() as s:
            products = s.exec(select(Product)).all()
        assert products and all(p.code for p in products)
        assert any(p.sku for p in products)

    # --- pushes -------------------------------------------------------------------------------
    def _linked(self, harness: SandboxHarness) -> list[str]:
        if Capability.PRODUCTS in self._info().capabilities:
            harness.sync_products()
        else:
            harness.import_orders()
        skus = harness.skus()
        assert skus, "nothing linked: import orders or sync products first"
        return skus

    def _listing(self, harness: SandboxHarness, sku: str) -> tuple[str, str | None]:
        from sqlmodel import select

        from hub.core.storage.models import ProductLink

        with harness.app.db.session() as s:
            link = s.exec(select(ProductLink).where(ProductLink.sku == sku)).first()
        assert link is not None
        return link.platform_product_id, link.platform_variant_id or None

    @kit_test
    def test_stock_push_is_confirmed_and_unchanged_stock_is_not_resent(
            self, harness: SandboxHarness) -> None:
        """Pushed quantities land on the platform; a second push with no change sends nothing.

        Fix: return one ``PushResult`` per update in order, ``ok`` only when the platform
        confirmed the new quantity; implement ``Sandbox.read_stock`` in your sandbox.
        """
        self._check("test_stock_push_is_confirmed_and_unchanged_stock_is_not_resent",
                    Capability.STOCK)
        skus = self._linked(harness)[:5]
        for i, sku in enumerate(skus):
            harness.set_stock(sku, 3 + i)
        result = harness.push("stock")
        assert result.error is None, result.error
        refused = self._refused(harness, "stock")
        confirmed = 0
        for i, sku in enumerate(skus):
            if sku in refused:  # a listing the platform refuses for good, with its reason
                continue
            assert harness.sandbox.read_stock(*self._listing(harness, sku)) == 3 + i, sku
            confirmed += 1
        assert confirmed >= min(3, len(skus)), f"too few stock pushes confirmed: {refused}"
        requests = harness.sandbox.stats.requests
        again = harness.push("stock")
        assert again.counts.counts["pushed"] == 0
        assert harness.sandbox.stats.requests == requests, "unchanged stock was sent again"

    def _refused(self, harness: SandboxHarness, kind: str) -> dict[str, str]:
        """SKUs whose push failed for good, with the platform's reason (never retryable ones)."""
        from sqlmodel import select

        from hub.core.storage.models import OutboxItem

        with harness.app.db.session() as s:
            failed = s.exec(select(OutboxItem).where(OutboxItem.kind == kind,
                                                     OutboxItem.status != "done")).all()
        for item in failed:
            assert item.status == "failed" and item.last_error, (
                f"{(item.payload or {}).get('sku')}: push not confirmed and will be retried "
                f"({item.last_error}); return PushResult.ok only when the platform confirms, and "
                "failed(..., retryable=False) with a reason when it never will")
        return {(item.payload or {}).get("sku", ""): item.last_error or "" for item in failed}

    @kit_test
    def test_price_push_with_promotion_is_confirmed(self, harness: SandboxHarness) -> None:
        """A regular and a promotional price land on the platform.

        Fix: send ``regular`` and ``promotional`` (within its window) the way the platform
        expects; implement ``Sandbox.read_price``.
        """
        self._check("test_price_push_with_promotion_is_confirmed", Capability.PRICE)
        sku = self._linked(harness)[0]
        now = harness.sandbox.now()
        harness.set_price(sku, "29.90", promo="24.90", promo_from=now - timedelta(days=1),
                          promo_to=now + timedelta(days=7))
        result = harness.push("price")
        assert result.error is None and result.counts.counts["pushed"] >= 1, result.error
        regular, promotional = harness.sandbox.read_price(*self._listing(harness, sku))
        assert (regular, promotional) == (Decimal("29.90"), Decimal("24.90"))

    @kit_test
    def test_tracking_push_is_confirmed(self, harness: SandboxHarness) -> None:
        """A shipment's tracking number reaches the order on the platform.

        Fix: write carrier, number and URL where the platform shows them; implement
        ``Sandbox.read_tracking``.
        """
        self._check("test_tracking_push_is_confirmed", Capability.TRACKING)
        harness.import_orders()
        shippable = harness.sandbox.shippable_order_ids()
        order = sorted((o for o in harness.orders() if o.platform_order_id in shippable),
                       key=lambda o: o.id)[0]
        harness.ship(order.id, carrier="UPS", tracking="1ZKIT0001", url="https://t.example/1ZKIT0001",
                     invoice_number="INV-KIT-1")
        result = harness.push("tracking")  # the shipment, and its invoice where the plugin takes one
        assert result.error is None, result.error
        assert [i.status for i in self._outbox(harness, "tracking")] == ["done"], result.counts.as_dict()
        assert harness.sandbox.read_tracking(order.platform_order_id) == "1ZKIT0001"
        shipment = Shipment.model_validate(self._outbox(harness, "tracking")[0].payload)
        account = harness.app.accounts.open_named(harness.account)
        again = harness.run(harness.app.host.push_tracking(account, shipment))
        assert again.outcome == PushOutcome.ACCEPTED, (
            f"pushing the same tracking a second time failed ({again.error}); the core may "
            "repeat a push whose answer it lost: make push_tracking idempotent")
        assert harness.sandbox.read_tracking(order.platform_order_id) == "1ZKIT0001"

    @kit_test
    def test_a_stock_push_the_platform_did_not_apply_is_not_reported_done(
            self, harness: SandboxHarness) -> None:
        """A quantity the platform never applied (a listing it does not hold) is not reported done.

        Fix: read the platform's answer for each update (or read the quantity back) and return
        ``PushResult.ok`` only for what it confirmed; ``PushResult.failed(sku, reason)`` otherwise.
        """
        self._check("test_a_stock_push_the_platform_did_not_apply_is_not_reported_done",
                    Capability.STOCK)
        sku = self._linked(harness)[0]
        product_id, variant_id = self._listing(harness, sku)
        ghost = StockUpdate(sku="KIT-GHOST", platform_product_id=product_id + "0000",
                            platform_variant_id=variant_id + "0000" if variant_id else None, quantity=7)
        account = harness.app.accounts.open_named(harness.account)
        try:
            results = harness.run(harness.app.host.push_stock(account, [ghost]))
        except HubError:
            return  # refused as a whole: not reported done either
        assert len(results) == 1, "push_stock must return one PushResult per update"
        assert results[0].outcome != PushOutcome.ACCEPTED, (
            "a stock update for a listing the platform does not hold was reported done")

    def _outbox(self, harness: SandboxHarness, kind: str) -> list[Any]:
        from sqlmodel import col, select

        from hub.core.storage.models import OutboxItem

        with harness.app.db.session() as s:
            return list(s.exec(select(OutboxItem).where(OutboxItem.kind == kind)
                               .order_by(col(OutboxItem.id))))

    # --- anti-tamper ------------------------------------------------------------------------------
    def test_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """Kit tests are not overridden or removed; skip one with a reason in ``skips`` instead."""
        check_no_overrides(type(self), PlatformKit, KIT_TESTS, self.skips)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def stored_text(harness: SandboxHarness) -> str:
    """Every value the hub's database holds, as text (on any database the harness runs on)."""
    from sqlalchemy import select
    from sqlmodel import SQLModel

    from hub.core.storage.models import load_all

    load_all()  # the tables no code of this process has used yet too
    parts: list[str] = []
    with harness.app.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                             for v in row)
    return "\n".join(parts)
