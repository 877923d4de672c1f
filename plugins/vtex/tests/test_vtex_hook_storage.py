"""A stored VTEX notification keeps neither the hook secret (whatever its header is called)
nor the app key VTEX echoes in ``Origin.Key``."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from hub.core.storage.models import InboundEvent
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def test_the_hook_secret_and_app_key_never_reach_storage(tmp_path: Path) -> None:
    import asyncio

    import httpx

    from hub.core.server import create_server

    with SandboxHarness("vtex", tmp_path, SandboxOptions(orders=3, seed=1), currency="BRL",
                        settings={"hook_header": "X-Courier-Ping"}) as h:
        settings = h.sandbox.account_settings(h.base_url)
        secret, app_key = settings["hook_secret"], settings["app_key"]
        order_id = next(iter(h.sandbox.orders))
        body = json.dumps({"Domain": "Marketplace", "OrderId": order_id,
                           "State": "ready-for-handling", "LastChange": "2026-01-05T10:00:00Z",
                           "Origin": {"Account": "acme", "Key": app_key}}).encode()

        async def post() -> httpx.Response:
            transport = httpx.ASGITransport(app=create_server(h.app))
            async with httpx.AsyncClient(transport=transport, base_url="http://hub") as c:
                return await c.post("/webhooks/vtex/main", content=body,
                                    headers={"X-Courier-Ping": secret,
                                             "content-type": "application/json"})

        answer = asyncio.run(post())
        assert answer.status_code in (200, 202), answer.text
        with h.app.db.session() as s:
            [event] = s.exec(select(InboundEvent)).all()
        stored = json.dumps(event.headers) + event.body
        assert secret not in stored and app_key not in stored
        assert json.loads(event.body)["Origin"]["Key"] == "***"
        assert json.loads(event.body)["OrderId"] == order_id  # still processable
