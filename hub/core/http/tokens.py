"""Access tokens that refresh once: one refresh at a time per account, saved before use."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from hub.core.http import faults
from hub.core.http.redact import register_secret
from hub.errors import AuthError, PluginError

Credentials = dict[str, Any]
RefreshFn = Callable[[Credentials], Awaitable[Credentials]]


class TokenRefresher:
    """Hands out an account's current access token and refreshes it safely.

    Credentials are dicts with ``access_token``, optional ``refresh_token`` and
    optional ``expires_at`` (aware ISO 8601). A refresh runs under an
    in-process lock and the external ``lock()`` (the core's cross-process
    database lease), re-reads the stored credentials first and skips the
    refresh when someone else already replaced the token, so single-use
    refresh tokens are spent exactly once. The new credentials are saved before
    anyone gets them.

    :param load: read the stored credentials.
    :param refresh: exchange credentials for new ones (the plugin's
        ``refresh_credentials`` hook); ``None`` means tokens cannot be refreshed.
        Stored as the replaceable attribute ``refresh_fn``.
    :param save: store new credentials durably.
    :param lock: a factory of the cross-process lock held around a refresh.
    :param skew: refresh this many seconds before ``expires_at``.
    """

    def __init__(self, *, load: Callable[[], Awaitable[Credentials]], refresh: RefreshFn | None,
                 save: Callable[[Credentials], Awaitable[None]],
                 lock: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
                 skew: float = 60.0) -> None:
        self._load = load
        self.refresh_fn = refresh
        self._save = save
        self._lock = lock
        self.skew = skew
        self.refreshes = 0  # refreshes this instance performed
        self._cached: Credentials | None = None
        self._mutex: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @classmethod
    def in_memory(cls, credentials: Credentials, refresh: RefreshFn | None = None
                  ) -> TokenRefresher:
        """A refresher over the ``credentials`` dict itself (updated in place on refresh)."""
        async def load() -> Credentials:
            return dict(credentials)

        async def save(new: Credentials) -> None:
            credentials.clear()
            credentials.update(new)

        return cls(load=load, refresh=refresh, save=save)

    async def current(self) -> Credentials:
        """The credentials to use now, refreshed first when missing or about to expire."""
        creds = self._cached if self._cached is not None else self._remember(await self._load())
        if self._needs_refresh(creds):
            creds = await self.refresh(creds.get("access_token"))
        return creds

    async def refresh(self, stale_access_token: str | None) -> Credentials:
        """Replace ``stale_access_token`` (rejected or expiring) and return the new credentials.

        If the stored token already differs from ``stale_access_token`` and is
        still valid, another task or process refreshed it: that one is returned.
        :raises hub.errors.AuthError: no refresh is possible, or the platform refused it.
        """
        async with self._local_lock(), self._lock() if self._lock else contextlib.nullcontext():
            loaded = await self._load()
            token = loaded.get("access_token")
            if token and token != stale_access_token and not self._needs_refresh(loaded):
                return self._remember(loaded)
            if self.refresh_fn is None:
                raise AuthError("the access token expired or was rejected, "
                                "and the platform offers no way to refresh it")
            result = await self.refresh_fn(loaded)
            if not result.get("access_token"):
                raise PluginError("refresh_credentials returned no access_token")
            _register(result)  # masked from now on, but nobody uses it before it is saved
            fresh = {**loaded, **result}
            if not result.get("refresh_token") and loaded.get("refresh_token"):
                fresh["refresh_token"] = loaded["refresh_token"]
            if result.get("expires_at") is None:
                fresh.pop("expires_at", None)  # the old expiry would trigger refresh after refresh
            elif isinstance(result["expires_at"], datetime):
                fresh["expires_at"] = result["expires_at"].isoformat()
            await self._save(fresh)
            self.refreshes += 1
            faults.record(faults.TOKEN_REFRESHED)
            return self._remember(fresh)

    def _needs_refresh(self, creds: Credentials) -> bool:
        if not creds.get("access_token"):
            return True
        left = _seconds_left(creds.get("expires_at"))
        if left is None:
            return False
        # Without a way to refresh, a token is used until it has really expired.
        return left <= 0 or (left <= self.skew and self.refresh_fn is not None)

    def _remember(self, creds: Credentials) -> Credentials:
        _register(creds)
        self._cached = creds
        return creds

    def _local_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._mutex is None or self._mutex[0] is not loop:
            self._mutex = (loop, asyncio.Lock())
        return self._mutex[1]


def _register(creds: Credentials) -> None:
    for name in ("access_token", "refresh_token"):
        if isinstance(value := creds.get(name), str):
            register_secret(value)


def _seconds_left(expires_at: object) -> float | None:
    """Seconds until ``expires_at`` (ISO string or datetime; naive means UTC), or None if unknown."""
    if isinstance(expires_at, str):
        try:
            expires_at = datetime.fromisoformat(expires_at)
        except ValueError:
            return None
    if not isinstance(expires_at, datetime):
        return None
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return (expires_at - datetime.now(UTC)).total_seconds()
