"""Authentication: the three key modes, OAuth 1.0a known answer, 401s, the authorize hook."""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

import hub
from hub_woocommerce import plugin
from hub_woocommerce.auth import OAuth1Auth, resolve_mode, sign, signature_base

KNOWN_BASE = (
    "GET&http%3A%2F%2Fshop.example.com%2Fwp-json%2Fwc%2Fv3%2Forders&modified_after%3D2024-01-01"
    "T00%253A00%253A00%26oauth_consumer_key%3Dck_test_0123456789abcdef%26oauth_nonce%3Dabc123n"
    "once%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26page%3D2%26"
    "per_page%3D1"
)
# Computed independently: printf '%s' "$BASE" | openssl dgst -sha256 -hmac "$SECRET&" -binary | base64
KNOWN_SHA256 = "QjYL8bCeg70um4vxdY0LEoD5DgcpcPW04HkQNi1e6HY="
KNOWN_SHA1 = "/zAp0+SnNft53brwzZSJoqMcn3U="
KEY = "ck_test_0123456789abcdef"
SECRET = "cs_test_fedcba9876543210"


def oauth_params(request: httpx.Request) -> dict[str, str]:
    """The ``oauth_*`` parameters of an ``Authorization: OAuth ...`` header."""
    from urllib.parse import unquote

    header = request.headers["authorization"]
    assert header.startswith("OAuth ")
    return {k.strip(): unquote(v.strip().strip('"')) for k, _, v in
            (part.partition("=") for part in header[6:].split(","))}


def test_oauth1_signature_known_answer() -> None:
    auth = OAuth1Auth(KEY, SECRET, clock=lambda: 1700000000.9, nonce=lambda: "abc123nonce")
    url = httpx.URL("http://shop.example.com/wp-json/wc/v3/orders",
                    params={"per_page": "1", "page": "2", "modified_after": "2024-01-01T00:00:00"})
    request = httpx.Request("GET", url)
    signed = next(auth.auth_flow(request))
    oauth = oauth_params(signed)
    assert oauth["oauth_signature"] == KNOWN_SHA256
    assert oauth["oauth_timestamp"] == "1700000000"
    assert oauth["oauth_signature_method"] == "HMAC-SHA256"
    query = dict(signed.url.params)
    assert query["per_page"] == "1" and query["modified_after"] == "2024-01-01T00:00:00"
    assert not any(k.startswith("oauth_") for k in query), "OAuth parameters stay out of the URL"
    pairs = [*[(k, v) for k, v in url.params.multi_items()],
             ("oauth_consumer_key", KEY), ("oauth_nonce", "abc123nonce"),
             ("oauth_signature_method", "HMAC-SHA256"), ("oauth_timestamp", "1700000000")]
    base = signature_base("GET", "http://shop.example.com/wp-json/wc/v3/orders", pairs)
    assert base == KNOWN_BASE
    assert sign(base, SECRET, "HMAC-SHA1") == KNOWN_SHA1


def test_oauth1_nonce_and_timestamp_change_per_request() -> None:
    auth = OAuth1Auth(KEY, SECRET)
    url = "http://shop.example.com/wp-json/wc/v3/orders"
    first = oauth_params(next(auth.auth_flow(httpx.Request("GET", url))))
    second = oauth_params(next(auth.auth_flow(httpx.Request("GET", url))))
    assert first["oauth_nonce"] != second["oauth_nonce"]
    assert first["oauth_signature"] != second["oauth_signature"]


def test_auto_mode_picks_basic_over_https_and_oauth_over_http() -> None:
    assert resolve_mode("auto", "https://shop.example.com") == "basic"
    assert resolve_mode(None, "http://shop.example.com") == "oauth1"
    assert resolve_mode("query", "http://shop.example.com") == "query"
    with pytest.raises(hub.ConfigError, match="auth_mode"):
        resolve_mode("digest", "https://shop.example.com")


def _first_request(acct: hub.Account) -> httpx.Request:
    async def go() -> httpx.Request:
        with respx.mock(assert_all_called=True) as mock:
            route = mock.get(url__regex=r".*/wp-json/wc/v3/orders/42\b.*").respond(
                200, json={"id": 42})
            assert await plugin.fetch_order(acct, "42") == {"id": 42}
            await acct.aclose()
            return route.calls[0].request

    return asyncio.run(go())


@pytest.mark.parametrize(("mode", "base_url"), [("auto", "https://shop.example.com"),
                                                ("basic", "http://shop.example.com")])
def test_basic_mode_sends_the_keys_as_basic_credentials(mode: str, base_url: str,
                                                        woo: Any) -> None:
    request = _first_request(woo.account(auth_mode=mode, base_url=base_url))
    expected = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert "consumer_key" not in request.url.params


def test_query_mode_sends_the_keys_as_parameters(woo: Any) -> None:
    request = _first_request(woo.account(auth_mode="query"))
    assert request.url.params["consumer_key"] == KEY
    assert request.url.params["consumer_secret"] == SECRET
    assert "authorization" not in request.headers


def test_oauth1_mode_over_http_signs_in_the_authorization_header(woo: Any) -> None:
    request = _first_request(woo.account(base_url="http://shop.example.com"))
    params = oauth_params(request)
    assert params["oauth_consumer_key"] == KEY
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    assert {"oauth_nonce", "oauth_timestamp", "oauth_signature"} <= set(params)
    assert SECRET not in str(request.url) and KEY not in str(request.url)


def test_401_raises_auth_error_without_the_secret(woo: Any) -> None:
    acct = woo.account(auth_mode="query")

    async def go() -> None:
        with respx.mock:
            respx.get(f"{woo.API}/orders/9").respond(401, json={
                "code": "woocommerce_rest_authentication_error",
                "message": "Consumer secret is invalid.", "data": {"status": 401}})
            try:
                await plugin.fetch_order(acct, "9")
            finally:
                await acct.aclose()

    with pytest.raises(hub.AuthError) as caught:
        asyncio.run(go())
    assert "Consumer secret is invalid" in str(caught.value)
    assert "hub accounts authorize main" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_missing_keys_is_a_config_error_pointing_at_authorize(woo: Any) -> None:
    acct = woo.account(consumer_key=None, consumer_secret=None)
    with pytest.raises(hub.ConfigError, match="authorize main"):
        asyncio.run(plugin.fetch_order(acct, "1"))


class FakeSession:
    """An AuthSession whose user approves at once."""

    redirect_uri = "http://127.0.0.1:8765/callback"
    state = "state-1"
    pkce_verifier = "v"

    def __init__(self, callback: hub.Callback) -> None:
        self.callback = callback
        self.urls: list[str] = []

    @property
    def pkce_challenge(self) -> str:
        return hub.pkce_challenge(self.pkce_verifier)

    async def wait_for_callback(self, url: str) -> hub.Callback:
        self.urls.append(url)
        return self.callback

    def prompt(self, label: str, *, secret: bool = True) -> str:
        raise AssertionError("the WooCommerce flow never prompts")


def _authorize(acct: hub.Account, session: FakeSession) -> tuple[Any, list[httpx.Request]]:
    async def go() -> tuple[Any, list[httpx.Request]]:
        with respx.mock:
            route = respx.get(f"{acct.settings['base_url']}/wp-json/wc/v3/orders").respond(
                200, json=[])
            try:
                result = await plugin.authorize(acct, session)
            finally:
                await acct.aclose()
            return result, [call.request for call in route.calls]

    return asyncio.run(go())


def test_authorize_with_configured_keys_only_checks_them(woo: Any) -> None:
    session = FakeSession(hub.Callback())
    result, requests = _authorize(woo.account(), session)
    assert result is None
    assert session.urls == []
    assert len(requests) == 1 and requests[0].url.params["per_page"] == "1"


def test_authorize_without_keys_runs_the_app_authorization_flow(woo: Any) -> None:
    body = {"key_id": 3, "user_id": "state-1", "consumer_key": "ck_new_000000000000",
            "consumer_secret": "cs_new_111111111111", "key_permissions": "read_write"}
    session = FakeSession(hub.Callback(params={"success": "1"}, body=body))
    acct = woo.account(consumer_key=None, consumer_secret=None)
    result, requests = _authorize(acct, session)
    assert result == {"consumer_key": "ck_new_000000000000",
                      "consumer_secret": "cs_new_111111111111",
                      "key_permissions": "read_write", "key_id": "3"}
    url = urlsplit(session.urls[0])
    assert f"{url.scheme}://{url.netloc}{url.path}" == \
        "https://shop.example.com/wc-auth/v1/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    # the session's state travels in the callback URL (matched by the core like an OAuth2
    # redirect) and as user_id (the store posts it back with the keys; the plugin checks it)
    assert query == {"app_name": "hub", "scope": "read_write", "user_id": session.state,
                     "return_url": FakeSession.redirect_uri,
                     "callback_url": f"{FakeSession.redirect_uri}?state={session.state}"}
    expected = base64.b64encode(b"ck_new_000000000000:cs_new_111111111111").decode()
    assert requests[0].headers["authorization"] == f"Basic {expected}"  # new keys were checked


def test_authorize_refuses_keys_posted_for_another_request(woo: Any) -> None:
    body = {"key_id": 3, "user_id": "state-other", "consumer_key": "ck_new_000000000000",
            "consumer_secret": "cs_new_111111111111", "key_permissions": "read_write"}
    acct = woo.account(consumer_key=None, consumer_secret=None)
    with pytest.raises(hub.AuthError, match="different authorization request"):
        _authorize(acct, FakeSession(hub.Callback(body=body)))


def test_authorize_refuses_denial_and_read_only_keys(woo: Any) -> None:
    acct = woo.account(consumer_key=None, consumer_secret=None)
    with pytest.raises(hub.AuthError, match="denied"):
        _authorize(acct, FakeSession(hub.Callback(params={"success": "0"})))
    read_only = {"consumer_key": "ck_ro_0000000000", "consumer_secret": "cs_ro_0000000000",
                 "key_permissions": "read"}
    with pytest.raises(hub.AuthError, match="read_write"):
        _authorize(acct, FakeSession(hub.Callback(body=read_only)))


def test_keys_from_stored_credentials_are_used(woo: Any) -> None:
    acct = woo.account(consumer_key=None, consumer_secret=None, auth_mode="query")
    acct.credentials.update({"consumer_key": "ck_stored_00000", "consumer_secret": "cs_stored_0000"})
    request = _first_request(acct)
    assert request.url.params["consumer_key"] == "ck_stored_00000"
