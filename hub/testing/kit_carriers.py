"""Kit suite for carriers: a carrier plugin proves it tracks what it should, as it should.

A carrier plugin's tests subclass :class:`CarrierKit` and name the platform::

    from hub.testing.kit_carriers import CarrierKit

    class TestCorreiosCarrierKit(CarrierKit):
        platform = "correios"

The suite checks: its codes are recognised and foreign ones are not (a malformed
code of its own format is refused when a shipment is recorded), each batch is one
request, events are stored once however often they are polled, delivered is
terminal, and refused credentials ask the user to authorize the account again.

The plugin's sandbox tells the kit what it holds through:

* ``carrier_code(kind, serial=1) -> str``: a tracking number the sandbox knows, whose
  story is ``"delivered"``, ``"moving"`` (with the carrier, not delivered) or
  ``"unknown"`` (the carrier does not know it yet); ``serial`` makes it distinct;
* ``malformed_code() -> str | None``: a number of the carrier's format that its
  ``check_tracking_number`` must refuse (``None``: the format has no check digit);
* ``tracking_requests``: how many tracking requests it has answered.

A sandbox without them skips the suite with that reason. Skipping a test needs a
written reason in ``skips``; overriding one fails ``test_no_overrides_DO_NOT_OVERRIDE``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlmodel import func, select

from hub.testing.harness import SandboxHarness
from hub.testing.kitbase import KitBase, check_no_overrides
from hub.types import Capability, CarrierInfo

CARRIER_TESTS: list[str] = []
SANDBOX_METHODS = ("carrier_code", "malformed_code")
F = TypeVar("F", bound=Callable[..., Any])


def carrier_test(fn: F) -> F:
    """Register ``fn`` as a carrier kit test (it must not be overridden)."""
    CARRIER_TESTS.append(fn.__name__)
    return fn


def shipped_order(app: Any, number: str, carrier: str, *, state: str = "ready",
                  shop: str = "shop") -> int:
    """A sales account's order shipped with tracking ``number`` (as an import and a ship
    would write it); the order's id."""
    from hub.core.storage.models import Account, Order, Shipment

    with app.db.session() as s:
        row = s.exec(select(Account).where(Account.name == shop)).first()
        if row is None:
            row = Account(name=shop, platform="somewhere")
            s.add(row)
            s.flush()
        when = datetime(2026, 12, 1, tzinfo=UTC)
        order = Order(account_id=row.id or 0, platform="somewhere", platform_order_id=number,
                      status="paid", state=state, platform_created_at=when,
                      platform_updated_at=when, currency="BRL", total=Decimal("10"),
                      fingerprint=number)
        s.add(order)
        s.flush()
        s.add(Shipment(order_id=order.id or 0, carrier=carrier, tracking_number=number))
        return order.id or 0


def age_checks(app: Any, hours: float = 25) -> None:
    """Make every shipment look last checked ``hours`` earlier (past any carrier's cache)."""
    from hub.core.storage.models import Shipment

    with app.db.session() as s:
        for shipment in s.exec(select(Shipment)):
            if shipment.checked_at is not None:
                shipment.checked_at = shipment.checked_at - timedelta(hours=hours)
                s.add(shipment)


class CarrierKit(KitBase):
    """Subclass as ``TestSomethingCarrierKit`` and set :attr:`platform`."""

    @pytest.fixture
    def harness(self, tmp_path: Path) -> Iterator[SandboxHarness]:
        with SandboxHarness(self.platform, tmp_path, self._options(), settings=self.settings,
                            flows=("tracking_in",), database_url=self.database_url(tmp_path)) as h:
            yield h

    def _carrier(self, name: str, harness: SandboxHarness) -> tuple[Any, CarrierInfo]:
        self._check(name, Capability.CARRIER)
        missing = [m for m in SANDBOX_METHODS if not callable(getattr(harness.sandbox, m, None))]
        if missing or not hasattr(harness.sandbox, "tracking_requests"):
            pytest.skip(f"the sandbox does not offer {', '.join(missing) or 'tracking_requests'}"
                        " (see hub.testing.kit_carriers)")
        info = self._info().carrier
        assert info is not None, "a carrier plugin sets PlatformInfo.carrier"
        return harness.sandbox, info

    def _poll(self, harness: SandboxHarness) -> Any:
        from hub.core.sync.tracking_in import poll_tracking

        return harness.run(poll_tracking(harness.app, harness.account))

    def _events(self, harness: SandboxHarness) -> int:
        from hub.core.storage.tracking import ShipmentEvent

        with harness.app.db.session() as s:
            return int(s.exec(select(func.count()).select_from(ShipmentEvent)).one())

    @carrier_test
    def test_codes_are_recognised_and_foreign_ones_are_not(self, harness: SandboxHarness) -> None:
        """The carrier's own codes are routed to it by format, its names by name, other
        numbers not; a malformed code of its format is refused when a shipment is recorded.

        Fix: list the carrier's names and full-match regular expressions of its numbers in
        ``CarrierInfo``; implement ``check_tracking_number`` for a format with a check digit."""
        from hub.core.sync.tracking_in import Router, tracking_problem

        sandbox, info = self._carrier("test_codes_are_recognised_and_foreign_ones_are_not",
                                      harness)
        router = Router(info)
        code = sandbox.carrier_code("moving")
        assert router.tracks("Some Other Carrier", code), f"{code} is not recognised"
        assert router.tracks(info.names[0].upper(), "anything at all")
        assert not router.tracks("Some Other Carrier", "NOT-A-CODE-42")
        assert tracking_problem(harness.app, info.names[0], code) is None
        malformed = sandbox.malformed_code()
        if malformed is not None:
            assert router.tracks("Some Other Carrier", malformed), "the malformed code should " \
                "still match the format (only its check digit is wrong)"
            problem = tracking_problem(harness.app, info.names[0], malformed)
            assert problem and malformed in problem and "\n" not in problem, problem

    @carrier_test
    def test_each_batch_is_one_request(self, harness: SandboxHarness) -> None:
        """Shipments are asked about ``batch_size`` at a time, one request per batch.

        Fix: send every number ``track_shipments`` gets in as few requests as the carrier's
        per-request limit allows, and declare that limit as ``CarrierInfo.batch_size``."""
        sandbox, info = self._carrier("test_each_batch_is_one_request", harness)
        count = info.batch_size + 1
        for n in range(count):
            shipped_order(harness.app, sandbox.carrier_code("moving", n + 1), info.names[0])
        before = sandbox.tracking_requests
        run = self._poll(harness)
        assert run.error is None, run.error
        assert sandbox.tracking_requests - before == math.ceil(count / info.batch_size)
        assert run.counts.counts["new_events"] == count, run.counts.as_dict()

    @carrier_test
    def test_events_are_stored_once_across_polls(self, harness: SandboxHarness) -> None:
        """Polling again stores no event twice and adds nothing to the order's feed.

        Fix: give each event a stable ``code`` and ``at`` (the carrier's own, never the time
        of the request): the hub stores each ``(code, at)`` once."""
        from hub.core.storage.models import OrderEvent

        sandbox, info = self._carrier("test_events_are_stored_once_across_polls", harness)
        for n, kind in enumerate(("moving", "moving", "unknown")):
            shipped_order(harness.app, sandbox.carrier_code(kind, n + 1), info.names[0])
        first = self._poll(harness)
        assert first.error is None, first.error
        stored = self._events(harness)
        assert stored > 0

        def feed() -> int:
            with harness.app.db.session() as s:
                return int(s.exec(select(func.count()).select_from(OrderEvent)
                                  .where(OrderEvent.kind == "tracking")).one())

        shown = feed()
        asked = sandbox.tracking_requests
        age_checks(harness.app)
        again = self._poll(harness)
        assert again.error is None, again.error
        assert sandbox.tracking_requests > asked, "the second poll should ask the carrier again"
        assert again.counts.counts.get("new_events", 0) == 0, again.counts.as_dict()
        assert self._events(harness) == stored and feed() == shown

    @carrier_test
    def test_delivered_is_terminal(self, harness: SandboxHarness) -> None:
        """A delivered shipment moves its order to delivered and is never asked about again.

        Fix: map the carrier's delivery event to ``TrackingStatus.DELIVERED`` (and only that)."""
        from hub.core.storage.models import Order, Shipment

        sandbox, info = self._carrier("test_delivered_is_terminal", harness)
        order_id = shipped_order(harness.app, sandbox.carrier_code("delivered"), info.names[0])
        run = self._poll(harness)
        assert run.error is None, run.error
        with harness.app.db.session() as s:
            order = s.get(Order, order_id)
            assert order is not None and order.state == "delivered"
        asked = sandbox.tracking_requests
        age_checks(harness.app)
        self._poll(harness)
        assert sandbox.tracking_requests == asked, "a delivered shipment was asked about again"
        with harness.app.db.session() as s:
            shipment = s.exec(select(Shipment).where(Shipment.order_id == order_id)).one()
            assert shipment.status == "delivered"
            assert s.get(Order, order_id).state == "delivered"  # type: ignore[union-attr]

    @carrier_test
    def test_refused_credentials_ask_to_reauthorize(self, harness: SandboxHarness) -> None:
        """Credentials the carrier refuses fail the run with "run: hub accounts authorize NAME".

        Fix: let the core's HTTP client see the carrier's 401 (send the token with
        ``account.client(..., token_header=...)``), and raise ``hub.AuthError`` with that hint
        when the token endpoint refuses."""
        sandbox, info = self._carrier("test_refused_credentials_ask_to_reauthorize", harness)
        shipped_order(harness.app, sandbox.carrier_code("moving"), info.names[0])
        app, row = harness.app, harness.app.accounts.row(harness.account)
        full = self._info()
        bad = {s.name: "wrong-" + "x" * 24 for s in full.settings
               if s.secret and s.name in self.all_settings(harness)}
        if bad:
            app.accounts.update_settings(harness.account, bad)
        creds = app.accounts.load_credentials(row.id or 0)
        if creds:
            app.accounts.save_credentials(row.id or 0, {
                k: ("wrong-" + "y" * 24 if isinstance(v, str) and "token" in k else v)
                for k, v in creds.items()})
        app.accounts.forget(row.id or 0)
        run = self._poll(harness)
        assert run.status == "failed", "the poll should fail with refused credentials"
        assert f"hub accounts authorize {harness.account}" in (run.error or ""), run.error

    # --- anti-tamper ------------------------------------------------------------------------
    def test_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """Carrier kit tests are not overridden or removed; skip one with a reason instead."""
        check_no_overrides(type(self), CarrierKit, CARRIER_TESTS, self.skips)
