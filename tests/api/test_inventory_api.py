"""``PUT /api/stock`` and ``PUT /api/prices``: good items applied, bad ones reported by index,
a malformed request refused whole with the field at fault."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.storage.models import Price, StockLevel
from hub.core.sync.inventory import add_product
from hub.core.sync.stock import add_warehouse
from tests.api.conftest import call


@pytest.fixture
def catalogue(app: HubApp, account: str) -> None:
    add_product(app, "MUG", "Mug")
    add_product(app, "CAP", "Cap")
    with app.db.session() as s:
        add_warehouse(s, "main")
        add_warehouse(s, "backup")


def levels(app: HubApp) -> dict[tuple[int, int], int]:
    with app.db.session() as s:
        return {(lv.product_id, lv.warehouse_id): lv.quantity for lv in s.exec(select(StockLevel))}


def test_stock_good_items_are_applied_and_bad_ones_reported(app: HubApp, key: str,
                                                            catalogue: None) -> None:
    response = call(app, "PUT", "/api/stock", key=key, json=[
        {"sku": "MUG", "warehouse": "main", "quantity": 12},
        {"sku": "NOPE", "warehouse": "main", "quantity": 1},
        {"sku": "CAP", "warehouse": "attic", "quantity": 3},
        {"sku": "CAP", "warehouse": "backup", "quantity": 0},
        {"sku": "MUG", "warehouse": "main", "quantity": 7}])  # the same level twice: the last wins
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["rejected"]) == (3, 2)
    assert [(r["index"], r["ok"], r["error"]) for r in body["results"]] == [
        (0, True, None), (1, False, "no product with SKU 'NOPE'"),
        (2, False, "no warehouse named 'attic'"), (3, True, None), (4, True, None)]
    assert sorted(levels(app).values()) == [0, 7]


@pytest.mark.parametrize(("body", "loc"), [
    ([{"sku": "MUG", "warehouse": "main", "quantity": -1}], ["body", 0, "quantity"]),
    ([{"sku": "MUG", "warehouse": "main", "quantity": 1.5}], ["body", 0, "quantity"]),
    ([{"sku": "MUG", "warehouse": "main", "quantity": 2**40}], ["body", 0, "quantity"]),
    ([{"sku": "MUG", "warehouse": "main", "quantity": True}], ["body", 0, "quantity"]),
    ([{"sku": "MUG", "warehouse": "main", "quantity": "5"}], ["body", 0, "quantity"]),
    ([{"sku": "MUG", "warehouse": "main", "quantity": 5.0}], ["body", 0, "quantity"]),
    ([{"sku": "MUG", "warehouse": "main", "quantity": 1}, {"warehouse": "main", "quantity": 1}],
     ["body", 1, "sku"]),
    ({"sku": "MUG", "warehouse": "main", "quantity": 1}, ["body"])])
def test_a_malformed_stock_request_is_refused_whole(app: HubApp, key: str, catalogue: None,
                                                    body: Any, loc: list[Any]) -> None:
    response = call(app, "PUT", "/api/stock", key=key, json=body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [loc]
    assert levels(app) == {}


def test_more_than_ten_thousand_items_is_422(app: HubApp, key: str) -> None:
    item = {"sku": "MUG", "warehouse": "main", "quantity": 1}
    assert call(app, "PUT", "/api/stock", key=key, json=[item] * 10_001).status_code == 422


def prices(app: HubApp) -> dict[tuple[int, int], Price]:
    with app.db.session() as s:
        return {(p.product_id, p.account_id): p for p in s.exec(select(Price))}


def test_prices_with_promotions_per_account_and_per_item_errors(app: HubApp, key: str,
                                                                catalogue: None) -> None:
    response = call(app, "PUT", "/api/prices", key=key, json=[
        {"sku": "MUG", "price": "19.90", "promo": "14.90", "promo_from": "2026-12-01",
         "promo_to": "2026-12-31T23:59:59Z"},
        {"sku": "CAP", "price": 9.5, "account": "main"},
        {"sku": "CAP", "price": "9.50", "promo": "12.00"},
        {"sku": "CAP", "price": "9.50", "promo_from": "2026-12-01"},
        {"sku": "CAP", "price": "9.50", "promo": "5", "promo_from": "2026-12-31",
         "promo_to": "2026-12-01"},
        {"sku": "CAP", "price": "9.50", "account": "nobody"},
        {"sku": "NOPE", "price": "1"}])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [True, True, False, False, False, False, False]
    assert results[2]["error"] == "promo 12.00 must be lower than the regular price 9.50"
    assert results[3]["error"] == "promo_from/promo_to need promo"
    assert results[4]["error"] == "promo_to must be after promo_from"
    assert results[5]["error"] == "no account named 'nobody'"
    assert results[6]["error"] == "no product with SKU 'NOPE'"
    stored = prices(app)
    assert len(stored) == 2
    mug = next(p for p in stored.values() if p.promotional is not None)
    assert (mug.regular, mug.promotional, mug.currency) == (Decimal("19.90"), Decimal("14.90"), "USD")
    assert mug.promo_from is not None and mug.promo_from.isoformat() == "2026-12-01T00:00:00+00:00"
    cap = next(p for p in stored.values() if p.account_id != 0)
    assert cap.regular == Decimal("9.5")


@pytest.mark.parametrize(("item", "field"), [
    ({"sku": "MUG", "price": "-1"}, "price"), ({"sku": "MUG", "price": "Infinity"}, "price"),
    ({"sku": "MUG", "price": "1e30"}, "price"), ({"sku": "MUG", "price": "1.00001"}, "price"),
    ({"sku": "MUG"}, "price"), ({"sku": "", "price": "1"}, "sku"),
    ({"sku": "MUG", "price": "1", "promo_from": "2026-13-01"}, "promo_from"),
    ({"sku": "MUG", "price": True}, "price"), ({"sku": "MUG", "price": False}, "price"),
    ({"sku": "MUG", "price": "1", "promo": "0.5", "promo_from": 1767225600}, "promo_from"),
    ({"sku": "MUG", "price": "1", "promo": "0.5", "promo_to": "1767225600"}, "promo_to"),
    ({"sku": "MUG", "price": "1", "promo": "0.5", "promo_to": True}, "promo_to"),
    ({"sku": 5, "price": "1"}, "sku")])
def test_a_malformed_price_is_422_naming_the_field(app: HubApp, key: str, catalogue: None,
                                                   item: dict[str, Any], field: str) -> None:
    response = call(app, "PUT", "/api/prices", key=key, json=[item])
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", 0, field]]
    assert prices(app) == {}
