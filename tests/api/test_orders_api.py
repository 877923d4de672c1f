"""``/api/orders``: filters, paging, one order in full, deducting and shipping, 404s and 422s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hub.core.app import HubApp
from hub.core.storage.models import Order, OutboxItem
from tests.api.conftest import call, import_all
from tests.fakeplatform import NOW, FakePlatform, make_order


@pytest.fixture
def imported(app: HubApp, account: str, fake: FakePlatform) -> dict[str, int]:
    """Hub order ids by "account/platform id": orders 1-3 of 'main' (3 refunded after import)
    and 1-2 of 'outlet' (the same platform ids in another store; 3 was no longer eligible)."""
    app.accounts.add("fakeshop", "outlet", {"base_url": "https://outlet.example.com",
                                            "api_key": "sk_live_outlet_123"})
    fake.add(make_order(1), make_order(2), make_order(3))
    import_all(app)
    fake.orders["3"]["status"] = "refunded"
    fake.orders["3"]["modified"] = (NOW - timedelta(minutes=5)).isoformat()
    import_all(app)
    import_all(app, "outlet")
    with app.db.session() as s:
        from sqlmodel import select

        names = {a.id: a.name for a in app.accounts.rows()}
        return {f"{names[o.account_id]}/{o.platform_order_id}": o.id or 0 for o in s.exec(select(Order))}


def test_list_filters_by_account_platform_status_and_update_time(
        app: HubApp, key: str, imported: dict[str, int]) -> None:
    everything = call(app, "GET", "/api/orders", key=key).json()
    assert everything["total"] == 5 and len(everything["items"]) == 5
    assert {o["account"] for o in everything["items"]} == {"main", "outlet"}
    main = call(app, "GET", "/api/orders", key=key, params={"account": "main"}).json()
    assert main["total"] == 3 and {o["account"] for o in main["items"]} == {"main"}
    refunded = call(app, "GET", "/api/orders", key=key,
                    params={"account": "main", "status": "refunded"}).json()
    assert [o["platform_order_id"] for o in refunded["items"]] == ["3"]
    assert call(app, "GET", "/api/orders", key=key,
                params={"platform": "woocommerce"}).json()["total"] == 0
    first = everything["items"][0]
    assert set(first) == {"id", "account", "platform", "platform_order_id", "number", "status", "state",
                          "created_at", "updated_at", "total", "currency", "deducted"}
    assert first["total"] == "44.00" and first["currency"] == "USD"


def test_updated_since_is_inclusive_and_ordered_for_polling(
        app: HubApp, key: str, imported: dict[str, int]) -> None:
    items = call(app, "GET", "/api/orders", key=key).json()["items"]
    stamps = [(o["updated_at"], o["id"]) for o in items]
    assert stamps == sorted(stamps)
    last = items[-1]["updated_at"]
    newer = call(app, "GET", "/api/orders", key=key, params={"updated_since": last}).json()
    assert items[-1]["id"] in [o["id"] for o in newer["items"]]
    naive = call(app, "GET", "/api/orders", key=key,
                 params={"updated_since": "2000-01-01T00:00:00"}).json()
    assert naive["total"] == 5  # a naive time is UTC
    future = call(app, "GET", "/api/orders", key=key, params={"updated_since": "2999-01-01"})
    assert future.json()["total"] == 0


def test_limit_and_offset_page_through_without_repeats(
        app: HubApp, key: str, imported: dict[str, int]) -> None:
    seen: list[int] = []
    for offset in range(0, 6, 3):
        page = call(app, "GET", "/api/orders", key=key, params={"limit": 3, "offset": offset}).json()
        assert page["limit"] == 3 and page["offset"] == offset and page["total"] == 5
        seen += [o["id"] for o in page["items"]]
    assert sorted(seen) == sorted(imported.values()) and len(seen) == 5


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 5000}, "limit"), ({"offset": -1}, "offset"),
    ({"updated_since": "yesterday"}, "updated_since"), ({"status": "x" * 101}, "status"),
    ({"account": "a\x00b"}, "account")])
def test_bad_filters_get_422_naming_the_field(app: HubApp, key: str, params: dict[str, Any],
                                              field: str) -> None:
    response = call(app, "GET", "/api/orders", key=key, params=params)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]


def test_an_unknown_account_filter_is_404(app: HubApp, key: str) -> None:
    response = call(app, "GET", "/api/orders", key=key, params={"account": "nobody"})
    assert response.status_code == 404
    assert response.json() == {"detail": "no account named 'nobody'", "hint": "see: hub accounts list"}


def test_one_order_in_full(app: HubApp, key: str, imported: dict[str, int]) -> None:
    order = call(app, "GET", f"/api/orders/{imported['main/1']}", key=key).json()
    assert order["account"] == "main" and order["platform_order_id"] == "1"
    assert order["customer"]["email"] == "buyer1@example.com"
    assert [(ln["sku"], ln["quantity"], ln["unit_price"]) for ln in order["lines"]] == [
        ("SKU-1", "2", "9.95"), ("SKU-2-RED", "1", "20.10")]
    assert order["totals"]["total"] == "44.00"
    assert [e["kind"] for e in order["events"]] == ["created", "delivery"]
    assert order["shipments"] == [] and order["deducted"] is False and order["deducted_at"] is None
    assert "raw" not in order
    refunded = call(app, "GET", f"/api/orders/{imported['main/3']}", key=key).json()
    assert refunded["status"] == "refunded" and refunded["state"] == "cancelled"
    assert [e["kind"] for e in refunded["events"]][-2:] == ["updated", "state"]


@pytest.mark.parametrize("path", ["/api/orders/999", "/api/orders/999/deduct",
                                  "/api/orders/999/shipments"])
def test_unknown_orders_are_404(app: HubApp, key: str, path: str) -> None:
    method = "GET" if path.endswith("999") else "POST"
    body = {"carrier": "UPS", "tracking_number": "1Z"} if path.endswith("shipments") else None
    response = call(app, method, path, key=key, json=body)
    assert response.status_code == 404
    assert response.json()["detail"] == "no order with id 999"


@pytest.mark.parametrize("order_id", ["0", "-3", "abc", str(2**31), str(2**70)])
def test_ids_outside_the_column_range_are_422(app: HubApp, key: str, order_id: str) -> None:
    response = call(app, "GET", f"/api/orders/{order_id}", key=key)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "order_id"]


def test_deduct_once_then_409(app: HubApp, key: str, imported: dict[str, int]) -> None:
    first = call(app, "POST", f"/api/orders/{imported['main/1']}/deduct", key=key)
    assert first.status_code == 200 and first.json()["id"] == imported["main/1"]
    again = call(app, "POST", f"/api/orders/{imported['main/1']}/deduct", key=key)
    assert again.status_code == 409 and "already deducted" in again.json()["detail"]
    order = call(app, "GET", f"/api/orders/{imported['main/1']}", key=key).json()
    assert order["deducted"] is True and order["events"][-1]["kind"] == "deducted"


def test_a_shipment_with_its_invoice_is_recorded_and_queued(app: HubApp, key: str,
                                                            imported: dict[str, int]) -> None:
    app.accounts.set_flags("main", flow_tracking=True)
    response = call(app, "POST", f"/api/orders/{imported['main/1']}/shipments", key=key, json={
        "carrier": "Correios", "tracking_number": "BR123", "tracking_url": "https://t.example/BR123",
        "invoice_number": "NF-1", "invoice_key": "3519" + "0" * 40,
        "invoice_date": "2026-11-20T10:00:00-03:00", "invoice_value": "44.00"})
    assert response.status_code == 201
    created = response.json()
    assert created["queued"] is True and created["carrier"] == "Correios"
    assert created["invoice_date"].startswith("2026-11-20T13:00:00")  # stored in UTC
    order = call(app, "GET", f"/api/orders/{imported['main/1']}", key=key).json()
    assert [s["tracking_number"] for s in order["shipments"]] == ["BR123"]
    with app.db.session() as s:
        from sqlmodel import select

        [item] = s.exec(select(OutboxItem))
    assert item.kind == "tracking" and item.payload["tracking_number"] == "BR123"  # type: ignore[index]
    off = call(app, "POST", f"/api/orders/{imported['outlet/1']}/shipments", key=key,
               json={"carrier": "UPS", "tracking_number": "1Z"})
    assert off.status_code == 201 and off.json()["queued"] is False  # outlet's flow is off


@pytest.mark.parametrize(("body", "loc"), [
    ({"tracking_number": "1Z"}, ["body", "carrier"]),
    ({"carrier": "  ", "tracking_number": "1Z"}, ["body", "carrier"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "invoice_value": "-1"}, ["body", "invoice_value"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "invoice_value": "NaN"}, ["body", "invoice_value"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "invoice_date": "soon"}, ["body", "invoice_date"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "invoice_date": 1764000000}, ["body", "invoice_date"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "invoice_date": 0}, ["body", "invoice_date"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "invoice_value": True}, ["body", "invoice_value"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "invoice_date": "9999-12-31T23:00:00-05:00"},
     ["body", "invoice_date"]),
    ({"carrier": "UPS", "tracking_number": "1Z", "colour": "red"}, ["body", "colour"]),
    ({"carrier": "U" * 101, "tracking_number": "1Z"}, ["body", "carrier"])])
def test_bad_shipments_get_422_naming_the_field(app: HubApp, key: str, imported: dict[str, int],
                                                body: dict[str, Any], loc: list[str]) -> None:
    response = call(app, "POST", f"/api/orders/{imported['main/1']}/shipments", key=key, json=body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [loc]


def test_a_body_that_is_not_json_is_422(app: HubApp, key: str, imported: dict[str, int]) -> None:
    response = call(app, "POST", f"/api/orders/{imported['main/1']}/shipments", key=key,
                    content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
