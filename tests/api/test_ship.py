"""``hub orders ship`` and ``POST /api/orders/{id}/shipments``: cancelled orders are refused
unless forced; shipping again updates the order's one shipment and says so."""

from __future__ import annotations

from sqlmodel import select

from hub.core.app import HubApp
from hub.core.storage.models import Order, OutboxItem, Shipment
from hub.core.sync import fulfilment
from tests.api.conftest import call, import_all
from tests.fakeplatform import FakePlatform, make_order

ADD = ("accounts", "add", "fakeshop", "--name", "main", "--set", "base_url=https://shop.example.com",
       "--set", "api_key=sk_live_very_secret_1")


def _order_id(app: HubApp, platform_id: str) -> int:
    with app.db.session() as s:
        return next(o.id or 0 for o in s.exec(select(Order))
                    if o.platform_order_id == platform_id)


def _set_status(app: HubApp, order_id: int, status: str) -> None:
    with app.db.session() as s:
        row = s.get(Order, order_id)
        assert row is not None
        row.status = status
        s.add(row)


def test_closed_statuses_are_recognised_whatever_the_platform() -> None:
    closed = ["canceled", "cancelled", "cancellation-requested", "paid/cancelled", "refunded",
              "refunded/unfulfilled", "voided/unfulfilled"]
    open_ = ["ready-for-handling", "processing", "paid/unfulfilled",
             "partially_refunded/unfulfilled", "handling", "paid"]
    assert all(fulfilment.closed_reason(s) for s in closed)
    assert not any(fulfilment.closed_reason(s) for s in open_)


def test_cli_refuses_a_cancelled_order_unless_forced(hub_cli, app: HubApp,  # type: ignore[no-untyped-def]
                                                     fake: FakePlatform) -> None:
    hub_cli(*ADD)
    hub_cli("accounts", "flows", "main", "--tracking", "on")
    fake.add(make_order(1))
    assert hub_cli("orders", "import", "--account", "main").code == 0
    order_id = _order_id(app, "1")
    _set_status(app, order_id, "cancelled")
    refused = hub_cli("orders", "ship", str(order_id), "--carrier", "UPS", "--tracking", "1Z")
    assert refused.code == 2 and "Traceback" not in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert "cancelled" in refused.err and "--force" in refused.err
    with app.db.session() as s:
        assert s.exec(select(Shipment)).all() == [] and s.exec(select(OutboxItem)).all() == []
    forced = hub_cli("orders", "ship", str(order_id), "--carrier", "UPS", "--tracking", "1Z",
                     "--force")
    assert forced.code == 0 and "shipment recorded" in forced.err + forced.out


def test_cli_second_ship_updates_the_shipment_and_says_so(hub_cli, app: HubApp,  # type: ignore[no-untyped-def]
                                                          fake: FakePlatform) -> None:
    hub_cli(*ADD)
    hub_cli("accounts", "flows", "main", "--tracking", "on")
    fake.add(make_order(1))
    hub_cli("orders", "import", "--account", "main")
    order_id = _order_id(app, "1")
    first = hub_cli("orders", "ship", str(order_id), "--carrier", "UPS", "--tracking", "1Z",
                    "--invoice-number", "NF-1")
    assert "shipment recorded" in first.err + first.out
    second = hub_cli("orders", "ship", str(order_id), "--carrier", "DHL", "--tracking", "JD2")
    out = second.err + second.out
    assert second.code == 0 and "shipment updated (was UPS 1Z)" in out
    with app.db.session() as s:
        [shipment] = s.exec(select(Shipment)).all()
        [item] = s.exec(select(OutboxItem)).all()
    assert (shipment.carrier, shipment.tracking_number, shipment.invoice_number) == (
        "DHL", "JD2", "NF-1")  # the invoice is kept when not given again
    assert item.payload is not None and item.payload["replaces"]["tracking_number"] == "1Z"
    assert item.payload["invoice"]["number"] == "NF-1"


def test_api_answers_409_for_a_refunded_order_and_reports_updates(
        app: HubApp, key: str, account: str, fake: FakePlatform) -> None:
    fake.add(make_order(1))
    import_all(app)
    order_id = _order_id(app, "1")
    _set_status(app, order_id, "refunded")
    path = f"/api/orders/{order_id}/shipments"
    refused = call(app, "POST", path, key=key, json={"carrier": "UPS", "tracking_number": "1Z"})
    assert refused.status_code == 409 and "refunded" in refused.json()["detail"]
    assert call(app, "POST", path, key=key, json={"carrier": "UPS", "tracking_number": "1Z",
                                                  "force": "yes"}).status_code == 422
    first = call(app, "POST", path, key=key, json={"carrier": "UPS", "tracking_number": "1Z",
                                                   "force": True})
    assert first.status_code == 201 and first.json()["updated"] is False
    second = call(app, "POST", path, key=key, json={"carrier": "UPS", "tracking_number": "1Z2",
                                                    "force": True})
    assert second.status_code == 201 and second.json()["updated"] is True
    assert second.json()["id"] == first.json()["id"]
