"""The hub's service container: configuration, database, secrets, plugins and accounts.

The CLI, the daemon and tests build one :class:`HubApp` and reach every service
through it, so there is exactly one engine, one plugin host and one cache of
live accounts (with their rate limiters and token refreshers) per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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

_CURRENCY = "\0currency"
"""Where the hub's currency (``HUB_CURRENCY`` else the setting) is kept: no setting's key."""


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
        return self._kept(key, lambda: self._read_setting(key))

    def _read_setting(self, key: str) -> str | None:
        with self.db.session() as s:
            row = s.get(HubSetting, key)
            return row.value if row else None

    def _kept(self, key: str, read: Callable[[], str | None]) -> str | None:
        """``read()``, reused for :attr:`settings_ttl` seconds when that is set."""
        if self.settings_ttl <= 0:
            return read()
        kept = self._settings.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.settings_ttl:
            return kept[1]
        value = read()
        self._settings[key] = (time.monotonic(), value)
        return value

    def set_setting(self, key: str, value: str) -> None:
        with self.db.session() as s:
            s.merge(HubSetting(key=key, value=value))
        self._settings.pop(key, None)
        self._settings.pop(_CURRENCY, None)

    @property
    def currency(self) -> str:
        """The hub's currency: ``HUB_CURRENCY``, else ``hub config set currency X``, else USD."""
        return self._kept(_CURRENCY, lambda: env_currency() or self._read_setting("currency")) \
            or DEFAULT_CURRENCY

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
