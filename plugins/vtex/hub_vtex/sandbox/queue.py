"""The sandbox's Feed v3 queue.

The queue behaves like VTEX's (an SQS queue per app key): an event becomes
invisible for ``visibilityTimeoutInSeconds`` once read and gets a new handle
at every read; committing a handle removes its event; an uncommitted event
comes back after the timeout; events older than the retention period are
dropped unread; the first event ever enqueued is delivered twice (VTEX warns
that duplicates happen).
"""

from __future__ import annotations

import itertools
import secrets
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
        found: list[dict[str, Any]] = []
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
