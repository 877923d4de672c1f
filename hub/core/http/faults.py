"""Faults a run recovered from: retried 429s, 5xx and network errors, token refreshes, page drift.

The HTTP client, the token refresher and the page guard call :func:`record`;
whatever run is going on in the calling task (and the tasks it starts) counts
them. :func:`hub.core.sync.runs.start_run` opens the counter and
:func:`~hub.core.sync.runs.finish_run` stores it in the run's counts, so a
recovered fault is visible in ``hub runs show`` and ``/metrics`` instead of
vanishing into a log line. Outside a run, :func:`record` does nothing.
"""

from __future__ import annotations

from collections import Counter
from contextvars import ContextVar

RETRIED_429 = "retried_429"
"""A request answered 429 (rate limited) and was sent again."""
RETRIED_5XX = "retried_5xx"
"""A request answered 5xx (or what a plugin classifies as retriable) and was sent again."""
RETRIED_NETWORK = "retried_network"
"""A request failed on the network (connect, read timeout) and was sent again."""
TOKEN_REFRESHED = "token_refreshed"
"""The access token was refreshed (expired or rejected) and the run went on."""
PAGE_DRIFT = "page_drift"
"""A scan whose listing shifted under it (a record came back on a later page); each record
was still read once. Counted once per scan, however many records moved."""

KINDS = (RETRIED_429, RETRIED_5XX, RETRIED_NETWORK, TOKEN_REFRESHED, PAGE_DRIFT)

_current: ContextVar[Counter[str] | None] = ContextVar("hub_run_faults", default=None)


def record(kind: str, count: int = 1) -> None:
    """Count ``count`` recovered faults of ``kind`` for the run of the calling task, if any."""
    faults = _current.get()
    if faults is not None and count > 0:
        faults[kind] += count


def begin() -> Counter[str]:
    """Start counting for the calling task (and tasks it starts from now on); returns the counter."""
    faults: Counter[str] = Counter()
    _current.set(faults)
    return faults


def end(faults: Counter[str]) -> None:
    """Stop counting into ``faults`` if it is still the calling task's counter."""
    if _current.get() is faults:
        _current.set(None)
