"""The OAuth callback page says "authorized" only after the token exchange succeeded and the
credentials are stored; a failed exchange shows its reason (daemon route and CLI loopback)."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hub.core.app import HubApp
from hub.core.authorize import authorize_account
from hub.errors import HubError
from tests.api.conftest import client
from tests.fakeplatform import FakeOAuthPlatform

SETTINGS = {"base_url": "https://oauth.example.com", "api_key": "sk_live_oauth_4567"}


@pytest.fixture
def connected(app: HubApp, oauth: FakeOAuthPlatform) -> str:
    app.accounts.add("fakeoauth", "seller", SETTINGS)
    return "seller"


def _stored(app: HubApp) -> dict[str, object]:
    return dict(app.accounts.load_credentials(app.accounts.row("seller").id or 0))


def test_daemon_page_waits_for_the_stored_token_or_shows_why_it_failed(
        app: HubApp, key: str, connected: str) -> None:
    auth = {"authorization": f"Bearer {key}"}

    async def callback(code: str) -> tuple[httpx.Response, dict[str, object]]:
        async with client(app) as c:
            started = await c.post("/api/accounts/seller/authorize", headers=auth)
            state = parse_qs(urlsplit(started.json()["authorize_url"]).query)["state"][0]
            page = await c.get("/oauth/fakeoauth/callback", params={"state": state, "code": code})
            return page, _stored(app)  # read the moment the page arrives, no polling

    bad, stored_bad = asyncio.run(callback("stolen"))
    assert bad.status_code == 200 and "authorized" not in bad.text.replace("authorization", "")
    assert bad.text.startswith("Authorization failed") and "refused the code" in bad.text
    assert stored_bad == {}
    good, stored_good = asyncio.run(callback("good-code"))
    assert good.text == "hub is authorized. You can close this window."
    assert stored_good["access_token"] == "oauth-access-1"  # stored before the page said so


def test_loopback_page_shows_the_failure_instead_of_authorized(app: HubApp, connected: str) -> None:
    pages: list[str] = []

    async def browser(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        async with httpx.AsyncClient() as c:
            page = await c.get(query["redirect_uri"][0],
                               params={"state": query["state"][0], "code": "stolen"})
            pages.append(page.text)

    async def run() -> None:
        try:
            await authorize_account(app, "seller", opener=browser)
        finally:
            await app.accounts.aclose()

    with pytest.raises(HubError):
        asyncio.run(run())
    assert len(pages) == 1 and pages[0].startswith("Authorization failed")
    assert "refused the code" in pages[0] and "is authorized" not in pages[0]
    assert "sk_live_oauth_4567" not in pages[0]


def test_loopback_page_says_authorized_after_the_token_is_stored(app: HubApp,
                                                                 connected: str) -> None:
    seen: list[tuple[str, dict[str, object]]] = []

    async def browser(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        async with httpx.AsyncClient() as c:
            page = await c.get(query["redirect_uri"][0],
                               params={"state": query["state"][0], "code": "good-code"})
            seen.append((page.text, _stored(app)))

    async def run() -> bool:
        try:
            return await authorize_account(app, "seller", opener=browser)
        finally:
            await app.accounts.aclose()

    assert asyncio.run(run()) is True
    [(text, stored)] = seen
    assert text == "hub is authorized. You can close this window."
    assert stored["access_token"] == "oauth-access-1"
