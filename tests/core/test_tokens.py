import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.core.http.redact import redact
from hub.core.http.tokens import TokenRefresher
from hub.errors import AuthError


def _at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


class Store:
    """A fake credentials table with a refresh callable and an external lock, logging events."""

    def __init__(self, creds: dict[str, Any], new_token: str = "tk-new-access-1") -> None:
        self.creds = dict(creds)
        self.events: list[str] = []
        self.new_token = new_token
        self.refresher = TokenRefresher(load=self.load, refresh=self.refresh, save=self.save,
                                        lock=self.lock)

    async def load(self) -> dict[str, Any]:
        return dict(self.creds)

    async def save(self, creds: dict[str, Any]) -> None:
        self.events.append(f"save {creds['access_token']}")
        self.creds = dict(creds)

    async def refresh(self, creds: dict[str, Any]) -> dict[str, Any]:
        self.events.append(f"refresh {creds['access_token']}")
        await asyncio.sleep(0.01)  # let concurrent callers pile up
        return {"access_token": self.new_token, "expires_at": _at(3600)}

    @asynccontextmanager
    async def lock(self):  # type: ignore[no-untyped-def]
        self.events.append("lock")
        yield
        self.events.append("unlock")


def test_current_returns_valid_credentials_without_refreshing() -> None:
    store = Store({"access_token": "tk-valid-1", "expires_at": _at(3600)})
    creds = asyncio.run(store.refresher.current())
    assert creds["access_token"] == "tk-valid-1"
    assert store.events == []


def test_current_refreshes_within_skew_saves_and_keeps_refresh_token() -> None:
    store = Store({"access_token": "tk-old-2", "refresh_token": "tk-refresh-2",
                   "expires_at": _at(30), "seller": "42"})
    creds = asyncio.run(store.refresher.current())
    assert creds["access_token"] == "tk-new-access-1"
    assert creds["refresh_token"] == "tk-refresh-2"
    assert creds["seller"] == "42"
    assert store.creds == creds
    assert store.events == ["lock", "refresh tk-old-2", "save tk-new-access-1", "unlock"]
    assert store.refresher.refreshes == 1


def test_concurrent_current_calls_refresh_once() -> None:
    store = Store({"access_token": "tk-old-3", "expires_at": _at(-5)})

    async def main() -> list[dict[str, Any]]:
        return await asyncio.gather(*(store.refresher.current() for _ in range(5)))

    results = asyncio.run(main())
    assert {r["access_token"] for r in results} == {"tk-new-access-1"}
    assert [e for e in store.events if e.startswith("refresh")] == ["refresh tk-old-3"]


def test_refresh_is_skipped_when_another_process_already_replaced_the_token() -> None:
    store = Store({"access_token": "tk-from-other-process", "expires_at": _at(3600)})
    creds = asyncio.run(store.refresher.refresh("tk-stale-4"))
    assert creds["access_token"] == "tk-from-other-process"
    assert store.events == ["lock", "unlock"]


def test_refresh_of_the_stale_token_does_refresh() -> None:
    store = Store({"access_token": "tk-stale-5", "expires_at": _at(3600)})
    creds = asyncio.run(store.refresher.refresh("tk-stale-5"))
    assert creds["access_token"] == "tk-new-access-1"
    assert "save tk-new-access-1" in store.events


def test_old_expiry_is_dropped_when_the_platform_returns_none() -> None:
    async def refresh(creds: dict[str, Any]) -> dict[str, Any]:
        return {"access_token": "tk-new-6", "refresh_token": "tk-new-refresh-6"}

    stored = {"access_token": "tk-old-6", "refresh_token": "tk-r-6", "expires_at": _at(-1)}
    refresher = TokenRefresher.in_memory(stored, refresh)
    creds = asyncio.run(refresher.current())
    assert creds == {"access_token": "tk-new-6", "refresh_token": "tk-new-refresh-6"}
    assert stored == creds  # in_memory updates the dict it was given


def test_new_tokens_are_registered_as_secrets() -> None:
    store = Store({"access_token": "tk-old-7", "expires_at": _at(-1)},
                  new_token="tk-brand-new-7")
    asyncio.run(store.refresher.current())
    assert redact("sent tk-brand-new-7") == "sent ***"


def test_in_memory_without_refresh_raises_auth_error_only_when_expired() -> None:
    soon = TokenRefresher.in_memory({"access_token": "tk-soon-8", "expires_at": _at(30)})
    assert asyncio.run(soon.current())["access_token"] == "tk-soon-8"
    expired = TokenRefresher.in_memory({"access_token": "tk-exp-8", "expires_at": _at(-1)})
    with pytest.raises(AuthError):
        asyncio.run(expired.current())


def test_refresh_fn_can_be_wired_later() -> None:
    refresher = TokenRefresher.in_memory({"access_token": "tk-old-9"})

    async def refresh(creds: dict[str, Any]) -> dict[str, Any]:
        return {"access_token": "tk-new-9"}

    refresher.refresh_fn = refresh
    assert asyncio.run(refresher.refresh("tk-old-9"))["access_token"] == "tk-new-9"
