"""The account as plugins see it: settings, credentials and an HTTP client factory.

Every platform hook receives an :class:`Account`. It holds the account's
settings (secrets already decrypted, in memory only), its stored credentials,
and builds HTTP clients that share the account's rate limiters and token
refresher, so every request of one account obeys one limit and one refresh
lock, whichever job sends it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from hub.core.http.client import Classifier, HttpClient
from hub.core.http.ratelimit import RateLimiter
from hub.core.http.redact import replace_secrets
from hub.core.http.retry import RetryPolicy
from hub.core.http.tokens import TokenRefresher
from hub.errors import ConfigError
from hub.settings import CoreSettings, SettingsView, schema_for
from hub.types import SettingSpec

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
LimiterSpec = tuple[float | None, float]


def secret_owner(platform: str, name: str, part: str) -> str:
    """The redaction owner of one account's ``part`` (``credentials`` or ``settings``)."""
    return f"account:{platform}/{name}#{part}"


@dataclass
class AccountRuntime:
    """What the core lends an account: shared limiters, the token refresher, a transport.

    The storage layer builds one per account with ``refresher`` wired to the
    database lock; tests and plugin unit tests get an in-memory one.
    """

    refresher: TokenRefresher | None = None
    limiters: dict[str, RateLimiter] = field(default_factory=dict)
    transport: httpx.AsyncBaseTransport | None = None
    clients: dict[str, HttpClient] = field(default_factory=dict)
    retry: RetryPolicy | None = None
    """The retry policy of clients that do not choose one (tests shorten the waits)."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Per-account scratch space for a plugin (a category tree, a location id); dropped
    with the live account when its settings change."""
    limiter_specs: dict[str, LimiterSpec] = field(default_factory=dict)
    """The ``(rate, burst)`` each limiter of :attr:`limiters` was created with."""
    kept: dict[str, tuple[LimiterSpec, RateLimiter]] = field(default_factory=dict)
    """Limiters of the account's previous runtime (dropped because its settings or
    credentials changed): :meth:`Account.limiter` takes one back for an api asked for
    with the same rate and burst, so what it learned from the platform (a pause after
    a 429, a rate synced from headers, the tokens spent) outlives the change."""

    def handover(self) -> dict[str, tuple[LimiterSpec, RateLimiter]]:
        """The limiters a successor runtime may take back (see :attr:`kept`)."""
        found = dict(self.kept)
        found.update({api: (self.limiter_specs[api], limiter)
                      for api, limiter in self.limiters.items() if api in self.limiter_specs})
        return found

    def memo(self, name: str) -> dict[str, Any]:
        """The dict ``name`` in :attr:`cache`, created empty on first use: what a plugin reads
        once per account runtime (instead of a module-level cache keyed by client)."""
        found: dict[str, Any] = self.cache.setdefault(name, {})
        return found


@dataclass
class Account:
    """One connected store or seller account on one platform.

    Its ``repr`` names the account only: settings and credentials never appear in
    it (a trace or a traceback may print it). The credentials' values are masked in
    every redacted text; assigning new credentials (a token rotation) replaces the
    masked set, so old tokens do not pile up in the registry.
    """

    name: str
    platform: str
    settings: Mapping[str, str] = field(default_factory=dict, repr=False)
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)
    id: int = 0
    display_name: str = ""
    runtime: AccountRuntime = field(default_factory=AccountRuntime, repr=False)
    schema: Mapping[str, SettingSpec] | None = field(default=None, repr=False)
    """The account's settings schema (core settings refined by the plugin's); None: looked up
    from the loaded plugin of ``platform``, else the core settings alone."""

    def __post_init__(self) -> None:
        if not self.display_name:
            self.display_name = self.platform

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "credentials" and isinstance(value, Mapping):
            replace_secrets(secret_owner(self.platform, self.name, "credentials"), value.values())

    @property
    def label(self) -> str:
        """How messages name the account: ``WooCommerce account 'main'``."""
        return f"{self.display_name} account '{self.name}'"

    # --- settings -----------------------------------------------------------
    @property
    def view(self) -> SettingsView:
        """The settings read through the schema: aliases resolved, declared defaults applied."""
        cached = self.__dict__.get("_view")
        if cached is None or cached[0] is not self.settings:
            schema = self.schema if self.schema is not None else _platform_schema(self.platform)
            cached = (self.settings, SettingsView(schema, self.settings, self.label))
            self.__dict__["_view"] = cached
        view: SettingsView = cached[1]
        return view

    @property
    def core(self) -> CoreSettings:
        """The core-owned settings, typed (backfill, intervals, rate, concurrency, webhook secret)."""
        return self.view.core

    def setting(self, name: str, default: str | None = None) -> str | None:
        """The value of setting ``name`` (or of an old alias), else ``default``, else its declared default."""
        return self.view.get(name, default)

    def require(self, name: str) -> str:
        value = self.setting(name)
        if value is None:
            raise ConfigError(f"{self.label} has no setting '{name}'",
                              hint=f"run: hub accounts set {self.name} {name}=VALUE")
        return value

    def setting_bool(self, name: str, default: bool = False) -> bool:
        value = self.setting(name)
        return default if value is None else value.strip().lower() in TRUE_WORDS

    def setting_int(self, name: str, default: int) -> int:
        value = self.setting(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{self.label}: setting '{name}' must be a whole number, "
                              f"got '{value}'") from None

    def setting_list(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.setting(name)
        if value is None:
            return list(default or [])
        return [part.strip() for part in value.split(",") if part.strip()]

    # --- HTTP -----------------------------------------------------------------
    def limiter(self, api: str = "default", *, rate: float | None = None,
                burst: float = 1.0) -> RateLimiter:
        """The account's limiter for ``api``, created on first use with ``rate``/s and ``burst``.

        The first use after the account's settings or credentials changed takes back the
        previous runtime's limiter when it was created with the same ``rate`` and ``burst``
        (:attr:`AccountRuntime.kept`); a changed rate starts a new one.
        """
        runtime = self.runtime
        limiter = runtime.limiters.get(api)
        if limiter is None:
            spec: LimiterSpec = (rate, burst)
            previous = runtime.kept.pop(api, None)
            limiter = previous[1] if previous is not None and previous[0] == spec \
                else RateLimiter(rate=rate, burst=burst)
            runtime.limiters[api], runtime.limiter_specs[api] = limiter, spec
        return limiter

    def client(self, base_url: str, *, api: str = "default", auth: httpx.Auth | None = None,
               headers: Mapping[str, str] | None = None, rate: float | None = None,
               burst: float = 1.0, retry: RetryPolicy | None = None, timeout: float = 30.0,
               classify: Classifier | None = None, token_header: str | None = None,
               token_scheme: str | None = "Bearer",
               on_response: Callable[[httpx.Response], None] | None = None) -> HttpClient:
        """An HTTP client for this account, cached per ``api``.

        :param token_header: send the account's access token in this header,
            refreshing it through the core's per-account lock on expiry or 401
            (requires the plugin to implement ``refresh_credentials``).
        :param rate: requests (or cost points) per second for ``api``'s limiter.
        """
        client = self.runtime.clients.get(api)
        if client is not None:
            return client
        refresher = self.runtime.refresher if token_header else None
        if token_header and refresher is None:
            refresher = self.runtime.refresher = TokenRefresher.in_memory(self.credentials)
        client = HttpClient(
            base_url,
            name=self.label,
            auth=auth,
            headers=headers,
            limiter=self.limiter(api, rate=rate, burst=burst),
            retry=retry or self.runtime.retry or RetryPolicy(),
            timeout=timeout,
            classify=classify,
            on_response=on_response,
            transport=self.runtime.transport,
            refresher=refresher,
            token_header=token_header or "Authorization",
            token_scheme=token_scheme,
            reauthorize_hint=f"run: hub accounts authorize {self.name}",
        )
        self.runtime.clients[api] = client
        return client

    async def release(self) -> None:
        """Close the idle sockets of this account's clients, keeping the clients (see
        :meth:`hub.core.http.client.HttpClient.release`)."""
        for client in list(self.runtime.clients.values()):
            await client.release()

    async def aclose(self) -> None:
        """Close every client this account opened."""
        for client in list(self.runtime.clients.values()):
            await client.aclose()
        self.runtime.clients.clear()


CredentialsSaver = Callable[[dict[str, Any]], Awaitable[None]]


def _platform_schema(platform: str) -> dict[str, SettingSpec]:
    """The schema of ``platform``'s loaded plugin, or the core settings alone."""
    try:
        from hub.core.plugins import get_host

        info = get_host().platforms.get(platform)
    except Exception:  # no plugins loadable here (a bare unit test)
        info = None
    return schema_for(info.settings if info is not None else ())
