"""The hub's service container: configuration, database, secrets, plugins and accounts.

The CLI, the daemon and tests build one :class:`HubApp` and reach every service
through it, so there is exactly one engine, one plugin host and one cache of
live accounts (with their rate limiters and token refreshers) per process.
"""

from __future__ import annotations

import time
from functools import cached_property
from pathlib import Path

import httpx

from hub.core.accounts import AccountService
from hub.core.config import DEFAULT_CURRENCY, Config, env_currency
from hub.core.http.retry import RetryPolicy
from hub.core.plugins import PluginHost, get_host
from hub.core.secrets import SecretBox
from hub.core.storage.db import Database
from hub.core.storage.models import HubSetting


class HubApp:
    def __init__(self, config: Config | None = None, *, host: PluginHost | None = None) -> None:
        self.config = config or Config.from_env()
        self._host = host
        self.retry_policy: RetryPolicy | None = None  # None: each client's own default
        self.transport: httpx.AsyncBaseTransport | None = None  # benchmarks count requests here
        self.settings_ttl = 0.0
        """Seconds a hub-wide setting read from the database is reused (0: read every time).
        ``hub worker`` sets it (:data:`hub.core.queue.SETTINGS_TTL`): every job reads the hub's
        currency, a round trip and a commit per job otherwise."""
        self._settings: dict[str, tuple[float, str | None]] = {}

    @classmethod
    def for_data_dir(cls, data_dir: Path | str, *, host: PluginHost | None = None) -> HubApp:
        return cls(Config.from_env(data_dir), host=host)

    @cached_property
    def db(self) -> Database:
        if self.config.database_url.startswith("sqlite:"):
            self.config.ensure_data_dir()
        return Database(self.config.database_url)

    @cached_property
    def box(self) -> SecretBox:
        return SecretBox.from_config(self.config)

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            self._host = get_host()
        return self._host.load()

    @cached_property
    def accounts(self) -> AccountService:
        return AccountService(self)

    # --- hub-wide settings ---------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        if self.settings_ttl > 0:
            kept = self._settings.get(key)
            if kept is not None and time.monotonic() - kept[0] < self.settings_ttl:
                return kept[1]
        with self.db.session() as s:
            row = s.get(HubSetting, key)
            value = row.value if row else None
        if self.settings_ttl > 0:
            self._settings[key] = (time.monotonic(), value)
        return value

    def set_setting(self, key: str, value: str) -> None:
        with self.db.session() as s:
            s.merge(HubSetting(key=key, value=value))
        self._settings.pop(key, None)
        self._settings.pop("\0currency", None)

    @property
    def currency(self) -> str:
        """The hub's currency: ``HUB_CURRENCY``, else ``hub config set currency X``, else USD."""
        kept = self._settings.get("\0currency")  # HUB_CURRENCY read too: the environment is parsed
        if kept is not None and time.monotonic() - kept[0] < self.settings_ttl:
            return kept[1] or DEFAULT_CURRENCY
        currency = env_currency() or self.get_setting("currency") or DEFAULT_CURRENCY
        if self.settings_ttl > 0:
            self._settings["\0currency"] = (time.monotonic(), currency)
        return currency

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
