"""Fixtures for the HTTP service: an API key, an in-process client, the CLI, a fake OAuth platform."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub.core import apikeys
from hub.core.app import HubApp
from hub.core.plugins import PluginHost
from hub.core.server import create_server
from hub.core.sync.orders import import_orders
from tests.fakeplatform import NOW, FakeOAuthPlatform


@pytest.fixture
def key(app: HubApp) -> str:
    """A live API key."""
    return apikeys.create(app, "backoffice")[1]


def client(app: HubApp, **kw: Any) -> httpx.AsyncClient:
    """An httpx client talking to a fresh server for ``app`` in-process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_server(app, **kw)),
                             base_url="http://hub")


def call(app: HubApp, method: str, path: str, *, key: str | None = None,
         **kw: Any) -> httpx.Response:
    """One request to a fresh in-process server, with ``key`` as the bearer token."""
    headers = dict(kw.pop("headers", {}))
    if key is not None:
        headers["authorization"] = f"Bearer {key}"

    async def go() -> httpx.Response:
        async with client(app) as c:
            return await c.request(method, path, headers=headers, **kw)

    return asyncio.run(go())


def import_all(app: HubApp, name: str = "main") -> None:
    """Import every order of the fake platform changed in the last 30 days (of its clock)."""
    async def go() -> None:
        try:
            await import_orders(app, name, since=NOW - timedelta(days=30))
        finally:
            await app.accounts.aclose()

    asyncio.run(go())


@pytest.fixture
def oauth(host: PluginHost) -> FakeOAuthPlatform:
    """The fake OAuth platform (``fakeoauth``) registered next to ``fakeshop``."""
    plugin = FakeOAuthPlatform()
    host.register(plugin, name="fakeoauth", distribution="hub-fakeoauth", version="1.0")
    return plugin
