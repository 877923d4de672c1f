"""Fixtures for the console: one in-process server per test, a browser-like client per role."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hub.core import users
from hub.core.app import HubApp
from hub.core.server import create_server
from hub.core.storage.models import Order
from tests.api.conftest import import_all
from tests.fakeplatform import FakePlatform, make_order

PASSWORD = "correct-horse-battery-9"
SECRET = "sk_live_topsecret_123"  # the account's API key (tests/conftest.py)
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Web:
    """A browser-like client of one in-process daemon: keeps cookies, reads CSRF tokens."""

    def __init__(self, app: HubApp, server: Any = None) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.server = server or create_server(app)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.server),
                                        base_url="http://hub")
        self.csrf = ""

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, path, **kw))

    def get(self, path: str, **kw: Any) -> httpx.Response:
        response = self.request("GET", path, **kw)
        found = CSRF.search(response.text)
        if found and "/login" not in str(response.url):
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True,
             **kw: Any) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        return self.request("POST", path, data=form, **kw)

    def login(self, username: str = "", password: str = PASSWORD, *, api_key: str = ""
              ) -> httpx.Response:
        page = self.get("/login")
        token = CSRF.search(page.text)
        assert token is not None
        response = self.post("/login", {"csrf": token.group(1), "username": username,
                                        "password": password, "api_key": api_key})
        if response.status_code == 303:
            self.get("/")
        return response

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture
def people(app: HubApp) -> dict[str, str]:
    """A user of each role, named after it."""
    for role in ("viewer", "operator", "admin"):
        users.add_user(app, f"{role}1", role, PASSWORD)
    return {role: f"{role}1" for role in ("viewer", "operator", "admin")}


@pytest.fixture
def web(app: HubApp) -> Iterator[Web]:
    client = Web(app)
    yield client
    client.close()


def signed_in(app: HubApp, name: str) -> Web:
    client = Web(app)
    assert client.login(name).status_code == 303
    return client


@pytest.fixture
def orders(app: HubApp, account: str, fake: FakePlatform) -> list[int]:
    """Three imported orders of account ``main``."""
    fake.add(make_order(1), make_order(2), make_order(3))
    import_all(app)
    with app.db.session() as s:
        return sorted(o.id or 0 for o in s.exec(select(Order)))
