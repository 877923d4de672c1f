"""Platform webhooks on the FastAPI service: replays change nothing twice, oversized bodies are
refused before they are read whole, and a forged signature never reaches storage."""

from __future__ import annotations

import json

from sqlmodel import func, select

from hub import sign_hmac
from hub.core.app import HubApp
from hub.core.storage.models import InboundEvent, Order, Product, StockLevel, StockReservation
from hub.core.sync.stock import add_warehouse
from tests.api.conftest import call
from tests.fakeplatform import make_order

KEY = "sk_live_topsecret_123"


def count(app: HubApp, model: type) -> int:
    with app.db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_a_replayed_delivery_imports_once_and_debits_stock_once(app: HubApp, account: str) -> None:
    with app.db.session() as s:
        add_warehouse(s, "main")
        for sku in ("SKU-1", "SKU-2-RED"):  # stock the hub manages: a level in the warehouse
            s.add(Product(sku=sku, name=sku))
            s.flush()
            s.add(StockLevel(product_id=s.exec(select(Product.id).where(Product.sku == sku)).one(),
                             warehouse_id=1, quantity=10))
    body = json.dumps(make_order(1)).encode()
    headers = {"x-signature": sign_hmac(KEY, body), "content-type": "application/json"}
    answers = [call(app, "POST", "/webhooks/fakeshop/main", content=body, headers=headers)
               for _ in range(3)]  # an attacker (or the platform) sends the same signed body again
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert count(app, Order) == 1
    with app.db.session() as s:
        reserved = {r.product_id: r.quantity for r in s.exec(select(StockReservation))}
        levels = {lv.product_id: lv.quantity for lv in s.exec(select(StockLevel))}
    assert sorted(reserved.values()) == [1, 2]
    assert {pid: 10 - q for pid, q in reserved.items()} == levels  # debited once, not three times


def test_a_replay_with_the_same_delivery_id_is_not_even_stored_twice(app: HubApp, account: str) -> None:
    body = json.dumps(make_order(2)).encode()
    headers = {"x-signature": sign_hmac(KEY, body), "x-delivery-id": "d-1"}
    first = call(app, "POST", "/webhooks/fakeshop/main", content=body, headers=headers)
    again = call(app, "POST", "/webhooks/fakeshop/main", content=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"status": "duplicate delivery"} and count(app, InboundEvent) == 1


def test_a_signature_made_for_another_account_is_refused(app: HubApp, account: str) -> None:
    app.accounts.add("fakeshop", "outlet", {"base_url": "https://o.example.com",
                                            "api_key": "sk_live_outlet_999"})
    body = json.dumps(make_order(3)).encode()
    response = call(app, "POST", "/webhooks/fakeshop/outlet", content=body,
                    headers={"x-signature": sign_hmac(KEY, body)})  # main's secret
    assert response.status_code == 401 and response.json() == {"error": "signature does not match"}
    assert count(app, InboundEvent) == 0


def test_an_oversized_body_is_413(app: HubApp, account: str) -> None:
    body = b"{" + b" " * (5 * 1024 * 1024) + b"}"
    response = call(app, "POST", "/webhooks/fakeshop/main", content=body,
                    headers={"x-signature": sign_hmac(KEY, body)})
    assert response.status_code == 413 and count(app, InboundEvent) == 0
