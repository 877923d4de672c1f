"""Authorizing through the daemon: the API starts the plugin's flow, the platform's redirect
to ``/oauth/{platform}/callback`` completes it once (state checked, single use, 10 minutes),
and the credentials are stored encrypted. The CLI's loopback flow shares the same pieces."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hub.auth import Callback
from hub.core.app import HubApp
from hub.core.authorize import authorize_account
from hub.core.oauth import CallbackRegistry, DaemonAuthSession
from tests.api.conftest import call, client
from tests.fakeplatform import FakeOAuthPlatform

SETTINGS = {"base_url": "https://oauth.example.com", "api_key": "sk_live_oauth_4567"}


@pytest.fixture
def connected(app: HubApp, oauth: FakeOAuthPlatform) -> str:
    app.accounts.add("fakeoauth", "seller", SETTINGS)
    return "seller"


async def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_a_full_flow_stores_the_credentials_and_the_state_works_once(
        app: HubApp, key: str, connected: str) -> None:
    auth = {"authorization": f"Bearer {key}"}

    async def flow() -> tuple[httpx.Response, ...]:
        async with client(app, base_url="https://hub.example.com") as c:
            started = await c.post("/api/accounts/seller/authorize", headers=auth)
            url = started.json()["authorize_url"]
            query = parse_qs(urlsplit(url).query)
            assert query["redirect_uri"] == ["https://hub.example.com/oauth/fakeoauth/callback"]
            state = query["state"][0]
            pending = await c.get("/api/accounts/seller/authorize", headers=auth)
            done = await c.get("/oauth/fakeoauth/callback", params={"state": state, "code": "good-code"})
            status = await c.get("/api/accounts/seller/authorize", headers=auth)
            while status.json()["status"] == "pending":
                await asyncio.sleep(0.01)
                status = await c.get("/api/accounts/seller/authorize", headers=auth)
            reused = await c.get("/oauth/fakeoauth/callback",
                                 params={"state": state, "code": "good-code"})
            return started, pending, done, status, reused

    started, pending, done, status, reused = asyncio.run(flow())
    assert started.status_code == 200 and started.json()["status"] == "pending"
    assert pending.json()["status"] == "pending" and pending.json()["authorize_url"]
    assert done.status_code == 200 and "authorized" in done.text
    assert status.json()["status"] == "authorized" and status.json()["authorize_url"] is None
    assert status.json()["finished_at"] is not None
    assert reused.status_code == 400 and "already used" in reused.text
    row = app.accounts.row("seller")
    assert app.accounts.load_credentials(row.id or 0)["access_token"] == "oauth-access-1"
    assert "oauth-access-1" not in (row.credentials_enc or "")  # encrypted at rest


def test_unknown_missing_or_foreign_states_get_400_and_leave_the_flow_waiting(
        app: HubApp, key: str, connected: str) -> None:
    auth = {"authorization": f"Bearer {key}"}

    async def flow() -> list[httpx.Response]:
        async with client(app) as c:
            started = await c.post("/api/accounts/seller/authorize", headers=auth)
            state = parse_qs(urlsplit(started.json()["authorize_url"]).query)["state"][0]
            answers = [
                await c.get("/oauth/fakeoauth/callback", params={"state": "forged", "code": "x"}),
                await c.get("/oauth/fakeoauth/callback", params={"code": "x"}),
                await c.get("/oauth/fakeshop/callback", params={"state": state, "code": "x"}),
                await c.post("/oauth/fakeoauth/callback", content=b"{broken",
                             headers={"content-type": "application/json"}),
            ]
            answers.append(await c.get("/api/accounts/seller/authorize", headers=auth))
            # the right state still completes it afterwards
            answers.append(await c.get("/oauth/fakeoauth/callback",
                                       params={"state": state, "code": "good-code"}))
            await wait_until(lambda: app.accounts.load_credentials(
                app.accounts.row("seller").id or 0).get("access_token"))
            return answers

    *bad, waiting, good = asyncio.run(flow())
    assert [r.status_code for r in bad] == [400, 400, 400, 400]
    assert "unknown or expired state" in bad[0].text and "missing state" in bad[1].text
    assert waiting.json()["status"] == "pending"
    assert good.status_code == 200


def test_a_state_expires(app: HubApp, key: str, connected: str) -> None:
    auth = {"authorization": f"Bearer {key}"}

    async def flow() -> tuple[httpx.Response, httpx.Response]:
        async with client(app) as c:
            c._transport.app.state.authorizations.timeout = 0.2  # type: ignore[attr-defined]
            started = await c.post("/api/accounts/seller/authorize", headers=auth)
            state = parse_qs(urlsplit(started.json()["authorize_url"]).query)["state"][0]
            await asyncio.sleep(0.4)
            late = await c.get("/oauth/fakeoauth/callback", params={"state": state, "code": "good-code"})
            return late, await c.get("/api/accounts/seller/authorize", headers=auth)

    late, status = asyncio.run(flow())
    assert late.status_code == 400
    assert status.json()["status"] == "failed" and "no authorization arrived" in status.json()["error"]


def test_the_registry_expires_states_after_ten_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("hub.core.oauth.time.monotonic", lambda: clock[0])

    async def scenario() -> tuple[int, str]:
        registry = CallbackRegistry()
        session = DaemonAuthSession(registry, "fakeoauth", "http://hub")
        registry.register(session)
        clock[0] += 601
        return registry.resolve("fakeoauth", Callback(params={"state": session.state}))

    status, text = asyncio.run(scenario())
    assert status == 400 and "expired" in text


def test_a_refusal_or_a_bad_code_fails_the_attempt_with_its_reason(
        app: HubApp, key: str, connected: str) -> None:
    auth = {"authorization": f"Bearer {key}"}

    async def attempt(params: dict[str, str]) -> dict[str, Any]:
        async with client(app) as c:
            started = await c.post("/api/accounts/seller/authorize", headers=auth)
            state = parse_qs(urlsplit(started.json()["authorize_url"]).query)["state"][0]
            answer = await c.get("/oauth/fakeoauth/callback", params={"state": state, **params})
            assert answer.status_code == 200
            status = await c.get("/api/accounts/seller/authorize", headers=auth)
            while status.json()["status"] == "pending":
                await asyncio.sleep(0.01)
                status = await c.get("/api/accounts/seller/authorize", headers=auth)
            return dict(status.json())

    refused = asyncio.run(attempt({"error": "access_denied"}))
    assert refused["status"] == "failed" and "access_denied" in refused["error"]
    bad_code = asyncio.run(attempt({"code": "stolen"}))
    assert bad_code["status"] == "failed" and "refused the code" in bad_code["error"]
    assert app.accounts.load_credentials(app.accounts.row("seller").id or 0) == {}


def test_a_new_start_replaces_a_pending_one(app: HubApp, key: str, connected: str) -> None:
    auth = {"authorization": f"Bearer {key}"}

    async def flow() -> tuple[int, int]:
        async with client(app) as c:
            first = await c.post("/api/accounts/seller/authorize", headers=auth)
            old = parse_qs(urlsplit(first.json()["authorize_url"]).query)["state"][0]
            await c.post("/api/accounts/seller/authorize", headers=auth)
            await asyncio.sleep(0.05)
            stale = await c.get("/oauth/fakeoauth/callback", params={"state": old, "code": "good-code"})
            return stale.status_code, len(c._transport.app.state.authorizations.registry)  # type: ignore[attr-defined]

    stale, waiting = asyncio.run(flow())
    assert stale == 400 and waiting == 1


def test_key_platforms_are_verified_at_once_and_refused_keys_are_422(
        app: HubApp, key: str, oauth: FakeOAuthPlatform, account: str) -> None:
    app.accounts.add("fakeoauth", "keys-ok", {**SETTINGS, "mode": "a"})
    app.accounts.add("fakeoauth", "keys-bad", {**SETTINGS, "mode": "b"})
    app.accounts.set_flags("keys-ok", paused_reason="earlier failure")
    ok = call(app, "POST", "/api/accounts/keys-ok/authorize", key=key)
    assert ok.status_code == 200 and ok.json()["status"] == "authorized"
    assert ok.json()["authorize_url"] is None
    assert app.accounts.row("keys-ok").paused_reason is None
    bad = call(app, "POST", "/api/accounts/keys-bad/authorize", key=key)
    assert bad.status_code == 422 and "refused the keys" in bad.json()["detail"]
    assert bad.json()["hint"] == "run: hub accounts authorize keys-bad"
    no_hook = call(app, "POST", f"/api/accounts/{account}/authorize", key=key)
    assert no_hook.status_code == 422 and "does not implement 'authorize'" in no_hook.json()["detail"]
    assert call(app, "POST", "/api/accounts/nobody/authorize", key=key).status_code == 404
    never = call(app, "GET", "/api/accounts/keys-bad/authorize", key=key)
    assert never.status_code == 404  # each call above ran on its own server: no attempt here


def test_the_public_url_comes_from_the_environment(app: HubApp, key: str, connected: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PUBLIC_URL", "https://hub.example.org/")
    started = call(app, "POST", "/api/accounts/seller/authorize", key=key)
    assert started.json()["redirect_uri"] == "https://hub.example.org/oauth/fakeoauth/callback"
    monkeypatch.setenv("HUB_PUBLIC_URL", "hub.example.org")
    from hub.core.server import public_url
    from hub.errors import ConfigError

    with pytest.raises(ConfigError, match="HUB_PUBLIC_URL must be an http"):
        public_url()
    monkeypatch.delenv("HUB_PUBLIC_URL")
    assert public_url(("0.0.0.0", 9000)) == "http://0.0.0.0:9000"
    assert public_url() == "http://127.0.0.1:8765"


def test_the_cli_loopback_flow_still_works(app: HubApp, connected: str) -> None:
    """``hub accounts authorize`` shares the session code: a browser following the URL to the
    loopback listener (127.0.0.1) completes it; a forged state is refused there too."""

    async def browser(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        redirect = query["redirect_uri"][0]
        assert redirect.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as c:
            forged = await c.get(redirect, params={"state": "forged", "code": "good-code"})
            assert forged.status_code == 400
            ok = await c.get(redirect, params={"state": query["state"][0], "code": "good-code"})
            assert ok.status_code == 200

    async def run() -> bool:
        try:
            return await authorize_account(app, "seller", opener=browser)
        finally:
            await app.accounts.aclose()

    assert asyncio.run(run()) is True
    assert app.accounts.load_credentials(app.accounts.row("seller").id or 0)["refresh_token"] == \
        "oauth-refresh-1"
