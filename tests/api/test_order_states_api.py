"""The order state endpoints and commands: move, cancel, restock, with refusals that say why."""

from __future__ import annotations

from sqlmodel import select

from hub.core.app import HubApp
from hub.core.storage.models import Order, OutboxItem
from tests.api.conftest import call, import_all
from tests.fakeplatform import FakePlatform, make_order


def test_state_cancel_and_restock_endpoints(app: HubApp, account: str, fake: FakePlatform,
                                            key: str) -> None:
    fake.add(make_order(1), make_order(2))
    import_all(app)
    app.accounts.set_flags("main", flow_status=True)
    moved = call(app, "POST", "/api/orders/1/state", key=key, json={"state": "handling"})
    assert moved.status_code == 200, moved.text
    assert moved.json() | {"note": ""} == {"id": 1, "previous": "ready", "state": "handling",
                                           "queued": True, "note": "", "restock_pending": False}
    refused = call(app, "POST", "/api/orders/1/state", key=key, json={"state": "delivered"})
    assert refused.status_code == 409 and "before it is shipped" in refused.json()["detail"]
    unknown = call(app, "POST", "/api/orders/1/state", key=key, json={"state": "sent"})
    assert unknown.status_code == 422 and "use one of" in unknown.json()["detail"]
    no_reason = call(app, "POST", "/api/orders/2/cancel", key=key, json={})
    assert no_reason.status_code == 422
    cancelled = call(app, "POST", "/api/orders/2/cancel", key=key, json={"reason": "fraud"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    restock = call(app, "POST", "/api/orders/2/restock", key=key)
    assert restock.status_code == 409 and "holds no stock" in restock.json()["detail"]
    detail = call(app, "GET", "/api/orders/2", key=key).json()
    assert detail["state"] == "cancelled"
    assert (detail["events"][-1]["source"], detail["events"][-1]["kind"]) == ("api", "state")
    with app.db.session() as s:
        keys = sorted(i.key for i in s.exec(select(OutboxItem).where(OutboxItem.kind == "status")))
    assert keys == ["1", "2"]


def test_cli_status_cancel_restock(app: HubApp, account: str, fake: FakePlatform,
                                   hub_cli) -> None:  # type: ignore[no-untyped-def]
    fake.add(make_order(1))
    import_all(app)
    flows = hub_cli("accounts", "flows", "main", "--status", "on")
    assert flows.code == 0 and "status on" in flows.out
    bad = hub_cli("orders", "status", "1", "invoiced")
    assert bad.code == 2 and "FakeShop cannot set an order to invoiced" in bad.err
    assert "Traceback" not in bad.err
    cancel = hub_cli("orders", "cancel", "1", "--reason", "out of stock")
    assert cancel.code == 0 and "ready -> cancelled; queued for FakeShop" in cancel.err
    pushed = hub_cli("orders", "push", "--account", "main")
    assert pushed.code == 0 and "pushed 1" in pushed.err
    assert fake.orders["1"]["status"] == "cancelled" and fake.state_calls[0].reason == "out of stock"
    again = hub_cli("orders", "ship", "1", "--carrier", "UPS", "--tracking", "1Z")
    assert again.code == 2 and "cancelled" in again.err
    listed = hub_cli("orders", "list")
    assert "cancelled" in listed.out
    with app.db.session() as s:
        assert s.exec(select(Order)).one().state == "cancelled"
