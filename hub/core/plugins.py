"""The plugin host: entry-point discovery, validation, and dispatch by platform.

Plugins are found through the entry-point group ``hub.plugins`` and loaded
lazily, once per process. A plugin that fails to import, or implements a hook
that does not exist, is reported with its distribution name and the error while
the others still load. Two plugins claiming one platform name is an error that
names both.

Environment:

* ``HUB_LOAD_PLUGINS=a,b`` loads only those entry points (empty: none);
* ``HUB_DISABLE_PLUGINS=a,b`` blocks those;
* ``HUB_TRACE_PLUGINS=1`` traces every hook call and result to stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from hub.core import hookspecs
from hub.core.loading import loading
from hub.errors import NotFound, PluginError

ENTRY_POINT_GROUP = "hub.plugins"


@dataclass
class LoadProblem:
    """A plugin that could not be loaded, and why."""

    entry_point: str
    distribution: str
    error: str


@dataclass
class LoadedPlugin:
    name: str
    distribution: str
    version: str
    module: object
    platform: str | None = None
    hooks: list[str] = field(default_factory=list)


def _env_list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


class PluginHost:
    """Owns the pluggy manager and the typed facade the core calls hooks through."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.problems: list[LoadProblem] = []
        self._platforms: dict[str, LoadedPlugin] = {}
        self._infos: dict[str, Any] = {}
        self._callers: dict[tuple[str, str], Any] = {}
        self._direct: dict[tuple[str, str], Any] = {}  # (hook, platform) -> its one implementation
        self._loaded = False
        self._traced = False  # HUB_TRACE_PLUGINS: every call goes through pluggy's monitoring

    # --- loading -----------------------------------------------------------------
    def load(self) -> PluginHost:
        """Discover and register entry-point plugins (idempotent)."""
        if self._loaded:
            return self
        self._loaded = True
        only = _env_list("HUB_LOAD_PLUGINS")
        blocked = set(_env_list("HUB_DISABLE_PLUGINS") or [])
        with loading():
            for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                if (only is not None and ep.name not in only) or ep.name in blocked:
                    continue
                self._load_entry_point(ep)
        if os.environ.get("HUB_TRACE_PLUGINS", "") not in ("", "0"):
            self._trace()
        return self

    def _load_entry_point(self, ep: EntryPoint) -> None:
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        try:
            module = ep.load()
        except Exception as exc:  # a broken plugin must not stop the others
            self.problems.append(LoadProblem(ep.name, dist, f"import failed: {type(exc).__name__}: {exc}"))
            return
        self.register(module, name=ep.name, distribution=dist, version=version)

    def register(self, plugin: object, *, name: str, distribution: str = "(local)",
                 version: str = "0") -> LoadedPlugin | None:
        """Register one plugin object, validating its hooks and platform claim."""
        try:
            self.pm.register(plugin, name=name)
        except ValueError as exc:  # duplicate name or already registered
            self.problems.append(LoadProblem(name, distribution, str(exc)))
            return None
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(plugin)
            self.problems.append(LoadProblem(name, distribution, f"unknown hook: {exc}"))
            return None
        except Exception as exc:
            self.pm.unregister(plugin)
            self.problems.append(LoadProblem(name, distribution, str(exc)))
            return None
        loaded = LoadedPlugin(name=name, distribution=distribution, version=version, module=plugin,
                              hooks=sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
        try:
            info = self._platform_info_of(plugin)
        except Exception as exc:
            self.pm.unregister(plugin)
            self.problems.append(LoadProblem(name, distribution, f"platform_info failed: {exc}"))
            return None
        if info is not None:
            other = self._platforms.get(info.name)
            if other is not None:
                self.pm.unregister(plugin)
                self.problems.append(LoadProblem(
                    name, distribution,
                    f"platform '{info.name}' is claimed by both {other.distribution} and {distribution}",
                ))
                return None
            loaded.platform = info.name
            self._platforms[info.name] = loaded
            self._infos[info.name] = info
        self.plugins[name] = loaded
        self._callers.clear()
        self._direct.clear()
        return loaded

    def unregister(self, name: str) -> None:
        loaded = self.plugins.pop(name, None)
        if loaded is None:
            return
        self.pm.unregister(loaded.module)
        if loaded.platform:
            self._platforms.pop(loaded.platform, None)
            self._infos.pop(loaded.platform, None)
        self._callers.clear()
        self._direct.clear()

    def _platform_info_of(self, plugin: object) -> Any:
        for impl in self.pm.hook.platform_info.get_hookimpls():
            if impl.plugin is plugin:
                from hub.types import PlatformInfo

                info = impl.function()
                if not isinstance(info, PlatformInfo):
                    raise PluginError(f"platform_info returned {type(info).__name__}, "
                                      "expected hub.PlatformInfo")
                return info
        return None

    def _trace(self) -> None:
        """Print each hook call and its result type to stderr, redacted like every log line."""
        from hub.core.http.redact import redact

        def before(hook_name: str, _impls: Any, kwargs: Mapping[str, Any]) -> None:
            args = {k: v for k, v in kwargs.items() if k not in ("body", "credentials")}
            print(redact(f"hub: hook {hook_name}({args})"), file=sys.stderr)

        def after(outcome: Any, hook_name: str, _impls: Any, _kwargs: Any) -> None:
            print(f"hub: hook {hook_name} -> {type(outcome.get_result()).__name__}", file=sys.stderr)

        self.pm.add_hookcall_monitoring(before, after)
        self._traced = True

    # --- lookup --------------------------------------------------------------
    @property
    def platforms(self) -> dict[str, Any]:
        """Platform name -> :class:`hub.PlatformInfo`, for every loaded platform plugin."""
        self.load()
        return dict(self._infos)

    def info(self, platform: str) -> Any:
        self.load()
        info = self._infos.get(platform)
        if info is None:
            known = ", ".join(sorted(self._infos)) or "none installed"
            raise NotFound(f"no plugin for platform '{platform}' (installed: {known})",
                           hint="install it, e.g.: pip install hub-" + platform)
        return info

    def _caller(self, hook: str, platform: str) -> Any:
        key = (hook, platform)
        caller = self._callers.get(key)
        if caller is None:
            self.info(platform)
            others = [p.module for p in self._platforms.values() if p.platform != platform]
            caller = self._callers[key] = self.pm.subset_hook_caller(hook, remove_plugins=others)
        return caller

    def call(self, hook: str, platform: str, **kwargs: Any) -> Any:
        """Call a platform hook on ``platform``'s plugin only; raises when it does not implement it."""
        one = self._direct.get((hook, platform))
        if one is not None and not self._traced:
            try:
                args = [kwargs[a] for a in one.argnames]
            except KeyError:  # an argument missing: pluggy's dispatch says which
                pass
            else:
                return self._call_one(hook, one.function, args)
        if hook not in hookspecs.PLATFORM_HOOKS:
            raise PluginError(f"'{hook}' is not a platform hook")
        caller = self._caller(hook, platform)
        every = caller.get_hookimpls()
        impls = [i for i in every if not i.hookwrapper and not i.wrapper]
        if not impls:
            display = self._infos[platform].display_name
            raise PluginError(f"the {display} plugin does not implement '{hook}'",
                              hint="upgrade the plugin or switch that flow off for the account")
        if (len(every) == 1 and not self._traced and caller.spec is not None
                and caller.spec.opts.get("firstresult")
                and all(a in kwargs for a in impls[0].argnames)):
            self._direct[(hook, platform)] = impls[0]
            return self._call_one(hook, impls[0].function, [kwargs[a] for a in impls[0].argnames])
        return caller(**kwargs)

    @staticmethod
    def _call_one(hook: str, function: Any, args: list[Any]) -> Any:
        """The one implementation of a firstresult hook, called directly with the arguments
        it names: what pluggy's dispatch does then, without its per-call machinery (the
        import calls peek_order and parse_order once per order). Not taken when hook calls
        are traced."""
        return function(*args)

    def implements(self, hook: str, platform: str) -> bool:
        caller = self._caller(hook, platform)
        return any(not i.hookwrapper and not i.wrapper for i in caller.get_hookimpls())

    # --- typed facade --------------------------------------------------------
    async def authorize(self, account: Any, session: Any) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self.call("authorize", account.platform,
                                                        account=account, session=session)
        return result

    async def refresh_credentials(self, account: Any, credentials: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("refresh_credentials", account.platform,
                                                 account=account, credentials=credentials)
        return result

    def fetch_orders(self, account: Any, since: datetime, until: datetime | None
                     ) -> AsyncIterator[Any]:
        result: AsyncIterator[Any] = self.call("fetch_orders", account.platform, account=account,
                                               since=since, until=until)
        return result

    async def fetch_order(self, account: Any, order_id: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self.call("fetch_order", account.platform,
                                                        account=account, order_id=order_id)
        return result

    def parse_order(self, account: Any, payload: dict[str, Any]) -> Any:
        return self.call("parse_order", account.platform, account=account, payload=payload)

    def peek_order(self, account: Any, payload: dict[str, Any]) -> Any:
        return self.call("peek_order", account.platform, account=account, payload=payload)

    def fetch_products(self, account: Any, product_ids: list[str] | None) -> AsyncIterator[Any]:
        result: AsyncIterator[Any] = self.call("fetch_products", account.platform,
                                               account=account, product_ids=product_ids)
        return result

    def map_product(self, account: Any, payload: dict[str, Any]) -> Any:
        return self.call("map_product", account.platform, account=account, payload=payload)

    async def push_stock(self, account: Any, updates: list[Any]) -> list[Any]:
        result: list[Any] = await self.call("push_stock", account.platform, account=account,
                                            updates=updates)
        return result

    async def push_price(self, account: Any, updates: list[Any]) -> list[Any]:
        result: list[Any] = await self.call("push_price", account.platform, account=account,
                                            updates=updates)
        return result

    async def push_tracking(self, account: Any, shipment: Any) -> Any:
        return await self.call("push_tracking", account.platform, account=account, shipment=shipment)

    async def push_order_state(self, account: Any, update: Any) -> Any:
        return await self.call("push_order_state", account.platform, account=account,
                               update=update)
    async def push_invoice(self, account: Any, invoice: Any) -> Any:
        return await self.call("push_invoice", account.platform, account=account, invoice=invoice)
    async def track_shipments(self, account: Any, shipments: list[Any]) -> list[Any]:
        result: list[Any] = await self.call("track_shipments", account.platform,
                                            account=account, shipments=shipments)
        return result

    def check_tracking_number(self, account: Any, tracking_number: str) -> str | None:
        """What the carrier says is wrong with ``tracking_number`` (None: nothing, or the
        plugin does not check)."""
        if not self.implements("check_tracking_number", account.platform):
            return None
        result: str | None = self.call("check_tracking_number", account.platform,
                                       account=account, tracking_number=tracking_number)
        return result

    async def push_product(self, account: Any, product: Any) -> Any:
        return await self.call("push_product", account.platform, account=account, product=product)

    async def push_products(self, account: Any, products: list[Any]) -> list[Any]:
        result: list[Any] = await self.call("push_products", account.platform, account=account,
                                            products=products)
        return result

    def fetch_customers(self, account: Any, since: datetime | None) -> AsyncIterator[Any]:
        result: AsyncIterator[Any] = self.call("fetch_customers", account.platform,
                                               account=account, since=since)
        return result

    async def push_customer(self, account: Any, customer: Any) -> Any:
        return await self.call("push_customer", account.platform, account=account,
                               customer=customer)

    def verify_webhook(self, account: Any, headers: Mapping[str, str], body: bytes) -> bool:
        return bool(self.call("verify_webhook", account.platform, account=account,
                              headers=headers, body=body))

    def parse_webhook(self, account: Any, headers: Mapping[str, str], body: bytes) -> Any:
        return self.call("parse_webhook", account.platform, account=account, headers=headers,
                         body=body)

    def create_sandbox(self, platform: str, options: Any) -> Any:
        return self.call("create_sandbox", platform, options=options)

    # ---- connections ----
    async def revoke_authorization(self, account: Any) -> bool | None:
        """The plugin's revoke (None when it has none: the platform offers no revocation)."""
        if not self.implements("revoke_authorization", account.platform):
            return None
        return bool(await self.call("revoke_authorization", account.platform, account=account))

    async def store_currency(self, account: Any) -> str | None:
        """The store's currency as the platform reports it (None when the plugin cannot say)."""
        if not self.implements("store_currency", account.platform):
            return None
        code = await self.call("store_currency", account.platform, account=account)
        return str(code).upper() if code else None
    # --- support tickets ---------------------------------------------------------
    def fetch_tickets(self, account: Any, since: datetime) -> AsyncIterator[Any]:
        result: AsyncIterator[Any] = self.call("fetch_tickets", account.platform, account=account,
                                               since=since)
        return result

    async def fetch_ticket(self, account: Any, ticket_id: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self.call("fetch_ticket", account.platform,
                                                        account=account, ticket_id=ticket_id)
        return result

    def parse_ticket(self, account: Any, payload: dict[str, Any]) -> Any:
        return self.call("parse_ticket", account.platform, account=account, payload=payload)

    async def reply_ticket(self, account: Any, ticket: Any, message: Any) -> Any:
        return await self.call("reply_ticket", account.platform, account=account, ticket=ticket,
                               message=message)

    # --- broadcast -----------------------------------------------------------
    def order_imported(self, account: Any, order: Any, created: bool) -> None:
        self._broadcast("order_imported", account=account, order=order, created=created)

    def sync_failed(self, account: Any, flow: str, run_id: int, error: str) -> None:
        self._broadcast("sync_failed", account=account, flow=flow, run_id=run_id, error=error)

    def register_commands(self, cli: Any) -> None:
        self._broadcast("register_commands", cli=cli)

    def _broadcast(self, hook: str, **kwargs: Any) -> None:
        import logging

        self.load()
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception:
                logging.getLogger("hub.plugins").exception(
                    "plugin %s failed in %s", impl.plugin_name, hook)


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host (loaded on first use)."""
    global _host
    if _host is None:
        _host = PluginHost()
    return _host.load()


def reset_host(host: PluginHost | None = None) -> None:
    """Replace the process-wide host (tests)."""
    global _host
    _host = host
