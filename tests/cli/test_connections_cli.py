"""``hub accounts disable|disconnect|show`` and ``hub orders reference`` from the command line,
and the accounts API, on the fake platform."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from hub.core import apikeys
from hub.core.app import HubApp
from hub.core.storage.models import Order
from tests.api.conftest import call, import_all
from tests.fakeplatform import FakePlatform, make_order

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
    again = hub_cli("orders", "reference", str(first.id), "R-78")
    assert again.code == 2 and "already released its platform key" in again.err
