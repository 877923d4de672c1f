"""hub.RateHeaders: a platform's bucket headers (limit, remaining, reset) followed by the limiter."""

from __future__ import annotations

import httpx
import pytest

from hub import RateHeaders
from hub.core.http.ratelimit import RateLimiter

LEAKY = RateHeaders(limit="x-rate-limit-limit", remaining="x-rate-limit-remaining",
                    reset="x-rate-limit-reset", reset_unit=0.001)


def answer(limit: str, remaining: str, reset: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers={"x-rate-limit-limit": limit,
                                           "x-rate-limit-remaining": remaining,
                                           "x-rate-limit-reset": reset})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_read_measures_the_leak_rate_once_the_bucket_is_used_enough() -> None:
    assert LEAKY.read(answer("40", "39", "500").headers) == (40.0, 39.0, None)  # 1 used: too coarse
    size, left, rate = LEAKY.read(answer("40", "10", "15000").headers) or (0, 0, None)
    assert (size, left) == (40.0, 10.0) and rate == pytest.approx(29.5 / 15)
    assert LEAKY.read(httpx.Headers({"x-rate-limit-limit": "40"})) is None
    assert LEAKY.read(answer("forty", "1", "2").headers) is None


def test_the_follower_never_holds_more_than_the_platform_says_is_left() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2, burst=40, clock=clock)
    LEAKY.follower(lambda: limiter)(answer("40", "5", "17500"))
    assert limiter.available == pytest.approx(5)
    assert limiter.rate == pytest.approx(34.5 / 17.5)
    clock.now = 1.0
    LEAKY.follower(lambda: limiter)(answer("40", "39", "500"))  # more left: the bucket refills
    assert limiter.available == pytest.approx(5 + limiter.rate)  # by its own clock, not a jump


def test_a_larger_bucket_is_picked_up_from_the_headers() -> None:
    limiter = RateLimiter(rate=2, burst=40, clock=Clock())
    LEAKY.follower(lambda: limiter)(answer("400", "100", "15000"))  # a Next/Evolution store
    assert limiter.capacity == 400 and limiter.rate == pytest.approx(299.5 / 15, rel=1e-3)


def test_retry_after_is_the_time_one_request_needs_to_drain() -> None:
    assert LEAKY.retry_after(answer("40", "0", "20000", 429).headers) == pytest.approx(0.5)
    assert LEAKY.retry_after(answer("40", "3", "18500", 429).headers) == 0.0
    assert LEAKY.retry_after(httpx.Headers()) is None
    window = RateHeaders(limit="l", remaining="r", reset="s", reset_means_empty=False)
    assert window.retry_after(httpx.Headers({"l": "10", "r": "0", "s": "3"})) == 3.0


def test_an_unlimited_limiter_is_left_alone() -> None:
    limiter = RateLimiter(rate=None)
    LEAKY.follower(lambda: limiter)(answer("40", "0", "20000"))
    assert limiter.rate is None
