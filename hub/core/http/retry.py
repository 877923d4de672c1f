"""Backoff policy and ``Retry-After`` parsing."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: full-jitter exponential backoff.

    :param max_attempts: attempts in total, the first one included.
    :param base_delay: the cap of the first retry's delay, in seconds; it doubles per retry.
    :param max_delay: the largest backoff; a ``Retry-After`` longer than this is
        not waited for inside a request (the client gives up and reports it).
    :param jitter: randomise delays (disable only in tests).
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 60.0
    jitter: bool = True

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retrying after failed attempt number ``attempt`` (0-based).

        With ``retry_after`` (the platform's own word) the wait is that plus up to
        10% jitter, never less; otherwise ``uniform(0, min(max_delay, base * 2**attempt))``.
        """
        if retry_after is not None:
            retry_after = max(0.0, retry_after)
            return retry_after + (random.uniform(0, retry_after * 0.1) if self.jitter else 0.0)
        cap = min(self.max_delay, self.base_delay * 2.0 ** min(attempt, 64))
        return random.uniform(0, cap) if self.jitter else cap


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delta-seconds or an HTTP-date.

    Returns ``None`` for a missing or unreadable value, and ``0.0`` for a date in the past.
    """
    if value is None or not (value := value.strip()):
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
