"""Roles on the API: viewers read, operators also act, admins also manage keys, users and
credentials; a refusal is 403 naming the role needed, and who acted is recorded."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from hub.core import apikeys
from hub.core.app import HubApp
from hub.core.storage.models import Order, OrderEvent
from tests.api.conftest import call, import_all
from tests.fakeplatform import FakePlatform, make_order

SHIP = {"carrier": "correios", "tracking_number": "BR123"}


@pytest.fixture
def keys(app: HubApp) -> dict[str, str]:
    return {role: apikeys.create(app, f"k-{role}", role)[1]
            for role in ("viewer", "operator", "admin")}


@pytest.fixture
def order_id(app: HubApp, account: str, fake: FakePlatform) -> int:
    fake.add(make_order(1))
    import_all(app)
    with app.db.session() as s:
        return next(o.id or 0 for o in s.exec(select(Order)))


@pytest.mark.parametrize(("role", "method", "path", "body", "allowed"), [
    ("viewer", "GET", "/api/orders", None, True),
    ("viewer", "GET", "/api/runs", None, True),
    ("viewer", "POST", "/api/orders/{id}/shipments", SHIP, False),
    ("viewer", "PUT", "/api/stock", [], False),
    ("operator", "POST", "/api/orders/{id}/shipments", SHIP, True),
    ("operator", "PUT", "/api/stock", [], True),
    ("operator", "POST", "/api/api-keys", {"name": "new", "role": "viewer"}, False),
    ("operator", "GET", "/api/users", None, False),
    ("operator", "POST", "/api/accounts/main/disconnect", None, False),
    ("operator", "POST", "/api/accounts/main/authorize", None, False),
    ("admin", "POST", "/api/api-keys", {"name": "new", "role": "viewer"}, True),
    ("admin", "POST", "/api/orders/{id}/shipments", SHIP, True),
    ("admin", "GET", "/api/orders", None, True),
])
def test_each_role_against_representative_routes(app: HubApp, keys: dict[str, str], order_id: int,
                                                 role: str, method: str, path: str,
                                                 body: object, allowed: bool) -> None:
    response = call(app, method, path.format(id=order_id), key=keys[role], json=body)
    if allowed:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403, response.text
        detail = response.json()["detail"]
        needed = "operator" if role == "viewer" else "admin"
        assert f"needs the {needed} role" in detail and f"'k-{role}' is {role}" in detail


def test_admin_manages_keys_and_users_and_secrets_stay_out(app: HubApp,
                                                          keys: dict[str, str]) -> None:
    admin = keys["admin"]
    created = call(app, "POST", "/api/api-keys", key=admin, json={"name": "ro", "role": "viewer"})
    assert created.status_code == 201 and created.json()["role"] == "viewer"
    new_key = created.json()["key"]
    assert call(app, "GET", "/api/orders", key=new_key).status_code == 200
    assert call(app, "PUT", "/api/stock", key=new_key, json=[]).status_code == 403
    listed = call(app, "GET", "/api/api-keys", key=admin).json()
    assert {k["name"]: k["role"] for k in listed}["ro"] == "viewer"
    assert new_key not in str(listed)
    assert call(app, "POST", "/api/api-keys/ro/revoke", key=admin).status_code == 200
    assert call(app, "GET", "/api/orders", key=new_key).status_code == 401

    password = "correct horse battery"
    added = call(app, "POST", "/api/users", key=admin,
                 json={"name": "alice", "role": "operator", "password": password})
    assert added.status_code == 201
    users = call(app, "GET", "/api/users", key=admin)
    assert users.json()[0]["role"] == "operator" and password not in users.text
    assert "scrypt" not in users.text
    weak = call(app, "POST", "/api/users", key=admin,
                json={"name": "bob", "role": "viewer", "password": "short"})
    assert weak.status_code == 422 and "too short" in weak.json()["detail"]
    assert call(app, "POST", "/api/users", key=admin,
                json={"name": "alice", "role": "viewer", "password": password}
                ).status_code == 422
    assert call(app, "POST", "/api/users/alice/disable", key=admin).json()["changed"] is True


def test_acting_requests_record_and_log_who_did_it(app: HubApp, keys: dict[str, str],
                                                   order_id: int,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hub.audit")
    shipped = call(app, "POST", f"/api/orders/{order_id}/shipments", key=keys["operator"],
                   json=SHIP)
    assert shipped.status_code == 201
    with app.db.session() as s:
        actors = {e.actor for e in s.exec(select(OrderEvent)
                                          .where(OrderEvent.order_id == order_id))}
    assert "api_key:k-operator" in actors
    detail = call(app, "GET", f"/api/orders/{order_id}", key=keys["viewer"]).json()
    assert "api_key:k-operator" in {e["actor"] for e in detail["events"]}
    lines = [r.getMessage() for r in caplog.records if r.name == "hub.audit"]
    assert any("POST /api/orders" in line and "by api key 'k-operator' (operator): 201" in line
               for line in lines)
    assert not any(keys["operator"] in line for line in lines)
    refused = call(app, "POST", f"/api/orders/{order_id}/deduct", key=keys["viewer"])
    assert refused.status_code == 403
    assert any("refused POST" in r.getMessage() and "api key 'k-viewer'" in r.getMessage()
               for r in caplog.records)


def test_keys_made_before_roles_are_admin(app: HubApp) -> None:
    _, key = apikeys.create(app, "old")
    assert call(app, "POST", "/api/api-keys", key=key,
                json={"name": "fresh"}).status_code == 201
