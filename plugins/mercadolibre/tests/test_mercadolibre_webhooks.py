"""Notifications: whose they are, what they name, and the re-fetch they lead to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import hub
from hub.sandbox import serve
from hub_mercadolibre import plugin


def _body(meli: Any, **changes: Any) -> bytes:
    data = {"_id": "f9f08571-1f65-4c46-9e0a-c0f43faas1d6", "resource": "/orders/2000000011",
            "user_id": meli.SELLER, "topic": "orders_v2", "application_id": int(meli.CLIENT_ID),
            "attempts": 1, "sent": "2026-10-02T19:00:00.000Z",
            "received": "2026-10-02T19:00:00.000Z"}
    data.update(changes)
    return json.dumps(data).encode()


def test_notifications_for_this_seller_and_app_are_accepted(meli: Any) -> None:
    acct = meli.account()
    assert plugin.verify_webhook(acct, {}, _body(meli))
    assert not plugin.verify_webhook(acct, {}, _body(meli, user_id=987))
    assert not plugin.verify_webhook(acct, {}, _body(meli, application_id=1))
    assert not plugin.verify_webhook(acct, {}, b"not json")
    unconnected = meli.account(creds={})
    assert not plugin.verify_webhook(unconnected, {}, _body(meli))


def test_the_notification_secret_is_required_when_set(meli: Any) -> None:
    acct = meli.account(meli.settings(notification_secret="s3cr3t-value"))
    assert not plugin.verify_webhook(acct, {}, _body(meli))
    assert not plugin.verify_webhook(acct, {"X-Hub-Notification-Secret": "wrong"}, _body(meli))
    assert plugin.verify_webhook(acct, {"x-hub-notification-secret": "s3cr3t-value"}, _body(meli))


@pytest.mark.parametrize(("topic", "resource", "order_id"), [
    ("orders_v2", "/orders/2000000011", "2000000011"),
    ("orders", "/orders/2000000011", "2000000011"),
    ("shipments", "/shipments/40000000123", "shipment:40000000123"),
])
def test_order_and_shipment_topics_name_a_sale_to_refetch(meli: Any, topic: str, resource: str,
                                                           order_id: str) -> None:
    event = plugin.parse_webhook(meli.account(), {}, _body(meli, topic=topic, resource=resource))
    assert (event.topic, event.order_id, event.payload, event.ignore) == (topic, order_id, None,
                                                                        False)
    assert event.dedupe_key == "f9f08571-1f65-4c46-9e0a-c0f43faas1d6"


@pytest.mark.parametrize(("topic", "resource"), [
    ("items", "/items/MLA123"), ("questions", "/questions/abc"), ("orders_v2", "/orders/abc")])
def test_other_notifications_are_ignored(meli: Any, topic: str, resource: str) -> None:
    event = plugin.parse_webhook(meli.account(), {}, _body(meli, topic=topic, resource=resource))
    assert event.ignore and event.order_id is None


@pytest.mark.parametrize(("topic", "resource", "ticket_id"), [
    ("questions", "/questions/5", "question:5"), ("messages", "0ebf6f2f5d5e4b71", "message:0ebf6f2f5d5e4b71"),
    ("claims", "/post-purchase/v1/claims/5000123", "claim:5000123")])
def test_ticket_topics_name_a_ticket_to_refetch(meli: Any, topic: str, resource: str,
                                                 ticket_id: str) -> None:
    event = plugin.parse_webhook(meli.account(), {}, _body(meli, topic=topic, resource=resource))
    assert (event.ticket_id, event.order_id, event.payload, event.ignore) == (ticket_id, None, None, False)


def test_a_body_that_is_not_json_is_a_data_error(meli: Any) -> None:
    with pytest.raises(hub.DataError):
        plugin.parse_webhook(meli.account(), {}, b"<xml/>")


def test_a_delivered_notification_leads_to_the_whole_cart(meli: Any, served: Any) -> None:
    sandbox, url = served
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=200)

    receiver = Starlette(routes=[Route("/webhooks/mercadolibre/main", hook, methods=["POST"])])
    key, members = next((k, o) for k, o in sandbox.sales().items() if k.startswith("pack:"))
    acct = meli.sandbox_account(sandbox, url)
    with serve(receiver) as hub_url:
        target = f"{hub_url}/webhooks/mercadolibre/main"
        assert meli.run(sandbox.deliver_webhook(target, "orders_v2", str(members[-1]["id"]))) == 200
        shipping_id = members[0]["shipping"]["id"]
        assert meli.run(sandbox.deliver_webhook(target, "shipments", str(shipping_id))) == 200
    assert len(received) == 2

    async def handle() -> list[str]:
        keys = []
        for headers, body in received:
            assert plugin.verify_webhook(acct, headers, body)
            event = plugin.parse_webhook(acct, headers, body)
            assert event.order_id is not None
            payload = await plugin.fetch_order(acct, event.order_id)
            assert payload is not None
            keys.append(plugin.parse_order(acct, payload).platform_order_id)
        await acct.aclose()
        return keys

    assert meli.run(handle()) == [key, key]
