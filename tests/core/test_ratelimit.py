import asyncio
import time

import pytest

from hub.core.http.ratelimit import RateLimiter


def test_rate_spaces_requests() -> None:
    limiter = RateLimiter(rate=20, burst=1)

    async def main() -> float:
        start = time.monotonic()
        for _ in range(10):
            await limiter.acquire()
        return time.monotonic() - start

    elapsed = asyncio.run(main())
    assert 0.43 <= elapsed < 0.7  # first immediate, then 9 x 50 ms


def test_concurrent_waiters_are_served_in_order() -> None:
    limiter = RateLimiter(rate=50, burst=1)
    done: list[int] = []

    async def one(i: int) -> None:
        await limiter.acquire()
        done.append(i)

    async def main() -> float:
        start = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(6)))
        return time.monotonic() - start

    elapsed = asyncio.run(main())
    assert done == list(range(6))
    assert 0.09 <= elapsed < 0.3  # 5 x 20 ms


def test_burst_is_available_at_once() -> None:
    limiter = RateLimiter(rate=1, burst=5)

    async def main() -> float:
        start = time.monotonic()
        for _ in range(5):
            await limiter.acquire()
        return time.monotonic() - start

    assert asyncio.run(main()) < 0.05
    assert limiter.available < 0.1


def test_pause_holds_waiters_already_queued() -> None:
    limiter = RateLimiter(rate=10, burst=1)

    async def main() -> float:
        await limiter.acquire()
        start = time.monotonic()
        waiter = asyncio.create_task(limiter.acquire())  # would go after 0.1 s
        await asyncio.sleep(0.01)
        limiter.pause(0.3)
        await waiter
        return time.monotonic() - start

    assert 0.3 <= asyncio.run(main()) < 0.38  # the bucket refilled during the pause


def test_pause_applies_to_unlimited_limiter() -> None:
    limiter = RateLimiter()

    async def main() -> float:
        start = time.monotonic()
        await limiter.acquire()
        limiter.pause(0.15)
        await limiter.acquire()
        return time.monotonic() - start

    assert 0.15 <= asyncio.run(main()) < 0.4


def test_cost_above_capacity_does_not_deadlock_and_leaves_debt() -> None:
    limiter = RateLimiter(rate=100, burst=2)

    async def main() -> float:
        await asyncio.wait_for(limiter.acquire(5), timeout=1)
        start = time.monotonic()
        await limiter.acquire(1)  # from -3 tokens to 1: 40 ms
        return time.monotonic() - start

    assert 0.035 <= asyncio.run(main()) < 0.2


def test_sync_and_properties_with_fake_clock() -> None:
    now = [100.0]
    limiter = RateLimiter(rate=2, burst=40, clock=lambda: now[0])
    assert (limiter.rate, limiter.capacity, limiter.available) == (2, 40, 40)
    limiter.sync(available=8)
    assert limiter.available == 8
    now[0] += 1.5
    assert limiter.available == 11
    limiter.sync(capacity=10, rate=4)
    assert (limiter.rate, limiter.capacity, limiter.available) == (4, 10, 10)
    now[0] += 100
    assert limiter.available == 10


def test_cancelled_waiter_does_not_block_the_queue() -> None:
    limiter = RateLimiter(rate=20, burst=1)

    async def main() -> None:
        await limiter.acquire()
        first = asyncio.create_task(limiter.acquire())
        second = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.01)
        first.cancel()
        await asyncio.wait_for(second, timeout=0.5)

    asyncio.run(main())


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate=0)
    with pytest.raises(ValueError):
        RateLimiter(burst=0)


def test_sync_wakes_the_sleeping_waiter() -> None:
    """Points the platform gives back (Shopify refunds unused query cost) free a waiter at once."""
    limiter = RateLimiter(rate=100, burst=1000)

    async def main() -> float:
        await limiter.acquire(1000)  # the bucket is empty: a second full query waits ~10 s
        start = time.monotonic()
        waiter = asyncio.create_task(limiter.acquire(1000))
        await asyncio.sleep(0.02)
        assert not waiter.done()
        limiter.sync(available=1000)  # the answer to the first query: most of it was refunded
        await asyncio.wait_for(waiter, timeout=1)
        return time.monotonic() - start

    assert asyncio.run(main()) < 0.2
