"""``hub accounts disable|disconnect|show`` and ``hub orders reference`` from the command line,
and the accounts API, on the fake platform."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from hub.core import apikeys
from hub.core.app import HubApp
from hub.core.storage.models import Order
from tests.api.conftest import call, import_all, oauth  # noqa: F401 (fixture)
from tests.fakeplatform import FakeOAuthPlatform, FakePlatform, make_order

ADD = ("accounts", "add", "fakeshop", "--name", "main", "--set", "base_url=https://shop.example.com",
       "--set", "api_key=sk_live_very_secret_1", "--set", "shipment_billing=store",
       "--set", "brand_company=Acme Ltd", "--set", "store_url=https://acme.example.com/")


def key(app: HubApp) -> str:
    return apikeys.create(app, "backoffice")[1]


def _orders(app: HubApp) -> list[Order]:
    with app.db.session() as s:
        return list(s.exec(select(Order).order_by(Order.id)))


def test_disable_releases_open_orders_and_says_so(hub_cli: Any, app: HubApp,
                                                   fake: FakePlatform) -> None:
    assert hub_cli(*ADD).code == 0
    fake.add(make_order(1), make_order(2))
    import_all(app)
    result = hub_cli("accounts", "disable", "main", "--json")
    assert result.code == 0, result.err
    assert result.json()["released"] == [o.id for o in _orders(app)]
    assert "released 2 open order(s) to the store, kept 0" in result.err
    assert {o.state for o in _orders(app)} == {"released"}
    refused = hub_cli("orders", "import", "--account", "main")
    assert refused.code == 2 and "account 'main' is disabled" in refused.err


def test_disconnect_needs_confirmation_and_wipes_the_store_keys(hub_cli: Any, app: HubApp) -> None:
    assert hub_cli(*ADD).code == 0
    assert hub_cli("accounts", "disconnect", "main").code != 0  # no --yes: nothing done
    assert app.accounts.row("main").enabled
    result = hub_cli("accounts", "disconnect", "main", "--yes")
    assert result.code == 0, result.err
    assert "tokens and keys wiped" in result.err and not app.accounts.row("main").enabled


def test_show_and_the_api_carry_brand_details_terms_and_currency(hub_cli: Any,
                                                                 app: HubApp) -> None:
    assert hub_cli(*ADD).code == 0
    shown = hub_cli("accounts", "show", "main").out
    assert "brand: brand_company Acme Ltd, store_url https://acme.example.com" in shown
    assert "terms: shipment_billing store, tickets_handled_by hub" in shown
    assert "back-office currency: USD (the hub's)" in shown
    view = hub_cli("accounts", "show", "main", "--json").json()
    assert view["terms"]["shipment_billing"] == "store" and view["back_office_currency"] is None
    secret = key(app)
    api = call(app, "GET", "/api/accounts/main", key=secret)
    assert api.status_code == 200 and api.json()["brand"] == view["brand"]
    assert "sk_live_very_secret_1" not in api.text
    assert call(app, "GET", "/api/accounts/nope", key=secret).status_code == 404
    bad = hub_cli("accounts", "set", "main", "orders_per_month=lots")
    assert bad.code == 2 and "must be one of 0-100" in bad.err


def test_orders_reference_releases_the_platform_key(hub_cli: Any, app: HubApp,
                                                   fake: FakePlatform) -> None:
    assert hub_cli(*ADD).code == 0
    fake.add(make_order(1))
    import_all(app)
    [order] = _orders(app)
    result = hub_cli("orders", "reference", str(order.id), "R-77")
    assert result.code == 0 and "platform order 1 is imported again" in result.err
    import_all(app)
    first, second = _orders(app)
    assert (first.number, first.platform_order_id) == ("R-77", "ref:R-77")
    assert second.platform_order_id == "1"
    detail = call(app, "GET", f"/api/orders/{second.id}", key=key(app)).json()
    assert detail["terms"]["shipment_billing"] == "store"
    assert any(e["kind"] == "reimported" for e in detail["events"])
    shown = hub_cli("orders", "show", str(second.id)).out
    assert "terms: shipments billed to store, tickets handled by hub" in shown
    again = hub_cli("orders", "reference", str(first.id), "R-78")
    assert again.code == 2 and "already released its platform key" in again.err


def test_add_and_authorize_warn_at_once_when_the_store_sells_in_another_currency(
        hub_cli: Any, app: HubApp, fake: FakePlatform) -> None:
    fake.currency = "ARS"
    added = hub_cli(*ADD)
    assert added.code == 0
    assert ("warning: account 'main': the store sells in ARS but its back office is in USD"
            in added.err)
    assert "hub accounts set main back_office_currency=ARS" in added.err
    assert hub_cli("accounts", "set", "main", "back_office_currency=ars").code == 0
    assert "back-office currency: ARS" in hub_cli("accounts", "show", "main").out
    fake.add(make_order(1, currency="ARS"), make_order(2))  # the second sells in USD
    import_all(app)
    [order] = _orders(app)
    assert order.currency == "ARS"


def test_authorize_reconnects_and_reimports_released_orders_only_when_asked(
        hub_cli: Any, app: HubApp, oauth: FakeOAuthPlatform) -> None:  # noqa: F811
    keys = ("accounts", "add", "fakeoauth", "--name", "main", "--set",
            "base_url=https://shop.example.com", "--set", "api_key=k-1", "--set", "mode=a")
    assert hub_cli(*keys).code == 0
    oauth.add(make_order(1), make_order(2))
    import_all(app)
    assert hub_cli("accounts", "disable", "main").code == 0
    plain = hub_cli("accounts", "authorize", "main")
    assert plain.code == 0, plain.err
    assert "connected again; its import resumes from its cursor" in plain.err
    assert app.accounts.row("main").enabled
    import_all(app)
    assert len(_orders(app)) == 2
    again = hub_cli("accounts", "authorize", "main", "--reimport-released")
    assert again.code == 0 and "2 released order(s) will be imported again" in again.err
    import_all(app)
    states = sorted(o.state for o in _orders(app))
    assert states == ["ready", "ready", "released", "released"]


def test_the_api_disconnects_and_changes_references(hub_cli: Any, app: HubApp,
                                                    fake: FakePlatform) -> None:
    assert hub_cli(*ADD).code == 0
    fake.add(make_order(1), make_order(2))
    import_all(app)
    first, second = _orders(app)
    secret = key(app)
    moved = call(app, "POST", f"/api/orders/{first.id}/reference", key=secret,
                 json={"reference": "R-9"})
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"id": first.id, "reference": "R-9",
                            "released_platform_order_id": first.platform_order_id}
    taken = call(app, "POST", f"/api/orders/{second.id}/reference", key=secret,
                 json={"reference": "R-9"})
    assert taken.status_code == 422 and "already used" in taken.json()["detail"]
    assert call(app, "POST", "/api/orders/999/reference", key=secret,
                json={"reference": "X"}).status_code == 404
    done = call(app, "POST", "/api/accounts/main/disable", key=secret)
    assert done.status_code == 200, done.text
    assert done.json()["released"] == [first.id, second.id] and done.json()["wiped"] is False
    assert call(app, "POST", "/api/accounts/main/disconnect").status_code == 401
