"""A token bucket for sandboxes, with the platform's rate-limit headers plugged in.

Each platform tells a client about its limit differently: WooCommerce has
no limit of its own, Mercado Libre answers a bare 429 (no ``Retry-After``),
VTEX sends ``Ratelimit-Limit/-Remaining/-Reset`` and ``Retry-After``,
Shopify's GraphQL API reports ``throttleStatus`` in the body. One
:class:`TokenBucket` holds the arithmetic; a :data:`HeaderRenderer` turns its
state into the platform's headers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBucket:
    """Tokens (requests, or query cost points) refilling at ``rate`` a second up to ``capacity``.

    :param capacity: the bucket's size; it starts full.
    :param rate: tokens restored per second.
    :param clock: monotonic seconds (a fake clock in tests).
    :param enforce: when False, :meth:`take` always succeeds (the level still drops, not below 0).
    """

    def __init__(self, capacity: float, rate: float, *, clock: Callable[[], float] = time.monotonic,
                 enforce: bool = True) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("a token bucket needs a positive capacity and rate")
        self.capacity, self.rate, self.enforce = float(capacity), float(rate), enforce
        self.clock = clock
        self.tokens = float(capacity)
        self.updated = clock()
        self.rejected = 0

    @property
    def level(self) -> float:
        """The tokens held at the last refill (settable: e.g. another client just spent them)."""
        return self.tokens

    @level.setter
    def level(self, value: float) -> None:
        self.tokens = float(value)

    def refill(self) -> float:
        """Bring the level up to now; return it."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return self.tokens

    def take(self, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens; False (nothing taken, :attr:`rejected` counted) when short."""
        self.refill()
        if self.enforce and cost > self.tokens:
            self.rejected += 1
            return False
        self.tokens = max(0.0, self.tokens - cost)
        return True

    def refund(self, tokens: float) -> None:
        """Give back ``tokens`` (e.g. the part of a query's cost it did not use)."""
        self.refill()
        self.tokens = min(self.capacity, self.tokens + max(tokens, 0.0))

    def wait(self, cost: float = 1.0) -> float:
        """Seconds until ``cost`` tokens are available (0 when they are now)."""
        return max(0.0, cost - self.refill()) / self.rate


HeaderRenderer = Callable[[TokenBucket], dict[str, str]]
"""Renders a bucket's state as the headers a platform sends with a response."""


def no_rate_headers(bucket: TokenBucket) -> dict[str, str]:
    """No rate-limit headers at all (WooCommerce; Mercado Libre's bare 429)."""
    return {}


def retry_after(seconds: float) -> str:
    """``Retry-After``: whole seconds (at least 1) from one second up, else two decimals."""
    return str(max(1, math.ceil(seconds))) if seconds >= 1 else f"{seconds:.2f}"


def ratelimit_headers(bucket: TokenBucket) -> dict[str, str]:
    """VTEX's ``Ratelimit-Limit`` (requests a minute), ``-Remaining`` and ``-Reset``.

    ``Reset`` is the seconds until the next request is allowed when the bucket
    is empty, else until it is full.
    """
    tokens = bucket.refill()
    reset = (1 - tokens if tokens < 1 else bucket.capacity - tokens) / bucket.rate
    return {"Ratelimit-Limit": str(round(bucket.rate * 60)), "Ratelimit-Remaining": str(int(tokens)),
            "Ratelimit-Reset": str(math.ceil(reset))}


def refusal_headers(bucket: TokenBucket, render: HeaderRenderer, cost: float = 1.0) -> dict[str, str]:
    """The headers of a 429 for ``cost``: ``Retry-After`` and the platform's own."""
    return {"Retry-After": retry_after(bucket.wait(cost)), **render(bucket)}


def throttle_status(bucket: TokenBucket) -> dict[str, float]:
    """Shopify GraphQL's ``extensions.cost.throttleStatus`` (a body part, not headers)."""
    tokens = bucket.refill()
    return {"maximumAvailable": bucket.capacity, "currentlyAvailable": round(tokens, 1),
            "restoreRate": bucket.rate}


def x_rate_limit_headers(bucket: TokenBucket) -> dict[str, str]:
    """Tiendanube's leaky bucket: ``x-rate-limit-limit`` (size), ``-remaining`` (slots left
    before it is full) and ``-reset`` (milliseconds until it is completely empty).

    The bucket's tokens are the free slots: the level of the leaky bucket is
    ``capacity - tokens``.
    """
    tokens = bucket.refill()
    level = bucket.capacity - tokens
    return {"x-rate-limit-limit": str(round(bucket.capacity)),
            "x-rate-limit-remaining": str(max(0, math.floor(tokens))),
            "x-rate-limit-reset": str(math.ceil(level / bucket.rate * 1000))}
