"""The sandbox's Feed v3 queue and its rate-limit buckets.

The queue behaves like VTEX's (an SQS queue per app key): an event becomes
invisible for ``visibilityTimeoutInSeconds`` once read and gets a new handle
at every read; committing a handle removes its event; an uncommitted event
comes back after the timeout; events older than the retention period are
dropped unread; the first event ever enqueued is delivered twice (VTEX warns
that duplicates happen).
"""

from __future__ import annotations

import itertools
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hub_vtex.sandbox.data import vtex_date


@dataclass
class Event:
    """One feed message."""

    event_id: str
    order_id: str
    state: str
    last_state: str
    last_change: datetime
    current_change: datetime
    enqueued: datetime
    visible_at: datetime
    handle: str = ""

    def body(self) -> dict[str, Any]:
        """The item as ``GET /api/orders/feed`` returns it."""
        return {"eventId": self.event_id, "handle": self.handle, "domain": "Fulfillment",
                "state": self.state, "lastState": self.last_state, "orderId": self.order_id,
                "lastChange": vtex_date(self.last_change),
                "currentChange": vtex_date(self.current_change)}


@dataclass
class FeedQueue:
    """One configured feed: its filter, queue settings and messages."""

    statuses: list[str]
    visibility: timedelta
    retention: timedelta
    configured_at: datetime
    events: list[Event] = field(default_factory=list)
    duplicate_next: bool = True
    committed: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def config(self, now: datetime) -> dict[str, Any]:
        """The body of ``GET /api/orders/feed/config``."""
        self.expire(now)
        oldest = min((e.enqueued for e in self.events), default=None)
        return {"filter": {"type": "FromWorkflow", "status": list(self.statuses)},
                "queue": {"visibilityTimeoutInSeconds": int(self.visibility.total_seconds()),
                          "MessageRetentionPeriodInSeconds": int(self.retention.total_seconds())},
                "quantity": len(self.events),
                "approximateAgeOfOldestMessageInSeconds":
                    (now - oldest).total_seconds() if oldest else 0}

    def offer(self, order_id: str, state: str, last_state: str, last_change: datetime,
              when: datetime, now: datetime) -> None:
        """Enqueue a status change when the filter wants it (at ``when``, seen from ``now``)."""
        if state not in self.statuses or when < self.configured_at:
            return
        copies = 2 if self.duplicate_next else 1
        self.duplicate_next = False
        event_id = f"{next(self._ids):032X}"
        for _ in range(copies):
            self.events.append(Event(event_id, order_id, state, last_state, last_change, when,
                                     enqueued=when, visible_at=when))
        self.expire(now)

    def expire(self, now: datetime) -> None:
        """Drop events older than the retention period."""
        self.events = [e for e in self.events if now - e.enqueued < self.retention]

    def read(self, count: int, now: datetime) -> list[dict[str, Any]]:
        """Up to ``count`` visible events, hidden for the visibility timeout, with new handles."""
        self.expire(now)
        found = []
        for event in self.events:
            if len(found) >= count:
                break
            if event.visible_at <= now:
                event.visible_at = now + self.visibility
                event.handle = secrets.token_urlsafe(48)
                found.append(event.body())
        return found

    def commit(self, handles: list[str]) -> int:
        """Remove the events whose current handle is in ``handles``; how many went."""
        wanted = set(handles)
        before = len(self.events)
        self.events = [e for e in self.events if not (e.handle and e.handle in wanted)]
        gone = before - len(self.events)
        self.committed += gone
        return gone


class Bucket:
    """A token bucket with VTEX's headers: ``Ratelimit-Limit/-Remaining/-Reset``, ``Retry-After``.

    :param per_minute: the documented limit; tokens refill at ``per_minute / 60`` a second.
    :param burst: the bucket's size.
    """

    def __init__(self, per_minute: int, burst: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.updated = clock()
        self.rejected = 0

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self) -> dict[str, str] | None:
        """Take a token: None when allowed, else the 429's headers."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        self.rejected += 1
        wait = (1 - self.tokens) / self.rate
        return {"Retry-After": str(max(1, math.ceil(wait))) if wait >= 1 else f"{wait:.2f}",
                **self.headers()}

    def headers(self) -> dict[str, str]:
        """The rate-limit headers of a response."""
        self._refill()
        # Empty: seconds until the next request is allowed; otherwise until the bucket is full.
        reset = (1 - self.tokens if self.tokens < 1 else self.capacity - self.tokens) / self.rate
        return {"Ratelimit-Limit": str(self.per_minute),
                "Ratelimit-Remaining": str(int(self.tokens)),
                "Ratelimit-Reset": str(math.ceil(reset))}
