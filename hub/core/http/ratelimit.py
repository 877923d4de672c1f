"""An asyncio token bucket shared by every request of one account API."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Token bucket: ``rate`` tokens per second, up to ``burst`` saved; ``rate=None`` is unlimited.

    Waiters are served first come, first served: only the head of the queue
    sleeps on the bucket (for exactly the computed wait, no polling). A
    :meth:`sync` wakes it to re-check at once (a platform that gave points back
    lets it go early), and a :meth:`pause` made meanwhile applies when it wakes.
    A cost larger than the capacity waits for a full bucket and then leaves the
    bucket in debt, which later callers wait out.
    """

    def __init__(self, rate: float | None = None, burst: float = 1.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive, or None for unlimited")
        if burst <= 0:
            raise ValueError("burst must be positive")
        self._rate = rate
        self._capacity = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._updated = clock()  # when self._tokens was last brought up to date
        self._paused_until = -math.inf
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._wakeup: asyncio.Future[None] | None = None  # the head waiter's sleep

    @property
    def rate(self) -> float | None:
        """Tokens restored per second, or ``None`` when unlimited."""
        return self._rate

    @property
    def capacity(self) -> float:
        """The most tokens the bucket holds (the burst)."""
        return self._capacity

    @property
    def available(self) -> float:
        """Tokens available now (negative while in debt; ``inf`` when unlimited)."""
        if self._rate is None:
            return math.inf
        self._refill(self._clock())
        return self._tokens

    async def acquire(self, cost: float = 1.0) -> None:
        """Wait until ``cost`` tokens are available (and any pause is over), then take them."""
        if cost < 0:
            raise ValueError("cost must not be negative")
        if not self._waiters and self._wait(cost) <= 0:
            self._take(cost)
            return
        ticket = asyncio.get_running_loop().create_future()
        self._waiters.append(ticket)
        try:
            if self._waiters[0] is not ticket:
                await ticket  # woken when it reaches the head of the queue
            while (wait := self._wait(cost)) > 0:
                await self._sleep(wait)
            self._take(cost)
        finally:
            self._waiters.remove(ticket)
            if self._waiters and not self._waiters[0].done():
                self._waiters[0].set_result(None)

    async def _sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if :meth:`sync` changes the bucket meanwhile."""
        loop = asyncio.get_running_loop()
        self._wakeup = wakeup = loop.create_future()
        timer = loop.call_later(seconds, _settle, wakeup)
        try:
            await wakeup
        finally:
            timer.cancel()
            self._wakeup = None

    def pause(self, seconds: float) -> None:
        """Hold every acquire until ``seconds`` from now and empty the bucket (after a 429).

        The bucket refills during the pause, as the platform's does.
        """
        now = self._clock()
        until = now + seconds
        if until <= self._paused_until:
            return
        self._refill(now)
        self._paused_until = until
        # The platform's bucket is empty now and refills while we wait, and so does ours.
        self._tokens = min(self._tokens, 0.0)

    def sync(self, available: float | None = None, capacity: float | None = None,
             rate: float | None = None) -> None:
        """Align the bucket with what the platform reports (rate-limit headers, throttle status).

        ``None`` leaves a value as it is.
        """
        self._refill(self._clock())
        if rate is not None:
            if rate <= 0:
                raise ValueError("rate must be positive")
            self._rate = rate
        if capacity is not None:
            if capacity <= 0:
                raise ValueError("capacity must be positive")
            self._capacity = float(capacity)
            self._tokens = min(self._tokens, self._capacity)
        if available is not None:
            self._tokens = min(float(available), self._capacity)
        if self._wakeup is not None:
            _settle(self._wakeup)

    def _refill(self, now: float) -> None:
        if now > self._updated:
            if self._rate is not None:
                elapsed = now - self._updated
                self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._updated = now

    def _wait(self, cost: float) -> float:
        """Seconds until ``cost`` may be taken (<= 0: now)."""
        now = self._clock()
        self._refill(now)
        wait = self._paused_until - now
        if self._rate is not None:
            need = min(cost, self._capacity)
            if self._tokens < need:
                wait = max(wait, (need - self._tokens) / self._rate)
        return wait

    def _take(self, cost: float) -> None:
        if self._rate is not None:
            self._tokens -= cost


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
