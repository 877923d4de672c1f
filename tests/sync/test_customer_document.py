"""The buyer's tax document: stored on a new customer (punctuation taken out), filled in on a
customer that had none, never overwritten nor matched on, and shown with the order."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from hub.core import apikeys
from hub.core.app import HubApp
from hub.core.storage.db import Database
from hub.core.storage.models import Customer
from hub.core.sync.catalog import CustomerMatcher
from hub.types import Customer as Buyer
from tests.api.conftest import call
from tests.fakeplatform import FakePlatform, make_order


def _resolve(db: Database, *buyers: Buyer) -> list[int]:
    with Session(db.engine) as s:
        matcher = CustomerMatcher(s, "shop", by_platform_id=False)
        matcher.preload(list(buyers))
        ids = matcher.resolve_many(list(buyers))
        s.commit()
    return ids


def _documents(db: Database) -> dict[int, str | None]:
    with Session(db.engine) as s:
        return {c.id or 0: c.document for c in s.exec(select(Customer)).all()}


def test_stored_filled_in_never_overwritten_nor_matched(db_url: str) -> None:
    db = Database(db_url)
    db.ensure_schema()
    [ana] = _resolve(db, Buyer(first_name="Ana", email="ana@example.com", document="123.456.789-09"))
    [bia] = _resolve(db, Buyer(first_name="Bia", email="bia@example.com"))
    assert _documents(db) == {ana: "12345678909", bia: None}
    # a later order fills Bia's in; a different one for Ana does not overwrite hers
    assert _resolve(db, Buyer(email="BIA@example.com", document="12.345.678/0001-95"),
                    Buyer(email="ana@example.com", document="999")) == [bia, ana]
    assert _documents(db) == {ana: "12345678909", bia: "12345678000195"}
    # the same document with other contact data is another customer: never matched on it
    [other] = _resolve(db, Buyer(email="carla@example.com", document="123.456.789-09"))
    assert other not in (ana, bia)
    db.dispose()


def test_shown_in_the_order_detail(hub_cli: Any, app: HubApp, fake: FakePlatform) -> None:
    hub_cli("accounts", "add", "fakeshop", "--name", "main",
            "--set", "base_url=https://shop.example.com", "--set", "api_key=k")
    order = make_order(1)
    order["buyer"]["document"] = "123.456.789-09"
    fake.add(order, make_order(2))
    assert hub_cli("orders", "import", "--account", "main").code == 0
    ids = {str(o["platform_order_id"]): str(o["id"]) for o in hub_cli("orders", "list", "--json").json()}
    assert "document 12345678909" in hub_cli("orders", "show", ids["1"]).out
    assert hub_cli("orders", "show", ids["1"], "--json").json()["customer"]["document"] == "12345678909"
    assert hub_cli("orders", "show", ids["2"], "--json").json()["customer"]["document"] is None
    assert "document" not in hub_cli("orders", "show", ids["2"]).out
    key = apikeys.create(app, "backoffice")[1]
    assert call(app, "GET", f"/api/orders/{ids['1']}", key=key).json()["customer"]["document"] \
        == "12345678909"
