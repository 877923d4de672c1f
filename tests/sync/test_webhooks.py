"""Inbound webhooks through the HTTP service: forged bodies refused, duplicates and late
deliveries converge on one order in its newest state, nothing lost across a crash."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from hub import sign_hmac
from hub.core.app import HubApp
from hub.core.server import create_server
from hub.core.storage.models import InboundEvent, Order
from hub.core.sync.webhooks import drain, receive
from tests.fakeplatform import NOW, FakePlatform, make_order

KEY = "sk_live_topsecret_123"


def post(app: HubApp, body: bytes, *, signature: str | None = None, path: str = "fakeshop/main",
         delivery: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json",
               "x-signature": signature if signature is not None else sign_hmac(KEY, body)}
    if delivery:
        headers["x-delivery-id"] = delivery

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_server(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return await client.post(f"/webhooks/{path}", content=body, headers=headers)

    return asyncio.run(go())


def orders(app: HubApp) -> list[Order]:
    with app.db.session() as s:
        return list(s.exec(select(Order)))


def test_a_signed_delivery_is_imported(app: HubApp, account: str) -> None:
    response = post(app, json.dumps(make_order(1)).encode())
    assert response.status_code == 202
    [order] = orders(app)
    assert order.platform_order_id == "1"


@pytest.mark.parametrize("mutate", ["forged", "tampered", "reserialised", "missing"])
def test_forged_tampered_or_reserialised_bodies_get_401_and_change_nothing(
        app: HubApp, account: str, mutate: str) -> None:
    body = json.dumps(make_order(1)).encode()
    signature = sign_hmac(KEY, body)
    if mutate == "forged":
        signature = sign_hmac("not-the-key", body)
    elif mutate == "tampered":
        body = body.replace(b'"44.00"', b'"0.01"')
    elif mutate == "reserialised":
        body = json.dumps(json.loads(body), indent=2).encode()
    else:
        signature = ""
    response = post(app, body, signature=signature)
    assert response.status_code == 401
    assert orders(app) == []
    with app.db.session() as s:
        assert s.exec(select(InboundEvent)).all() == []


def test_unknown_account_or_wrong_platform_is_404(app: HubApp, account: str) -> None:
    body = json.dumps(make_order(1)).encode()
    assert post(app, body, path="fakeshop/nobody").status_code == 404
    assert post(app, body, path="shopify/main").status_code == 404


def test_duplicate_and_out_of_order_deliveries_converge_on_the_newest_state(
        app: HubApp, account: str) -> None:
    older = make_order(1, modified=NOW - timedelta(hours=2))
    newer = make_order(1, modified=NOW - timedelta(hours=1))
    newer["lines"][0]["qty"] = "3"
    assert post(app, json.dumps(newer).encode(), delivery="d-2").status_code == 202
    assert post(app, json.dumps(newer).encode(), delivery="d-2").json() == {"status": "duplicate delivery"}
    assert post(app, json.dumps(older).encode(), delivery="d-1").status_code == 202  # late retry
    [order] = orders(app)
    assert order.platform_updated_at == NOW - timedelta(hours=1)
    with app.db.session() as s:
        assert len(s.exec(select(InboundEvent)).all()) == 2


def test_notifications_are_followed_by_fetching_the_order(app: HubApp, account: str,
                                                          fake: FakePlatform) -> None:
    fake.add(make_order(5))
    assert post(app, json.dumps({"only_id": 5}).encode()).status_code == 202
    assert [o.platform_order_id for o in orders(app)] == ["5"]
    assert post(app, json.dumps({"ping": True}).encode()).json() == {"status": "ignored"}


def test_a_stored_event_survives_a_crash_before_processing(app: HubApp, account: str) -> None:
    body = json.dumps(make_order(7)).encode()
    received = receive(app, "fakeshop", "main", {"x-signature": sign_hmac(KEY, body)}, body)
    assert received.status == 202 and orders(app) == []  # acknowledged, then the process died
    assert asyncio.run(drain(app)) == 1
    assert [o.platform_order_id for o in orders(app)] == ["7"]
    assert asyncio.run(drain(app)) == 0


def test_health_and_readiness(app: HubApp) -> None:
    async def go() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=create_server(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return (await client.get("/healthz")).status_code, (await client.get("/readyz")).status_code

    assert asyncio.run(go()) == (200, 200)


def test_secret_headers_are_never_stored(app: HubApp, account: str) -> None:
    """Platforms that sign nothing authenticate with a secret header; it must not be kept."""
    body = json.dumps(make_order(8)).encode()
    headers = {"x-signature": sign_hmac(KEY, body), "x-hub-secret": "hook-secret-value-123",
               "x-vtex-api-apptoken": "tok-abcdef-123456", "x-delivery-id": "d-8"}
    received = receive(app, "fakeshop", "main", headers, body)
    assert received.status == 202
    with app.db.session() as s:
        stored = s.get(InboundEvent, received.event_id)
    assert stored is not None and stored.headers == {"x-delivery-id": "d-8"}


def test_deliveries_for_a_disabled_account_change_nothing(app: HubApp, account: str) -> None:
    from hub.core.connections import disconnect
    from hub.core.storage.models import InboundEvent

    assert post(app, json.dumps(make_order(1)).encode()).status_code == 202
    asyncio.run(disconnect(app, "main", wipe=False))
    [released] = orders(app)
    assert released.state == "released"
    changed = make_order(1, status="processing")
    assert post(app, json.dumps(changed).encode()).status_code == 202
    assert post(app, json.dumps(make_order(2)).encode()).status_code == 202
    [still] = orders(app)  # no new order, and the released one is not touched
    assert (still.state, still.status) == ("released", released.status)
    with app.db.session() as s:
        statuses = [e.status for e in s.exec(select(InboundEvent).order_by(InboundEvent.id))]
    assert statuses == ["done", "ignored", "ignored"]
