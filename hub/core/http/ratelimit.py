"""An asyncio token bucket shared by every request of one account API."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any


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


class RateHeaders:
    """A platform's bucket headers (limit, remaining, reset), read so the account's limiter follows them.

    Many platforms report their bucket on every response: its size (``limit``),
    what is left before it is full (``remaining``) and the time until it is
    completely empty, or full again (``reset``, in ``reset_unit`` seconds: 0.001
    for milliseconds). :meth:`follower` turns them into an ``on_response`` hook:
    the limiter takes the platform's size, never holds more tokens than the
    platform says are left, and learns the leak rate from ``used / reset`` once the
    bucket is used enough to measure it. The limiter lives in the account's
    runtime, so what it learned carries from one run to the next.

    :param reset_means_empty: ``reset`` is the time until the bucket is empty (a
        leaky bucket, Tiendanube); False: the time until the next request fits.
    """

    MEASURE_FROM = 10.0  # used slots from which the leak rate is measured (rounding is then < 5%)

    def __init__(self, *, limit: str, remaining: str, reset: str | None = None,
                 reset_unit: float = 1.0, reset_means_empty: bool = True) -> None:
        self.limit, self.remaining, self.reset = limit, remaining, reset
        self.reset_unit, self.reset_means_empty = reset_unit, reset_means_empty

    @staticmethod
    def _number(headers: Mapping[str, str], name: str | None) -> float | None:
        if name is None:
            return None
        try:
            value = float(headers.get(name, ""))
        except ValueError:
            return None
        return value if math.isfinite(value) and value >= 0 else None

    def read(self, headers: Mapping[str, str]) -> tuple[float, float, float | None] | None:
        """``(size, remaining, leak rate or None)`` from a response's headers; None without them."""
        size = self._number(headers, self.limit)
        left = self._number(headers, self.remaining)
        if not size or left is None:
            return None
        left = min(left, size)
        reset = self._number(headers, self.reset)
        used = size - left
        rate = None
        if self.reset_means_empty and reset and used >= self.MEASURE_FROM:
            # ``remaining`` is a whole number: the level is ``used`` give or take one slot
            rate = (used - 0.5) / (reset * self.reset_unit)
        return size, left, rate

    def retry_after(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until one more request fits, from the headers of a refusal (None: unknown)."""
        found = self.read(headers)
        reset = self._number(headers, self.reset)
        if found is None or reset is None:
            return None
        size, left, _rate = found
        if not self.reset_means_empty:
            return reset * self.reset_unit
        if left >= 1:
            return 0.0
        used = size - left
        return (reset * self.reset_unit) / used if used > 0 else None

    def follower(self, limiter: Callable[[], RateLimiter]) -> Callable[[Any], None]:
        """An ``on_response`` hook aligning ``limiter()`` (looked up per response) with the headers."""
        def look(response: Any) -> None:
            found = self.read(response.headers)
            if found is None:
                return
            size, left, rate = found
            current = limiter()
            if current.rate is None:
                return  # unlimited by choice of the admin: nothing to follow
            current.sync(capacity=size, rate=rate,
                         available=min(current.available, left))
        return look
