"""Connecting an OAuth account with the console's Connect button: the platform's redirect lands
on a console page saying what happened (never a token or secret), with links back to the
console; an authorization started through the API keeps its plain-text page."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hub.core import apikeys
from hub.core.app import HubApp
from tests.api.conftest import oauth  # noqa: F401 - the fake OAuth platform, as a fixture
from tests.console.conftest import Web, signed_in
from tests.fakeplatform import FakeOAuthPlatform

KEY = "sk_live_oauth_4567"
SETTINGS = {"base_url": "https://oauth.example.com", "api_key": KEY}


@pytest.fixture
def admin(app: HubApp, people: dict[str, str],
          oauth: FakeOAuthPlatform) -> Iterator[Web]:  # noqa: F811 - the fixture imported above
    app.accounts.add("fakeoauth", "seller", SETTINGS)
    web = signed_in(app, people["admin"])
    yield web
    web.close()


def connect(web: Web) -> str:
    """Press Connect on the account's page; return the state of the platform's page it opens."""
    web.get("/accounts/seller")
    started = web.post("/accounts/seller/connect")
    assert started.status_code == 303
    target = started.headers["location"]
    assert target.startswith("https://auth.fakeoauth.test/authorize?")
    return parse_qs(urlsplit(target).query)["state"][0]


def callback(web: Web, **params: str) -> httpx.Response:
    """The platform's redirect, in a browser with no console cookie (it is SameSite=Strict)."""
    kept = httpx.Cookies(web.client.cookies)
    web.client.cookies.clear()
    try:
        return web.request("GET", "/oauth/fakeoauth/callback", params=params)
    finally:
        web.client.cookies = kept


def stored(app: HubApp) -> dict[str, object]:
    return dict(app.accounts.load_credentials(app.accounts.row("seller").id or 0))


def assert_console_page(page: httpx.Response) -> None:
    assert page.headers["content-type"].startswith("text/html")
    assert "hub console" in page.text and 'href="/static/console.css"' in page.text
    assert 'href="/accounts/seller"' in page.text and 'href="/accounts"' in page.text
    for secret in (KEY, "oauth-access-1", "oauth-refresh-1", "good-code", "stolen"):
        assert secret not in page.text


def test_a_connected_account_gets_a_console_page_naming_it(app: HubApp, admin: Web) -> None:
    state = connect(admin)
    page = callback(admin, state=state, code="good-code")
    assert page.status_code == 200
    assert_console_page(page)
    assert "<h1>Account connected</h1>" in page.text
    assert "Account <strong>seller</strong> is connected" in page.text
    assert stored(app)["access_token"] == "oauth-access-1"  # stored before the page said so
    again = callback(admin, state=state, code="good-code")
    assert again.status_code == 400
    assert_console_page(again)
    assert "already used" in again.text and "is connected" not in again.text


def test_a_refused_code_shows_the_reason_in_plain_words(app: HubApp, admin: Web) -> None:
    page = callback(admin, state=connect(admin), code="stolen")
    assert page.status_code == 200
    assert_console_page(page)
    assert "<h1>Connecting the account failed</h1>" in page.text
    assert "was not connected" in page.text and "the platform refused the code" in page.text
    assert "is connected" not in page.text
    assert stored(app) == {}


def test_a_refusal_on_the_platform_is_said_in_the_hubs_words(app: HubApp, admin: Web) -> None:
    page = callback(admin, state=connect(admin), error="access_denied")
    assert_console_page(page)
    assert "refused the authorization (error access_denied)" in page.text
    assert page.text.count("access_denied") == 1  # the URL's own error is not shown again
    assert stored(app) == {}
    account = admin.get("/accounts/seller")
    assert "failed: " in account.text and "refused the authorization" in account.text


def test_a_browser_returning_after_the_keys_were_posted_gets_the_console_page(
        app: HubApp, admin: Web) -> None:
    """WooCommerce's way: the store posts the keys to the callback, then sends the browser to
    ``return_url?success=1&user_id=STATE`` (no ``state`` parameter)."""
    state = connect(admin)
    posted = admin.request("POST", f"/oauth/fakeoauth/callback?state={state}&code=good-code")
    assert posted.status_code == 200
    page = callback(admin, success="1", user_id=state)
    assert page.status_code == 200
    assert_console_page(page)
    assert "Account <strong>seller</strong> is connected" in page.text
    assert state not in page.text
    stranger = callback(admin, success="1", user_id="someone-else")  # no attempt of ours
    assert stranger.headers["content-type"].startswith("text/plain")


def test_an_api_started_authorization_keeps_its_plain_text_page(app: HubApp, admin: Web) -> None:
    key = apikeys.create(app, "ops", "admin")[1]
    started = admin.request("POST", "/api/accounts/seller/authorize",
                            headers={"authorization": f"Bearer {key}"})
    state = parse_qs(urlsplit(started.json()["authorize_url"]).query)["state"][0]
    page = callback(admin, state=state, code="good-code")
    assert page.headers["content-type"].startswith("text/plain")
    assert page.text == "hub is authorized. You can close this window."
