import asyncio

import pytest

from hub.core.http.ratelimit import RateLimiter


class FakeTime:
    """A limiter's clock and sleep in virtual seconds: the tests assert the waits, not a stopwatch.

    A sleep yields to the loop first (so other tasks act "during" it), then moves the clock.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def limiter(self, rate: float | None = None, burst: float = 1.0) -> RateLimiter:
        limiter = RateLimiter(rate=rate, burst=burst, clock=lambda: self.now)

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            await asyncio.sleep(0)
            self.now += seconds + 1e-9  # past float rounding, as a real timer fires late

        limiter._sleep = sleep  # type: ignore[method-assign]
        return limiter


def test_rate_spaces_requests() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=20, burst=1)

    async def main() -> None:
        for _ in range(10):
            await limiter.acquire()

    asyncio.run(main())
    assert time.sleeps == pytest.approx([0.05] * 9)  # first immediate, then 9 x 50 ms
    assert time.now == pytest.approx(0.45)


def test_concurrent_waiters_are_served_in_order() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=50, burst=1)
    done: list[tuple[int, float]] = []

    async def one(i: int) -> None:
        await limiter.acquire()
        done.append((i, time.now))

    async def main() -> None:
        await asyncio.gather(*(one(i) for i in range(6)))

    asyncio.run(main())
    assert [i for i, _ in done] == list(range(6))
    assert [at for _, at in done] == pytest.approx([0.0, 0.02, 0.04, 0.06, 0.08, 0.1])


def test_burst_is_available_at_once() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=1, burst=5)

    async def main() -> None:
        for _ in range(5):
            await limiter.acquire()

    asyncio.run(main())
    assert time.sleeps == []
    assert limiter.available < 0.1


def test_pause_holds_waiters_already_queued() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=10, burst=1)

    async def main() -> None:
        await limiter.acquire()
        waiter = asyncio.create_task(limiter.acquire())  # would go after 0.1 s
        await asyncio.sleep(0)  # the waiter is asleep on the bucket now
        limiter.pause(0.3)
        await waiter

    asyncio.run(main())
    assert time.sleeps[0] == pytest.approx(0.1)
    assert time.now == pytest.approx(0.3)  # held to the end of the pause, not one second more:
    # the bucket refilled during the pause


def test_pause_applies_to_unlimited_limiter() -> None:
    time = FakeTime()
    limiter = time.limiter()

    async def main() -> None:
        await limiter.acquire()
        limiter.pause(0.15)
        await limiter.acquire()

    asyncio.run(main())
    assert time.sleeps == pytest.approx([0.15])


def test_cost_above_capacity_does_not_deadlock_and_leaves_debt() -> None:
    time = FakeTime()
    limiter = time.limiter(rate=100, burst=2)

    async def main() -> None:
        await limiter.acquire(5)  # a full bucket is enough; it leaves -3 tokens
        await limiter.acquire(1)  # from -3 tokens to 1: 40 ms

    asyncio.run(main())
    assert time.sleeps == pytest.approx([0.04])


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
        await asyncio.wait_for(second, timeout=30)  # a hang guard: it goes after 50 ms

    asyncio.run(main())


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate=0)
    with pytest.raises(ValueError):
        RateLimiter(burst=0)


def test_sync_wakes_the_sleeping_waiter() -> None:
    """Points the platform gives back (Shopify refunds unused query cost) free a waiter at once."""
    frozen = 100.0  # the limiter's clock stands still: only sync() can free the waiter
    limiter = RateLimiter(rate=100, burst=1000, clock=lambda: frozen)

    async def main() -> None:
        await limiter.acquire(1000)  # the bucket is empty: a second full query waits 10 s
        waiter = asyncio.create_task(limiter.acquire(1000))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiter.done()
        limiter.sync(available=1000)  # the answer to the first query: most of it was refunded
        for _ in range(5):
            await asyncio.sleep(0)
        assert waiter.done()  # woken by sync, not by its 10 s timer
        await waiter

    asyncio.run(main())
