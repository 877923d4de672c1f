"""hub-correios through the real core, against its sandbox on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from hub import TrackingStatus
from hub.core.storage.models import Order, OrderEvent, Shipment
from hub.core.storage.tracking import ShipmentEvent
from hub.core.sync.tracking_in import poll_tracking, untracked
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub.testing.kit_carriers import shipped_order
from hub_correios.codes import check_digit, is_valid
from hub_correios.sandbox import CorreiosSandbox
from hub_correios.tracking import status_of


def test_s10_check_digit_is_the_upu_one() -> None:
    assert check_digit("12345678") == 5  # UPU S10's own example, RR123456785..
    assert is_valid("RR123456785BR") and not is_valid("RR123456784BR")
    assert not is_valid("RR12345678BR") and not is_valid("1Z999AA10123456784")


@pytest.mark.parametrize(("code", "kind", "status"), [
    ("PO", "01", TrackingStatus.POSTED), ("RO", "01", TrackingStatus.IN_TRANSIT),
    ("OEC", "01", TrackingStatus.OUT_FOR_DELIVERY), ("BDE", "01", TrackingStatus.DELIVERED),
    ("BDI", "01", TrackingStatus.DELIVERED), ("BDE", "20", TrackingStatus.DELIVERY_FAILED),
    ("BDR", "23", TrackingStatus.RETURNED), ("LDI", "01", TrackingStatus.AWAITING_PICKUP),
    ("XYZ", "99", TrackingStatus.IN_TRANSIT),  # unknown: never a delivery
])
def test_event_codes_map_to_the_hubs_statuses(code: str, kind: str,
                                             status: TrackingStatus) -> None:
    assert status_of(code, kind) is status


def _order_with_shipment(h: SandboxHarness, number: str, carrier: str = "Correios",
                         state: str = "ready") -> int:
    """A sales account's order shipped with ``number`` (written as an import and ship would)."""
    return shipped_order(h.app, number, carrier, state=state)


@pytest.fixture
def h(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SandboxHarness("correios", tmp_path, SandboxOptions(), flows=("tracking_in",)) as h:
        h.authorize()
        yield h


def test_delivered_parcel_moves_the_order_once_and_reports_each_event_once(h) -> None:  # type: ignore[no-untyped-def]
    box: CorreiosSandbox = h.sandbox  # type: ignore[assignment]
    delivered, moving, unknown = box.code("4"), box.code("2", 2), box.code("0", 3)
    ids = {n: _order_with_shipment(h, n) for n in (delivered, moving, unknown)}
    first = h.run(poll_tracking(h.app, "main"))
    assert first.status == "ok", first.error
    assert first.counts.counts["new_events"] == 2 and first.counts.counts["not_found"] == 1
    assert box.rastro_calls == 1 and box.codes_asked == 3  # one request for the batch
    with h.app.db.session() as s:
        order = s.get(Order, ids[delivered])
        assert order is not None and order.state == "delivered"
        assert s.get(Order, ids[moving]).state == "shipped"  # type: ignore[union-attr]
        assert s.get(Order, ids[unknown]).state == "ready"  # type: ignore[union-attr]
        shipment = s.exec(select(Shipment).where(Shipment.order_id == ids[delivered])).one()
        assert shipment.status == "delivered"
        events = s.exec(select(ShipmentEvent).where(ShipmentEvent.shipment_id == shipment.id)
                        ).all()
        assert [e.status for e in events] == ["posted", "in_transit", "out_for_delivery",
                                              "delivered"]
        assert events[-1].location == "SAO PAULO - SP"
        assert events[-1].at.utcoffset() is not None
        feed = s.exec(select(OrderEvent).where(OrderEvent.order_id == ids[delivered])).all()
        assert [(e.kind, e.source) for e in feed if e.kind == "state"] == [
            ("state", "carrier"), ("state", "carrier")]  # ready -> shipped -> delivered
    # the delivered shipment is not asked about again; the moving one gets a new event once
    box.advance(moving, "out")
    again = h.run(poll_tracking(h.app, "main"))
    assert box.codes_asked == 3 + 2
    assert again.counts.counts["new_events"] == 1 and again.counts.counts["unchanged"] == 0
    third = h.run(poll_tracking(h.app, "main"))
    assert third.counts.counts["unchanged"] == 1
    with h.app.db.session() as s:
        assert len(s.exec(select(ShipmentEvent)).all()) == 4 + 3


def test_returned_and_cancelled_orders_follow_the_rules(h) -> None:  # type: ignore[no-untyped-def]
    box: CorreiosSandbox = h.sandbox  # type: ignore[assignment]
    back, cancelled = box.code("6"), box.code("4", 5)
    back_id = _order_with_shipment(h, back)
    cancelled_id = _order_with_shipment(h, cancelled, state="cancelled")
    h.run(poll_tracking(h.app, "main"))
    with h.app.db.session() as s:
        assert s.get(Order, back_id).state == "returned"  # type: ignore[union-attr]
        assert s.get(Order, cancelled_id).state == "cancelled"  # type: ignore[union-attr]
        said = [e.message for e in s.exec(select(OrderEvent).where(
            OrderEvent.order_id == cancelled_id))]
    assert any("order stays: order is cancelled" in m for m in said), said


def test_routing_by_name_or_format_and_untracked_is_listed(h) -> None:  # type: ignore[no-untyped-def]
    box: CorreiosSandbox = h.sandbox  # type: ignore[assignment]
    by_format = box.code("1")
    _order_with_shipment(h, by_format, carrier="Transportadora X")  # a Correios code anyway
    _order_with_shipment(h, "1Z999AA10123456784", carrier="UPS")
    done = h.run(poll_tracking(h.app, "main"))
    assert done.counts.counts["new_events"] == 1
    assert [sh.tracking_number for sh in untracked(h.app)] == ["1Z999AA10123456784"]


def test_tokens_are_refreshed_by_the_core_and_bad_keys_say_so(tmp_path: Path) -> None:
    with SandboxHarness("correios", tmp_path, SandboxOptions(token_ttl=3600),
                        flows=("tracking_in",)) as h:
        h.authorize()
        box: CorreiosSandbox = h.sandbox  # type: ignore[assignment]
        _order_with_shipment(h, box.code("3"))
        box.tokens.expire_all()  # the stored token is refused with 401: the core gets a new one
        assert h.run(poll_tracking(h.app, "main")).status == "ok"
        h.app.accounts.update_settings("main", {"codigo_acesso": "wrong"})
        from hub.errors import AuthError

        with pytest.raises(AuthError, match="usuário ou código de acesso inválido"):
            h.authorize()


def test_a_carrier_account_starts_with_no_order_import(h) -> None:  # type: ignore[no-untyped-def]
    row = h.app.accounts.row("main")
    assert not row.flow_orders and row.flow_tracking_in
