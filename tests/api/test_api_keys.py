"""API keys: every /api route refuses a missing, wrong, malformed or revoked key with 401,
before looking at anything else; keys are printed once and stored only as a hash."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from hub.core import apikeys
from hub.core.app import HubApp
from hub.core.storage.models import ApiKey
from tests.api.conftest import call

PROTECTED = [("GET", "/api/orders"), ("GET", "/api/orders/1"), ("POST", "/api/orders/1/deduct"),
             ("POST", "/api/orders/1/shipments"), ("PUT", "/api/stock"), ("PUT", "/api/prices"),
             ("GET", "/api/runs"), ("GET", "/api/runs/1"), ("POST", "/api/accounts/main/authorize"),
             ("GET", "/api/accounts/main/authorize")]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_api_route_needs_a_key(app: HubApp, key: str, method: str, path: str) -> None:
    response = call(app, method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "hub api-keys create" in response.json()["detail"]


@pytest.mark.parametrize("header", [
    "Bearer hub_not-a-key-at-all", "Bearer ", "Basic dXNlcjpwYXNz", "hub_raw-key-without-scheme",
    "Bearer " + "x" * 5000])
def test_wrong_or_malformed_keys_get_401(app: HubApp, key: str, header: str) -> None:
    assert call(app, "GET", "/api/orders", headers={"authorization": header}).status_code == 401


def test_a_valid_key_works_and_a_revoked_one_stops_at_once(app: HubApp, key: str) -> None:
    assert call(app, "GET", "/api/orders", key=key).status_code == 200
    apikeys.revoke(app, "backoffice")
    assert call(app, "GET", "/api/orders", key=key).status_code == 401


def test_authentication_comes_before_validation(app: HubApp) -> None:
    """An unauthenticated caller learns nothing about the API's rules, not even field names."""
    response = call(app, "PUT", "/api/stock", json=[{"sku": 1}])
    assert response.status_code == 401


def test_keys_are_stored_as_sha256_only_and_last_use_is_recorded(app: HubApp, key: str) -> None:
    call(app, "GET", "/api/runs", key=key)
    with app.db.session() as s:
        [row] = s.exec(select(ApiKey))
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (app.config.data_dir / "hub.db").read_bytes().decode("latin-1")
    assert row.last_used_at is not None and key.startswith(row.prefix)


def test_cli_creates_lists_and_revokes_keys(app: HubApp, hub_cli) -> None:  # type: ignore[no-untyped-def]
    created = hub_cli("api-keys", "create", "erp")
    assert created.code == 0
    secret = created.out.strip()
    assert secret.startswith("hub_") and len(secret) > 40
    assert "shown only now" in created.err
    assert call(app, "GET", "/api/orders", key=secret).status_code == 200

    listed = hub_cli("api-keys", "list", "--json")
    assert listed.code == 0 and secret not in listed.out
    [view] = listed.json()
    assert view["name"] == "erp" and view["revoked"] is False and view["last_used_at"]

    again = hub_cli("api-keys", "create", "erp")
    assert again.code == 2 and "already exists" in again.err
    assert hub_cli("api-keys", "create", "bad name!").code == 2

    assert hub_cli("api-keys", "revoke", "erp").code == 0
    assert call(app, "GET", "/api/orders", key=secret).status_code == 401
    assert hub_cli("api-keys", "list", "--json").json()[0]["revoked"] is True
    assert "revoked" in hub_cli("api-keys", "list").out
    missing = hub_cli("api-keys", "revoke", "nobody")
    assert missing.code == 2 and missing.err.strip() == (
        "hub: error: no API key named 'nobody'; see: hub api-keys list")
