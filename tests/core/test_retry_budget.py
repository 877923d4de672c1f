"""Retries are budgeted by time, not attempts: a long 429 burst is waited out (fake clock)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from hub.account import Account
from hub.core.app import HubApp
from hub.core.http.client import HttpClient
from hub.core.http.retry import DEFAULT_BUDGET, RetryPolicy, account_policy
from hub.errors import RateLimited, TransientError

BASE = "https://shop.test"


class FakeClock:
    """Monotonic seconds that move only when the client sleeps (or a request takes time)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay


def client(clock: FakeClock, **kwargs: Any) -> HttpClient:
    return HttpClient(BASE, name="Test account 'main'", sleep=clock.sleep, clock=clock, **kwargs)


def get(http: HttpClient, url: str = "/orders") -> httpx.Response:
    async def main() -> httpx.Response:
        async with http:
            return await http.get(url)

    return asyncio.run(main())


def burst(count: int, retry_after: str = "0.7") -> list[httpx.Response]:
    return [httpx.Response(429, headers={"Retry-After": retry_after})] * count + [
        httpx.Response(200, json=[])]


@respx.mock(base_url=BASE)
def test_a_twelve_response_429_burst_is_waited_out_with_the_default_policy(
        respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(side_effect=burst(12))
    clock = FakeClock()
    assert get(client(clock)).status_code == 200
    assert route.call_count == 13
    assert len(clock.sleeps) == 12 and all(0.7 <= s <= 0.77 for s in clock.sleeps)  # Retry-After


@respx.mock(base_url=BASE)
def test_a_burst_longer_than_the_budget_fails_naming_the_setting(
        respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "1"}))
    clock = FakeClock()
    with pytest.raises(RateLimited) as caught:
        get(client(clock, retry=RetryPolicy(budget=5, jitter=False)))
    assert route.call_count == 6 and clock.sleeps == [1.0] * 5  # waits 1+1+1+1+1 = the budget
    message = str(caught.value)
    assert "retry budget of 5s" in message and "retry_budget_seconds" in message
    assert "\n" not in message


@respx.mock(base_url=BASE)
def test_time_spent_in_requests_counts_against_the_budget(respx_mock: respx.MockRouter) -> None:
    clock = FakeClock()

    def slow_503(request: httpx.Request) -> httpx.Response:
        clock.now += 4.0  # each attempt takes 4 s before the platform answers
        return httpx.Response(503)

    route = respx_mock.get("/orders").mock(side_effect=slow_503)
    with pytest.raises(TransientError, match="retry budget of 10s"):
        get(client(clock, retry=RetryPolicy(budget=10, base_delay=1, jitter=False)))
    # 4 s, wait 1 s, 4 s: 9 s spent, and the next wait (2 s) would pass 10: two attempts
    assert route.call_count == 2 and clock.sleeps == [1.0]


@respx.mock(base_url=BASE)
def test_a_retry_after_beyond_the_budget_is_not_waited_for(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/orders").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    clock = FakeClock()
    with pytest.raises(RateLimited) as caught:
        get(client(clock))
    assert (route.call_count, clock.sleeps, caught.value.retry_after) == (1, [], 3600.0)


def test_the_account_setting_sets_the_budget_of_its_clients(app: HubApp, account: str) -> None:
    assert account_policy({}) is None
    assert account_policy({"retry_budget_seconds": "45"}).budget == 45  # type: ignore[union-attr]
    base = RetryPolicy(base_delay=0.01)
    assert account_policy({"retry_budget_seconds": "45"}, base) == RetryPolicy(base_delay=0.01,
                                                                               budget=45)
    app.accounts.update_settings(account, {"retry_budget_seconds": "45"})
    live: Account = app.accounts.open_named(account)
    assert live.client("https://s.example.com").retry.budget == 45
    assert RetryPolicy().budget == DEFAULT_BUDGET == 300
