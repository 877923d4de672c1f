"""Backoff policy and ``Retry-After`` parsing."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BUDGET_SETTING = "retry_budget_seconds"
"""The account setting that sets :attr:`RetryPolicy.budget`."""
DEFAULT_BUDGET = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """How long to retry: full-jitter exponential backoff within a budget of time.

    A request is retried (429, 5xx, network errors) for as long as its retries
    fit in ``budget`` seconds, counted from its first attempt: a 429 burst of a
    dozen answers, each with ``Retry-After``, is waited out, not given up on.

    :param budget: seconds a request may spend retrying (waits included); a
        wait that would end past the budget is not started, and the request
        fails naming the ``retry_budget_seconds`` setting.
    :param max_attempts: optionally, attempts in total (the first one included)
        after which to stop even within the budget; ``None``: the budget alone decides.
    :param base_delay: the cap of the first retry's delay, in seconds; it doubles per retry.
    :param max_delay: the largest backoff chosen by the hub (a platform's
        ``Retry-After`` is honoured whatever its length, within the budget).
    :param jitter: randomise delays (disable only in tests).
    """

    max_attempts: int | None = None
    base_delay: float = 0.5
    max_delay: float = 60.0
    jitter: bool = True
    budget: float = DEFAULT_BUDGET

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not self.budget >= 0:
            raise ValueError("budget must be a number of seconds >= 0")

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


def account_policy(settings: Mapping[str, str], base: RetryPolicy | None = None
                   ) -> RetryPolicy | None:
    """``base`` with the budget an account's ``retry_budget_seconds`` setting asks for.

    ``None`` (each client's own default) when neither says anything.
    """
    value = str(settings.get(BUDGET_SETTING) or "").strip()
    if not value:
        return base
    return replace(base or RetryPolicy(), budget=float(value))


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
