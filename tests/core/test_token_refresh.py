"""Token refresh through the core (the plugin's refresh_credentials hook): once per account under
the database lock, saved before use."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from hub.core.app import HubApp
from hub.errors import AuthError
from tests.fakeplatform import FakePlatform

API = "https://api.fakeshop.test"


def expired() -> dict[str, str]:
    return {"access_token": "token-0", "refresh_token": "refresh-0",
            "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}


@respx.mock
def test_five_concurrent_requests_with_an_expired_token_cause_exactly_one_refresh(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    app.accounts.save_credentials(1, expired())
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        ok = request.headers["authorization"] == "Bearer token-1"
        return httpx.Response(200 if ok else 401, json={})

    respx.get(f"{API}/orders").mock(side_effect=handler)

    async def go() -> None:
        live = app.accounts.open_named("main")
        client = live.client(API, token_header="Authorization")
        await asyncio.gather(*(client.get("/orders") for _ in range(5)))
        await app.accounts.aclose()

    asyncio.run(go())
    assert fake.refreshes == ["refresh-0"]
    assert set(seen) == {"Bearer token-1"}  # nobody sent the expired token
    assert app.accounts.load_credentials(1)["access_token"] == "token-1"  # stored, encrypted


@respx.mock
def test_a_401_refreshes_once_then_retries(app: HubApp, account: str, fake: FakePlatform) -> None:
    app.accounts.save_credentials(1, {**expired(), "expires_at": None})
    respx.get(f"{API}/me").mock(side_effect=lambda r: httpx.Response(
        200 if r.headers["authorization"] == "Bearer token-1" else 401, json={}))

    async def go() -> int:
        live = app.accounts.open_named("main")
        response = await live.client(API, token_header="Authorization").get("/me")
        await app.accounts.aclose()
        return response.status_code

    assert asyncio.run(go()) == 200 and fake.refreshes == ["refresh-0"]


@respx.mock
def test_a_rejected_refresh_token_pauses_the_account_with_reauthorize(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    app.accounts.save_credentials(1, expired())
    fake.used_refresh_tokens.add("refresh-0")  # already consumed elsewhere: invalid_grant
    respx.get(f"{API}/orders").mock(return_value=httpx.Response(200, json={}))

    async def go() -> None:
        live = app.accounts.open_named("main")
        try:
            await live.client(API, token_header="Authorization").get("/orders")
        finally:
            await app.accounts.aclose()

    with pytest.raises(AuthError, match="hub accounts authorize main"):
        asyncio.run(go())
    row = app.accounts.row("main")
    assert row.paused_reason and "hub accounts authorize main" in row.paused_reason


@respx.mock
def test_two_hubs_refreshing_one_account_never_invalidate_it(app: HubApp, account: str,
                                                             fake: FakePlatform) -> None:
    """Single-use refresh tokens: the second process must reuse the token the first stored."""
    from hub.core.config import Config

    app.accounts.save_credentials(1, expired())
    other = HubApp(Config(data_dir=app.config.data_dir, database_url=app.config.database_url),
                   host=app.host)
    respx.get(f"{API}/orders").mock(side_effect=lambda r: httpx.Response(
        200 if r.headers["authorization"] == "Bearer token-1" else 401, json={}))

    async def one(hub: HubApp) -> int:
        live = hub.accounts.open_named("main")
        try:
            return (await live.client(API, token_header="Authorization").get("/orders")).status_code
        finally:
            await hub.accounts.aclose()

    async def go() -> list[int]:
        return list(await asyncio.gather(one(app), one(other)))

    assert asyncio.run(go()) == [200, 200]
    assert fake.refreshes == ["refresh-0"]
    assert app.accounts.row("main").paused_reason is None
    other.close()
