import asyncio
import logging
import time
from typing import Any

import httpx
import pytest
import respx

from hub.core.http.client import HttpClient, Resolution
from hub.core.http.ratelimit import RateLimiter
from hub.core.http.retry import RetryPolicy
from hub.core.http.tokens import TokenRefresher
from hub.errors import Action, AuthError, PlatformError, RateLimited, TransientError

BASE = "https://shop.test"
NAME = "Test account 'main'"


class Sleeps(list[float]):
    """An injected sleep that records the delays and returns at once."""

    async def __call__(self, delay: float) -> None:
        self.append(delay)


def client(sleeps: Sleeps, **kwargs: Any) -> HttpClient:
    kwargs.setdefault("retry", RetryPolicy(max_attempts=4))
    return HttpClient(BASE, name=NAME, sleep=sleeps, **kwargs)


def run(http: HttpClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def main() -> httpx.Response:
        async with http:
            return await http.request(method, url, **kwargs)

    return asyncio.run(main())


# --- rate limiting -------------------------------------------------------------------

@respx.mock(base_url=BASE)
def test_retry_after_is_honoured(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=[])])
    sleeps = Sleeps()
    http = client(sleeps)
    assert run(http, "GET", "/orders").status_code == 200
    assert route.call_count == 2
    assert len(sleeps) == 1 and 7 <= sleeps[0] <= 7.7
    assert (http.stats.requests, http.stats.retries, http.stats.rate_limited) == (2, 1, 1)


@respx.mock(base_url=BASE)
def test_429_pauses_the_shared_limiter_for_concurrent_requests(
        respx_mock: respx.MockRouter) -> None:
    seen: dict[str, float] = {}

    def first_throttled(request: httpx.Request) -> httpx.Response:
        if "429" not in seen:
            seen["429"] = time.monotonic()
            return httpx.Response(429, headers={"Retry-After": "0.3"})
        seen["a retry"] = time.monotonic()
        return httpx.Response(200)

    def other(request: httpx.Request) -> httpx.Response:
        seen["b"] = time.monotonic()
        return httpx.Response(200)

    respx_mock.get("/a").mock(side_effect=first_throttled)
    respx_mock.get("/b").mock(side_effect=other)
    sleeps = Sleeps()  # the client's own wait returns at once: only the limiter holds requests

    async def main() -> None:
        throttled = asyncio.Event()
        http = client(sleeps, limiter=RateLimiter(),
                      on_response=lambda r: throttled.set() if r.status_code == 429 else None)

        async def after_429() -> httpx.Response:
            await throttled.wait()
            return await http.get("/b")

        async with http:
            await asyncio.gather(http.get("/a"), after_429())

    asyncio.run(main())
    assert seen["b"] - seen["429"] >= 0.29
    assert seen["a retry"] - seen["429"] >= 0.29
    assert sleeps and sleeps[0] >= 0.3


@respx.mock(base_url=BASE)
def test_rate_limited_after_max_attempts(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "1"}))
    sleeps = Sleeps()
    with pytest.raises(RateLimited) as caught:
        run(client(sleeps, retry=RetryPolicy(max_attempts=3)), "GET", "/orders")
    assert route.call_count == 3
    assert caught.value.retry_after == 1.0
    assert len(sleeps) == 2 and min(sleeps) >= 1
    assert "gave up after 3 attempts" in str(caught.value)


@respx.mock(base_url=BASE)
def test_retry_after_longer_than_max_delay_is_not_waited_for(
        respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(RateLimited) as caught:
        run(client(sleeps), "GET", "/orders")
    assert (route.call_count, sleeps, caught.value.retry_after) == (1, [], 3600.0)


@respx.mock(base_url=BASE)
def test_on_response_can_sync_the_limiter(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("/products").mock(return_value=httpx.Response(
        200, headers={"X-Shopify-Shop-Api-Call-Limit": "39/40"}))
    limiter = RateLimiter(rate=2, burst=40)

    def sync(response: httpx.Response) -> None:
        used, capacity = map(int, response.headers["X-Shopify-Shop-Api-Call-Limit"].split("/"))
        limiter.sync(available=capacity - used, capacity=capacity)

    run(client(Sleeps(), limiter=limiter, on_response=sync), "GET", "/products")
    assert 1 <= limiter.available < 1.5


# --- retries and failures ---------------------------------------------------------------

@respx.mock(base_url=BASE)
def test_5xx_is_retried_for_get(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(side_effect=[
        httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[1])])
    sleeps = Sleeps()
    http = client(sleeps)
    assert run(http, "GET", "/orders").json() == [1]
    assert route.call_count == 3 and len(sleeps) == 2 and http.stats.retries == 2


@respx.mock(base_url=BASE)
def test_5xx_is_not_retried_for_post_unless_idempotent(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("/orders").mock(return_value=httpx.Response(500, text="oops"))
    sleeps = Sleeps()
    with pytest.raises(TransientError) as caught:
        run(client(sleeps), "POST", "/orders", json={"a": 1})
    assert route.call_count == 1 and sleeps == []
    assert "not retried" in str(caught.value)

    route.side_effect = [httpx.Response(500), httpx.Response(201)]
    assert run(client(sleeps), "POST", "/orders", idempotent=True).status_code == 201
    assert route.call_count == 3


@respx.mock(base_url=BASE)
def test_transport_errors(respx_mock: respx.MockRouter) -> None:
    get = respx_mock.get("/orders").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(TransientError) as caught:
        run(client(Sleeps(), retry=RetryPolicy(max_attempts=3)), "GET", "/orders")
    assert get.call_count == 3
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)

    post = respx_mock.post("/orders").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with pytest.raises(TransientError):
        run(client(Sleeps()), "POST", "/orders")
    assert post.call_count == 1  # it may have reached the platform

    post.side_effect = [httpx.ConnectError("refused"), httpx.Response(201)]
    assert run(client(Sleeps()), "POST", "/orders").status_code == 201  # it did not


@respx.mock(base_url=BASE)
def test_transient_error_after_max_attempts(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(return_value=httpx.Response(503))
    sleeps = Sleeps()
    with pytest.raises(TransientError, match="answered 503"):
        run(client(sleeps, retry=RetryPolicy(max_attempts=5)), "GET", "/orders")
    assert route.call_count == 5 and len(sleeps) == 4


@respx.mock(base_url=BASE)
def test_other_4xx_is_fatal(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("/wc/v3/products/batch").mock(
        return_value=httpx.Response(422, json={"message": "Invalid SKU"}))
    sleeps = Sleeps()
    with pytest.raises(PlatformError) as caught:
        run(client(sleeps), "POST", "/wc/v3/products/batch?page=1", json={})
    assert caught.value.status == 422
    assert str(caught.value) == (f"{NAME}: POST /wc/v3/products/batch?page=1 answered 422: "
                                 '{"message":"Invalid SKU"}')
    assert route.call_count == 1 and sleeps == []


@respx.mock(base_url=BASE)
def test_expect_returns_listed_statuses(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("/orders/9").mock(return_value=httpx.Response(404))
    assert run(client(Sleeps()), "GET", "/orders/9", expect={404}).status_code == 404
    with pytest.raises(PlatformError):
        run(client(Sleeps()), "GET", "/orders/9")


@respx.mock(base_url=BASE)
def test_403_is_an_auth_error_with_hint(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("/me").mock(return_value=httpx.Response(403))
    with pytest.raises(AuthError) as caught:
        run(client(Sleeps(), reauthorize_hint="run: hub accounts authorize main"), "GET", "/me")
    assert caught.value.hint == "run: hub accounts authorize main"
    assert caught.value.action is Action.REAUTHORIZE


# --- classifier -----------------------------------------------------------------------

def graphql_rules(response: httpx.Response) -> Resolution | None:
    errors = response.json().get("errors") if response.status_code == 200 else None
    if not errors:
        return None
    code = errors[0].get("extensions", {}).get("code")
    if code == "THROTTLED":
        return Resolution(Action.RATE_LIMITED, retry_after=0.5)
    return Resolution(Action.FAIL, message=errors[0]["message"])


@respx.mock(base_url=BASE)
def test_classifier_rate_limits_a_200_and_fails_another(respx_mock: respx.MockRouter) -> None:
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    route = respx_mock.post("/graphql").mock(side_effect=[
        httpx.Response(200, json=throttled), httpx.Response(200, json={"data": {"ok": 1}}),
        httpx.Response(200, json={"errors": [{"message": "Field 'x' doesn't exist"}]})])
    sleeps = Sleeps()
    http = client(sleeps, classify=graphql_rules)

    async def main() -> httpx.Response:
        async with http:
            ok = await http.post("/graphql", json={"query": "{ok}"})
            with pytest.raises(PlatformError, match="Field 'x' doesn't exist"):
                await http.post("/graphql", json={"query": "{x}"})
            return ok

    assert asyncio.run(main()).json() == {"data": {"ok": 1}}
    assert route.call_count == 3
    assert len(sleeps) == 1 and sleeps[0] >= 0.5 and http.stats.rate_limited == 1


@respx.mock(base_url=BASE)
def test_classifier_retry_and_ignore(respx_mock: respx.MockRouter) -> None:
    def rules(response: httpx.Response) -> Resolution | None:
        if response.status_code == 409:
            return Resolution(Action.RETRY)
        if response.status_code == 404:
            return Resolution(Action.IGNORE)
        return None

    route = respx_mock.put("/items/1").mock(side_effect=[httpx.Response(409), httpx.Response(200)])
    respx_mock.get("/items/2").mock(return_value=httpx.Response(404))
    assert run(client(Sleeps(), classify=rules), "PUT", "/items/1").status_code == 200
    assert route.call_count == 2
    assert run(client(Sleeps(), classify=rules), "GET", "/items/2").status_code == 404


# --- token refresh ------------------------------------------------------------------------

class Platform:
    """Credentials table + refresh hook + API that only accepts the current token."""

    def __init__(self, creds: dict[str, Any]) -> None:
        self.db = dict(creds)
        self.events: list[tuple[str, str]] = []
        self.refreshes: list[str] = []
        self.valid = "tok-new-access-1"
        self.refresher = TokenRefresher(load=self.load, refresh=self.refresh, save=self.save)

    async def load(self) -> dict[str, Any]:
        return dict(self.db)

    async def save(self, creds: dict[str, Any]) -> None:
        self.events.append(("save", creds["access_token"]))
        self.db = dict(creds)

    async def refresh(self, creds: dict[str, Any]) -> dict[str, Any]:
        self.refreshes.append(creds["access_token"])
        await asyncio.sleep(0.02)  # other requests get their 401s meanwhile
        return {"access_token": "tok-new-access-1"}

    def api(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        self.events.append(("use", token))
        if token == self.valid:
            return httpx.Response(200, json={"id": 1})
        return httpx.Response(401, json={"error": "invalid_token"})


def five_gets(http: HttpClient) -> list[httpx.Response]:
    async def main() -> list[httpx.Response]:
        async with http:
            return await asyncio.gather(*(http.get(f"/orders/{i}") for i in range(5)))

    return asyncio.run(main())


@respx.mock(base_url=BASE)
def test_five_concurrent_401s_cause_exactly_one_refresh(respx_mock: respx.MockRouter) -> None:
    platform = Platform({"access_token": "tok-old-1", "refresh_token": "tok-refresh-1"})
    respx_mock.get(path__startswith="/orders/").mock(side_effect=platform.api)
    http = client(Sleeps(), refresher=platform.refresher)
    assert [r.status_code for r in five_gets(http)] == [200] * 5
    assert platform.refreshes == ["tok-old-1"]
    assert platform.refresher.refreshes == 1
    assert platform.events.count(("use", "tok-old-1")) == 5
    # The new token is stored before any request uses it; the refresh token is kept.
    first_use = platform.events.index(("use", "tok-new-access-1"))
    assert platform.events.index(("save", "tok-new-access-1")) < first_use
    assert platform.db == {"access_token": "tok-new-access-1", "refresh_token": "tok-refresh-1"}


@respx.mock(base_url=BASE)
def test_expired_token_is_refreshed_once_before_sending(respx_mock: respx.MockRouter) -> None:
    platform = Platform({"access_token": "tok-old-2", "expires_at": "2000-01-01T00:00:00+00:00"})
    respx_mock.get(path__startswith="/orders/").mock(side_effect=platform.api)
    five_gets(client(Sleeps(), refresher=platform.refresher))
    assert platform.refreshes == ["tok-old-2"]
    assert ("use", "tok-old-2") not in platform.events
    assert platform.events[0] == ("save", "tok-new-access-1")


@respx.mock(base_url=BASE)
def test_token_refreshed_by_another_process_is_not_refreshed_again(
        respx_mock: respx.MockRouter) -> None:
    platform = Platform({"access_token": "tok-old-3"})
    platform.valid = "tok-other-process-3"
    respx_mock.get(path__startswith="/orders/").mock(side_effect=platform.api)
    http = client(Sleeps(), refresher=platform.refresher)

    async def main() -> httpx.Response:
        async with http:
            await platform.refresher.current()  # this process caches tok-old-3
            platform.db["access_token"] = "tok-other-process-3"  # another process refreshes
            return await http.get("/orders/1")

    assert asyncio.run(main()).status_code == 200
    assert platform.refreshes == []
    assert platform.events == [("use", "tok-old-3"), ("use", "tok-other-process-3")]


@respx.mock(base_url=BASE)
def test_second_401_after_refresh_is_an_auth_error(respx_mock: respx.MockRouter) -> None:
    platform = Platform({"access_token": "tok-old-4"})
    platform.valid = "never"
    route = respx_mock.get("/me").mock(side_effect=platform.api)
    with pytest.raises(AuthError) as caught:
        run(client(Sleeps(), refresher=platform.refresher, reauthorize_hint="reauthorize"),
            "GET", "/me")
    assert platform.refreshes == ["tok-old-4"]
    assert route.call_count == 2
    assert caught.value.hint == "reauthorize"


@respx.mock(base_url=BASE)
def test_token_header_and_scheme(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/shop").mock(return_value=httpx.Response(200))
    refresher = TokenRefresher.in_memory({"access_token": "shpat_header_1"})
    run(client(Sleeps(), refresher=refresher, token_header="X-Shopify-Access-Token",
               token_scheme=None), "GET", "/shop")
    assert route.calls.last.request.headers["X-Shopify-Access-Token"] == "shpat_header_1"
    assert "Authorization" not in route.calls.last.request.headers


# --- secrets ----------------------------------------------------------------------------

@respx.mock(base_url=BASE)
def test_secrets_never_appear_in_errors_or_logs(respx_mock: respx.MockRouter,
                                                caplog: pytest.LogCaptureFixture) -> None:
    api_key = "sec-api-key-0001"
    token = "sec-access-token-0001"
    basic_password = "sec-basic-password-1"
    echo = f"bad token {token} for key {api_key} and {basic_password}"
    respx_mock.get("/orders").mock(side_effect=[
        httpx.Response(503, text=echo),
        httpx.Response(400, json={"error": echo, "access_token": token,
                                  "client_secret": "cs_in_body_1"})])
    http = client(Sleeps(), headers={"X-Api-Key": api_key},
                  auth=httpx.BasicAuth("user", basic_password),
                  refresher=TokenRefresher.in_memory({"access_token": token}))
    with caplog.at_level(logging.INFO, logger="hub.http"), pytest.raises(PlatformError) as caught:
        run(http, "GET", "/orders", params={"consumer_secret": "cs_in_query_1", "page": 2})
    text = f"{caught.value}\n{caught.value!r}\n{caplog.text}"
    assert "answered 400" in str(caught.value) and "retrying" in caplog.text
    assert "consumer_secret=***" in caplog.text and "***" in str(caught.value)
    for secret in (api_key, token, basic_password, "cs_in_query_1", "cs_in_body_1"):
        assert secret not in text


def test_every_client_shares_one_tls_context() -> None:
    """A thousand accounts must not load the CA bundle a thousand times (~1 MB and 20 ms each)."""
    from hub.core.http.client import HttpClient, tls_context

    first = HttpClient("https://a.example.com", name="a")
    second = HttpClient("https://b.example.com", name="b")
    contexts = {id(c._http._transport._pool._ssl_context) for c in (first, second)}
    assert contexts == {id(tls_context())}
