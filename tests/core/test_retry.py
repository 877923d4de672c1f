from datetime import UTC, datetime

import pytest

from hub.core.http.retry import RetryPolicy, parse_retry_after

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now=NOW) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now=NOW) == 0.0
    assert parse_retry_after("-3") == 0.0
    for junk in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(junk) is None


def test_delay_honours_retry_after_with_small_jitter() -> None:
    policy = RetryPolicy()
    delays = [policy.delay(0, retry_after=10) for _ in range(200)]
    assert all(10 <= d <= 11 for d in delays)
    assert len(set(delays)) > 1


def test_delay_is_full_jitter_exponential_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)
    assert all(0 <= policy.delay(1) <= 1.0 for _ in range(200))
    assert max(policy.delay(2) for _ in range(200)) > 1.0
    assert all(policy.delay(50) <= 3.0 for _ in range(200))
    assert RetryPolicy(jitter=False, base_delay=0.5).delay(3) == 4.0


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_bounded_keeps_order_limits_flight_and_raises_the_first_failure_itself() -> None:
    import asyncio

    import pytest

    from hub import HubError, bounded

    flying = most = 0

    async def call(i: int) -> int:
        nonlocal flying, most
        flying += 1
        most = max(most, flying)
        await asyncio.sleep(0.01 * (5 - i % 5))
        flying -= 1
        if i == 7:
            raise HubError("call 7 failed")
        return i

    assert asyncio.run(bounded(3, (call(i) for i in range(7)))) == list(range(7))
    assert most == 3
    with pytest.raises(HubError, match="call 7 failed"):  # not an ExceptionGroup
        asyncio.run(bounded(3, (call(i) for i in range(10))))


def test_platform_time_reads_the_date_header() -> None:
    from datetime import UTC, datetime

    import httpx

    from hub import platform_time

    answer = httpx.Response(200, headers={"Date": "Mon, 23 Nov 2026 12:00:05 GMT"})
    assert platform_time(answer) == datetime(2026, 11, 23, 12, 0, 5, tzinfo=UTC)
    assert platform_time(httpx.Response(200)) is None
    assert platform_time(httpx.Response(200, headers={"Date": "soon"})) is None
