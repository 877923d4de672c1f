"""The order hook: configuration with a secret header, verification, notifications; start-handling."""

from __future__ import annotations

import asyncio
import json
from types import ModuleType

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import hub
from hub_vtex import plugin

NOTIFICATION = {"Domain": "Marketplace", "OrderId": "v40484048naf-01", "State": "payment-approved",
                "LastChange": "2019-07-29T23:17:30.0617185Z",
                "Origin": {"Account": "accountABC", "Key": "vtexappkey-keyEDF"}}


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_the_secret_header_is_checked_and_the_ping_accepted(vt: ModuleType) -> None:
    acct = vt.account()
    raw = body(NOTIFICATION)
    assert plugin.verify_webhook(acct, {"x-hub-secret": "hook-secret-123456"}, raw)
    assert not plugin.verify_webhook(acct, {"x-hub-secret": "hook-secret-12345"}, raw)
    assert not plugin.verify_webhook(acct, {}, raw)
    assert not plugin.verify_webhook(vt.account(hook_secret=None),
                                     {"x-hub-secret": "hook-secret-123456"}, raw)
    custom = vt.account(hook_header="X-Vtex-Hook-Key")
    assert plugin.verify_webhook(custom, {"X-VTEX-Hook-Key": "hook-secret-123456"}, raw)
    assert not plugin.verify_webhook(custom, {"x-hub-secret": "hook-secret-123456"}, raw)
    assert plugin.verify_webhook(acct, {}, b'{"hookConfig":"ping"}')


def test_a_notification_means_refetch_the_order(vt: ModuleType) -> None:
    event = plugin.parse_webhook(vt.account(), {}, body(NOTIFICATION))
    assert event.order_id == "v40484048naf-01" and event.payload is None
    assert event.topic == "order.payment-approved" and not event.ignore
    assert event.dedupe_key == "v40484048naf-01:payment-approved:2019-07-29T23:17:30.0617185Z"
    ping = plugin.parse_webhook(vt.account(), {}, b'{"hookConfig": "ping"}')
    assert ping.ignore and ping.order_id is None
    with pytest.raises(hub.DataError):
        plugin.parse_webhook(vt.account(), {}, body({"Domain": "Fulfillment"}))
    with pytest.raises(hub.DataError):
        plugin.parse_webhook(vt.account(), {}, b"not json")


def receiver(acct: hub.Account, seen: list[tuple[str, hub.WebhookEvent]]) -> Starlette:
    """A stand-in for the hub daemon's webhook endpoint, using the plugin's hooks."""
    async def hook(request: Request) -> JSONResponse:
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not plugin.verify_webhook(acct, headers, raw):
            return JSONResponse({"error": "bad secret"}, status_code=401)
        seen.append((request.headers.get("x-hub-secret", ""), plugin.parse_webhook(acct, headers, raw)))
        return JSONResponse({"ok": True})
    return Starlette(routes=[Route("/webhooks/vtex/main", hook, methods=["POST"])])


def test_authorize_configures_the_hook_and_status_changes_notify_it(vt: ModuleType) -> None:
    with vt.running(orders=20) as (sandbox, acct):
        acct = vt.with_settings(acct, hook_url="https://hub.example/webhooks/vtex/main")
        seen: list[tuple[str, hub.WebhookEvent]] = []
        sandbox.webhook_transport = httpx.ASGITransport(app=receiver(acct, seen))
        assert vt.run(acct, lambda a: plugin.authorize(a, None)) is None
        assert sandbox.hook is not None
        assert sandbox.hook["filter"] == {"type": "FromWorkflow",
                                          "status": ["ready-for-handling", "canceled",
                                                     "handling", "invoiced"]}
        assert sandbox.hook["hook"]["headers"]["X-Hub-Secret"] == sandbox.hook_secret
        assert seen == [(sandbox.hook_secret,
                         hub.WebhookEvent(topic="ping", ignore=True))]
        order_id = sorted(sandbox.eligible_order_ids())[0]
        status = asyncio.run(sandbox.deliver_webhook("https://hub.example/webhooks/vtex/main",
                                                     "canceled", order_id))
        assert status == 200 and seen[-1][1].order_id == order_id
        assert seen[-1][1].topic == "order.canceled"


def test_a_hook_url_nobody_answers_is_a_config_error(vt: ModuleType) -> None:
    with vt.running(orders=5) as (sandbox, acct):
        acct = vt.with_settings(acct, hook_url="https://hub.example/webhooks/vtex/elsewhere")
        sandbox.webhook_transport = httpx.ASGITransport(app=receiver(acct, []))  # answers 404
        with pytest.raises(hub.ConfigError, match="ping"):
            vt.run(acct, lambda a: plugin.authorize(a, None))
        assert sandbox.hook is None
        no_secret = vt.with_settings(acct, hook_secret="")
        with pytest.raises(hub.ConfigError, match="hook_secret"):
            vt.run(no_secret, lambda a: plugin.authorize(a, None))


def test_imported_orders_start_handling_only_when_asked(vt: ModuleType) -> None:
    with vt.running(orders=30) as (sandbox, acct):
        ready = sorted(sandbox.eligible_order_ids())[:3]
        handling = vt.with_settings(acct, start_handling="true")

        async def import_events(a: hub.Account, created: bool = True) -> None:
            for order_id in ready:
                order = plugin.parse_order(a, sandbox.orders[order_id])
                plugin.order_imported(a, order, created)
            from hub_vtex import handling as module
            from hub_vtex.client import VtexClient
            await module.settle(VtexClient(a))

        vt.run(acct, import_events)  # the setting is off
        assert {sandbox.orders[i]["status"] for i in ready} == {"ready-for-handling"}
        vt.run(handling, lambda a: import_events(a, created=False))  # updates never start it
        assert {sandbox.orders[i]["status"] for i in ready} == {"ready-for-handling"}
        other = hub.Account(name="main", platform="woocommerce", settings=handling.settings)
        vt.run(other, import_events)  # another platform's event is not ours
        assert {sandbox.orders[i]["status"] for i in ready} == {"ready-for-handling"}
        vt.run(handling, import_events)
        assert {sandbox.orders[i]["status"] for i in ready} == {"handling"}
        assert sandbox.stats.routes["POST /api/oms/pvt/orders/{orderId}/start-handling"] == 3
