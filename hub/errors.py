"""Errors that say what to do and whose fault it is.

Every error the hub raises carries an :class:`Action` (what the caller or the
scheduler should do next) and a :class:`Fault` (who has to fix it). Messages
are one line, say what to do, and never contain a secret.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    RETRY = "retry"  # transient: try again with backoff
    RATE_LIMITED = "rate_limited"  # wait for the platform's limit, then retry
    REAUTHORIZE = "reauthorize"  # credentials are bad or revoked: run `hub accounts authorize`
    FAIL = "fail"  # retrying will not help until something is fixed
    IGNORE = "ignore"  # nothing to do


class Fault(StrEnum):
    CONFIG = "configuration"
    PLATFORM = "platform"
    SYSTEM = "system"
    DATA = "data"


class HubError(Exception):
    """Base class. ``hint`` is the one thing the user should do about it."""

    action: Action = Action.FAIL
    fault: Fault = Fault.SYSTEM
    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None,
                 action: Action | None = None, fault: Fault | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if action is not None:
            self.action = action
        if fault is not None:
            self.fault = fault

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class ConfigError(HubError):
    """Bad setting, argument or environment variable (exit code 2)."""

    fault = Fault.CONFIG
    exit_code = 2


class NotFound(HubError):
    """A named thing (account, order, run, SKU) does not exist."""

    fault = Fault.CONFIG
    exit_code = 2


class PluginError(HubError):
    """A plugin failed to load or broke its contract."""

    fault = Fault.SYSTEM


class AuthError(HubError):
    """Credentials rejected, expired beyond refresh, or revoked."""

    action = Action.REAUTHORIZE
    fault = Fault.CONFIG


class RateLimited(HubError):
    """The platform kept rejecting requests for rate after every retry."""

    action = Action.RATE_LIMITED
    fault = Fault.PLATFORM

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class TransientError(HubError):
    """A 5xx, timeout or connection error that outlasted the retries."""

    action = Action.RETRY
    fault = Fault.PLATFORM


class PlatformError(HubError):
    """The platform refused a request for a reason retrying will not fix (a 4xx)."""

    fault = Fault.PLATFORM

    def __init__(self, message: str, *, status: int | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.status = status


class PaginationLoop(HubError):
    """A platform returned a page cursor or page it had already returned."""

    action = Action.RETRY
    fault = Fault.PLATFORM


class DataError(HubError):
    """A record cannot be imported as it is; it is quarantined with this reason."""

    fault = Fault.DATA
