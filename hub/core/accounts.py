"""Accounts: settings validated against the plugin's schema, secrets encrypted, live handles.

Settings a plugin marks secret, and every credential ``authorize`` returns, are
stored encrypted (:class:`hub.core.secrets.SecretBox`) and never shown. The
settings below apply to every account whatever its platform.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from hub.account import Account, AccountRuntime, secret_owner
from hub.core.http.redact import replace_secrets
from hub.core.http.retry import account_policy
from hub.core.http.tokens import TokenRefresher
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.errors import AuthError, ConfigError, NotFound
from hub.settings import CORE_SETTING_NAMES as CORE_SETTING_NAMES  # named once, in hub.settings
from hub.settings import CORE_SETTINGS as CORE_SETTINGS
from hub.settings import CoreSettings, SettingsView, canonical_values, schema_for
from hub.types import Capability, PlatformInfo, SettingSpec

if TYPE_CHECKING:
    from hub.core.deps import CoreServices

log = logging.getLogger("hub.accounts")

FLOWS = ("orders", "stock", "price", "tracking", "status", "tickets", "tracking_in")

FLOW_CAPABILITY = {"tracking_in": "carrier"}
"""The capability a flow needs when it is not named like the flow itself."""


def flows_of(info: PlatformInfo | None) -> tuple[str, ...]:
    """The flows an account of this platform has: a carrier's is ``tracking_in`` alone."""
    if info is not None and Capability.CARRIER in info.capabilities:
        return ("tracking_in",)
    return tuple(f for f in FLOWS if f != "tracking_in")


CORE_REFERENCE_KEYS = ("expires_at", "scope")
"""Credential fields every account may show; plugins add theirs (``PlatformInfo.reference_keys``)."""


def _check_value(spec: SettingSpec, value: str, label: str) -> str:
    value = value.strip()
    if spec.kind in ("int", "float"):
        number, what = (int, "a whole number") if spec.kind == "int" else (float, "a number")
        try:
            if number(value) < 0:
                raise ValueError
        except ValueError:
            raise ConfigError(f"{label} setting '{spec.name}' must be {what} >= 0, "
                              f"got '{value}'") from None
    elif spec.kind == "bool":
        if value.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise ConfigError(f"{label} setting '{spec.name}' must be true or false, got '{value}'")
    elif spec.kind == "url":
        if not value.startswith(("http://", "https://")) or "://" not in value or len(value) < 10:
            raise ConfigError(f"{label} setting '{spec.name}' must be an http(s) URL such as "
                              f"https://shop.example.com, got '{value}'")
        value = value.rstrip("/")
    if spec.choices and value and value not in spec.choices:
        raise ConfigError(f"{label} setting '{spec.name}' must be one of "
                          f"{', '.join(spec.choices)}, got '{value}'")
    return value


def validate_settings(info: PlatformInfo, values: dict[str, str], *,
                      existing: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Split ``values`` into plain and secret settings, checking names, kinds and required ones.

    :raises ConfigError: naming the first unknown, invalid or missing setting and what is expected.
    """
    label = info.display_name
    specs = schema_for(info.settings)
    plain: dict[str, str] = {}
    secret: dict[str, str] = {}
    for name, raw in canonical_values(specs, values).items():
        spec = specs.get(name)
        if spec is None:
            known = ", ".join(sorted(specs))
            raise ConfigError(f"unknown {label} setting '{name}'; known settings: {known}")
        value = _check_value(spec, raw, label)
        (secret if spec.secret else plain)[name] = value
    have = {**canonical_values(specs, existing or {}), **plain, **secret}
    for spec in info.settings:
        if spec.required and not have.get(spec.name):
            raise ConfigError(f"missing {label} setting '{spec.name}' ({spec.description}); "
                              f"add: --set {spec.name}=VALUE")
    _ = SettingsView(specs, have, label=f"{label} account").core  # typed checks (a currency code)
    return plain, secret


Stamp = tuple[Any, ...]


def _stamp(row: AccountRow) -> Stamp:
    """What a live account must be current with: the row's settings, secrets and credentials
    as stored, and when it last changed (UTC, with or without the database's time zone)."""
    changed = row.updated_at
    if changed is not None and changed.tzinfo is not None:
        changed = changed.astimezone(UTC).replace(tzinfo=None)
    settings = json.dumps(row.settings or {}, sort_keys=True, default=str)
    return changed, settings, row.secrets_enc, row.credentials_enc


def _owner(row: AccountRow, part: str) -> str:
    """The redaction owner of ``row``'s ``part`` (``settings`` or ``credentials``)."""
    return secret_owner(row.platform, row.name, part)


_job_row: ContextVar[AccountRow | None] = ContextVar("hub_job_row", default=None)


@contextmanager
def job_row(row: AccountRow) -> Iterator[None]:
    """Within this block (a queued job), :meth:`AccountService.row` of ``row``'s account is ``row``.

    A worker reads the account's row to decide whether to run the job at all; the
    job's flow then asks for the same row by name a moment later. Reusing it
    saves a round trip and a commit per job; it is the state the job started with.
    """
    token = _job_row.set(row)
    try:
        yield
    finally:
        _job_row.reset(token)


async def _closed(live: Account) -> None:
    """Close a superseded live account's clients. Its connections may belong to an event loop
    that has ended (a CLI command changed the account, then ran another): nothing to send then."""
    try:
        await live.aclose()
    except RuntimeError as exc:  # "Event loop is closed": the sockets went with that loop
        log.debug("%s: its old clients were already unusable (%s)", live.label, exc)


class LeaseBusy(ConfigError):
    """Another process holds the lock (the same run is already going on): exit code 4."""

    exit_code = 4


class AccountService:
    def __init__(self, app: CoreServices) -> None:
        self.app = app
        self._live: dict[int, Account] = {}
        self._stamps: dict[int, set[Stamp]] = {}  # row states each live account is current with
        self._kept: dict[int, dict[str, Any]] = {}  # limiters of dropped live accounts
        self._running: dict[int, int] = {}  # account id -> its jobs running in this process
        self._retired: dict[int, list[Account]] = {}  # superseded live accounts, closed when idle
        self.holder = f"{socket.gethostname()}:{os.getpid()}"

    # --- rows ----------------------------------------------------------------
    def row(self, name: str) -> AccountRow:
        kept = _job_row.get()
        if kept is not None and kept.name == name:
            return kept
        with self.app.db.session() as s:
            row = s.exec(select(AccountRow).where(AccountRow.name == name)).first()
        if row is None:
            raise NotFound(f"no account named '{name}'", hint="see: hub accounts list")
        return row

    def row_by_id(self, account_id: int) -> AccountRow:
        kept = _job_row.get()
        if kept is not None and kept.id == account_id:
            return kept
        with self.app.db.session() as s:
            row = s.get(AccountRow, account_id)
        if row is None:
            raise NotFound(f"no account with id {account_id}")
        return row

    def rows(self, platform: str | None = None) -> list[AccountRow]:
        with self.app.db.session() as s:
            query = select(AccountRow).order_by(AccountRow.name)
            if platform:
                query = query.where(AccountRow.platform == platform)
            return list(s.exec(query).all())

    def add(self, platform: str, name: str, values: dict[str, str]) -> AccountRow:
        info = self.app.host.info(platform)
        if not name or len(name) > 100 or not name.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"account name '{name}' must be letters, digits, '-' or '_' "
                              "(at most 100)")
        plain, secret = validate_settings(info, values)
        with self.app.db.session() as s:
            if s.exec(select(AccountRow).where(AccountRow.name == name)).first():
                raise ConfigError(f"an account named '{name}' already exists",
                                  hint="choose another --name or run: hub accounts remove " + name)
            # a carrier imports no orders: it starts with nothing on (tracking_in is its switch)
            row = AccountRow(name=name, platform=platform, settings=plain,
                             secrets_enc=self.app.box.encrypt(secret) if secret else None,
                             flow_orders=Capability.ORDERS in info.capabilities)
            s.add(row)
            s.flush()
            s.refresh(row)
        return row

    def update_settings(self, name: str, values: dict[str, str]) -> AccountRow:
        row = self.row(name)
        info = self.app.host.info(row.platform)
        existing = {**(row.settings or {}),
                    **self.app.box.decrypt(row.secrets_enc, what="settings", owner=_owner(row, "settings"))}
        plain, secret = validate_settings(info, values, existing=existing)
        with self.app.db.session() as s:
            stored = s.get(AccountRow, row.id)
            assert stored is not None
            row = stored
            row.settings = {**(row.settings or {}), **plain}
            if secret:
                merged = {**self.app.box.decrypt(row.secrets_enc, what="settings"), **secret}
                row.secrets_enc = self.app.box.encrypt(merged)
                replace_secrets(_owner(row, "settings"), merged.values())
            row.updated_at = now()
            s.add(row)
        self._drop(row.id or 0)
        return row

    def set_flags(self, name: str, **flags: bool | str | int | None) -> AccountRow:
        row = self.row(name)
        with self.app.db.session() as s:
            stored = s.get(AccountRow, row.id)
            assert stored is not None
            row = stored
            for key, value in flags.items():
                setattr(row, key, value)
            row.updated_at = now()
            s.add(row)
        self._drop(row.id or 0)
        return row

    def set_flows(self, name: str, changes: dict[str, bool]) -> AccountRow:
        """Switch flows of account ``name`` on or off (``{"stock": True}``), refusing a flow
        its platform cannot do; the CLI and the console both call this."""
        row = self.row(name)
        info = self.app.host.info(row.platform)
        for flow, on in changes.items():
            if flow not in FLOWS:
                raise ConfigError(f"unknown flow '{flow}': use one of {', '.join(FLOWS)}")
            capability = FLOW_CAPABILITY.get(flow, flow)
            if capability == "status":
                if on and not (info.writes_states
                               and self.app.host.implements("push_order_state", row.platform)):
                    raise ConfigError(f"{info.display_name} cannot write order states")
            elif on and capability not in {str(c) for c in info.capabilities}:
                raise ConfigError(f"{info.display_name} does not support the {capability} flow")
        return self.set_flags(name, **{f"flow_{flow}": on for flow, on in changes.items()})

    def remove(self, name: str) -> None:
        """Delete an account that has no synced history; otherwise ask to disable it."""
        from hub.core.storage.models import Order, SyncRun

        row = self.row(name)
        with self.app.db.session() as s:
            has_history = s.exec(select(Order.id).where(Order.account_id == row.id)).first() or \
                s.exec(select(SyncRun.id).where(SyncRun.account_id == row.id)).first()
            if has_history:
                raise ConfigError(f"account '{name}' has imported orders or run history",
                                  hint=f"disconnect it instead: sync stops, open orders go back to "
                                       f"the store and the history stays: "
                                       f"hub accounts disconnect {name}")
            from hub.core.storage.models import (
                AccountWarehouse,
                Lease,
                OutboxItem,
                ProductLink,
                SyncCursor,
            )

            for model in (AccountWarehouse, ProductLink, OutboxItem, SyncCursor):
                for item in s.exec(select(model).where(model.account_id == row.id)).all():
                    s.delete(item)
            for lease in s.exec(select(Lease).where(Lease.name.endswith(f":{row.id}"))).all():
                s.delete(lease)
            s.delete(s.get(AccountRow, row.id))
        self._drop(row.id or 0, keep_limiters=False)
        for part in ("settings", "credentials"):
            replace_secrets(_owner(row, part), ())

    def save_credentials(self, account_id: int, credentials: dict[str, Any]) -> None:
        with self.app.db.session() as s:
            row = s.get(AccountRow, account_id)
            assert row is not None
            row.credentials_enc = self.app.box.encrypt(credentials)
            replace_secrets(_owner(row, "credentials"), credentials.values())
            row.paused_reason = None
            row.updated_at = now()
            s.add(row)

    def clear_credentials(self, account_id: int, settings: list[str]) -> None:
        """Wipe the stored credentials and the secret ``settings`` named (a disconnect)."""
        with self.app.db.session() as s:
            row = s.get(AccountRow, account_id)
            assert row is not None
            row.credentials_enc = None
            replace_secrets(_owner(row, "credentials"), ())
            if settings and row.secrets_enc:
                kept = {k: v for k, v in self.app.box.decrypt(row.secrets_enc, what="settings").items()
                        if k not in settings}
                row.secrets_enc = self.app.box.encrypt(kept) if kept else None
                replace_secrets(_owner(row, "settings"), kept.values())
            plain = {k: v for k, v in (row.settings or {}).items() if k not in settings}
            if plain != (row.settings or {}):
                row.settings = plain
            row.updated_at = now()
            s.add(row)
        self._retire(account_id, self._live.pop(account_id, None))

    def load_credentials(self, account_id: int) -> dict[str, Any]:
        with self.app.db.session() as s:
            row = s.get(AccountRow, account_id)
            if row is None:
                return {}
            return self.app.box.decrypt(row.credentials_enc, owner=_owner(row, "credentials"))

    def pause(self, account_id: int, reason: str) -> None:
        with self.app.db.session() as s:
            row = s.get(AccountRow, account_id)
            if row is not None:
                row.paused_reason = reason
                s.add(row)
        self._drop(account_id)

    # --- live accounts (what plugins get) --------------------------------------------
    def _drop(self, account_id: int, *, keep_limiters: bool = True) -> None:
        """Forget the live account; its limiters wait for the next one (:meth:`open`)."""
        live = self._live.pop(account_id, None)
        self._stamps.pop(account_id, None)
        if live is not None and keep_limiters:
            self._kept[account_id] = live.runtime.handover()
        elif not keep_limiters:
            self._kept.pop(account_id, None)
        self._retire(account_id, live)

    def _retire(self, account_id: int, live: Account | None) -> None:
        """Keep a superseded live account until no job of the account runs here, then close its
        clients (:meth:`release_connections`): a job that started with it may still be sending."""
        if live is not None:
            self._retired.setdefault(account_id, []).append(live)

    def open(self, row: AccountRow) -> Account:
        """The live :class:`hub.Account` for ``row``: one per account for the life of the process.

        It is kept (clients, limiters, token refresher, plugin memo) while ``row`` is in a
        state it is current with; a row another process changed since (new settings, a
        re-authorization: ``hub accounts authorize`` while the daemon runs) gives a new live
        account with the stored settings and credentials, which takes back the previous
        one's rate limiters whose rate did not change (:meth:`hub.Account.limiter`).
        """
        assert row.id is not None
        live = self._live.get(row.id)
        if live is not None:
            if _stamp(row) in self._stamps.get(row.id, ()):
                return live
            self._drop(row.id)
        info = self.app.host.info(row.platform)
        settings = {**(row.settings or {}),
                    **self.app.box.decrypt(row.secrets_enc, what=f"settings of account '{row.name}'",
                                           owner=_owner(row, "settings"))}
        credentials = self.app.box.decrypt(row.credentials_enc,
                                           what=f"credentials of account '{row.name}'",
                                           owner=_owner(row, "credentials"))
        runtime = AccountRuntime(retry=account_policy(settings, self.app.retry_policy),
                                 transport=self.app.transport, kept=self._kept.pop(row.id, {}))
        live = Account(name=row.name, platform=row.platform, settings=settings,
                       schema=schema_for(info.settings),
                       credentials=credentials, id=row.id, display_name=info.display_name,
                       runtime=runtime)
        if self.app.host.implements("refresh_credentials", row.platform):
            runtime.refresher = self._refresher(live)
        self._live[row.id] = live
        self._stamps[row.id] = {_stamp(row)}
        return live

    def open_named(self, name: str) -> Account:
        return self.open(self.row(name))

    def _refresher(self, account: Account) -> TokenRefresher:
        account_id = account.id

        async def load() -> dict[str, Any]:
            account.credentials = self.load_credentials(account_id)
            return account.credentials

        async def save(credentials: dict[str, Any]) -> None:
            self.save_credentials(account_id, credentials)
            account.credentials = credentials
            if self._live.get(account_id) is account:  # its own refresh: still current
                self._stamps.setdefault(account_id, set()).add(_stamp(self.row_by_id(account_id)))

        async def refresh(credentials: dict[str, Any]) -> dict[str, Any]:
            try:
                return await self.app.host.refresh_credentials(account, credentials)
            except AuthError as exc:
                latest = self.load_credentials(account_id)
                if latest.get("access_token") != credentials.get("access_token"):
                    return latest  # another process refreshed after all: keep the account
                self.pause(account_id, f"{exc.message}; run: hub accounts authorize {account.name}")
                raise AuthError(f"{account.label}: the platform rejected the refresh token",
                                hint=f"run: hub accounts authorize {account.name}") from None

        return TokenRefresher(load=load, refresh=refresh, save=save,
                              lock=lambda: self.lease(f"refresh:{account_id}", ttl=60))

    @asynccontextmanager
    async def lease(self, name: str, *, ttl: float = 60.0, wait: float = 60.0) -> AsyncIterator[None]:
        """Hold the database lease ``name``, waiting up to ``wait`` seconds for it.

        The lease is renewed every ``ttl / 3`` seconds while held, so a killed
        process blocks the others for at most ``ttl`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        holder = f"{self.holder}:{secrets.token_hex(4)}"  # unique even within one process
        db = self.app.db
        while not await db.off_loop(db.acquire_lease, name, holder, ttl):
            current = await db.off_loop(db.lease_holder, name)
            if current and self._dead_here(current[0]) and \
                    await db.off_loop(db.take_over_lease, name, current[0], holder, ttl):
                break
            if loop.time() >= deadline:
                raise self._busy(name, ttl)
            await asyncio.sleep(0.05)

        async def renew() -> None:
            while True:
                await asyncio.sleep(ttl / 3)
                await db.off_loop(db.acquire_lease, name, holder, ttl)

        renewer = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewer.cancel()
            await db.off_loop(db.release_lease, name, holder)

    def _busy(self, name: str, ttl: float) -> LeaseBusy:
        """The error for a lease someone else holds: which run, since when, where."""
        from hub.core.sync.runs import busy_message

        current = self.app.db.lease_holder(name)
        host, _, rest = (current[0] if current else "").partition(":")
        pid = rest.partition(":")[0]
        where = f" on {host} (pid {pid})" if host and pid else ""
        kind, _, target = name.partition(":")
        flow, _, account_id = target.rpartition(":")
        if kind == "run" and flow and account_id.isdigit():
            with self.app.db.session() as s:
                row = s.get(AccountRow, int(account_id))
                message = busy_message(s, int(account_id), row.name if row else account_id, flow)
            return LeaseBusy(message + where, hint="wait or stop it")
        return LeaseBusy(f"'{name}' is in use{where}",
                         hint=f"wait; a lock left by a stopped process expires within {ttl:.0f} s")

    def _dead_here(self, holder: str) -> bool:
        """True when ``holder`` is a process on this host that no longer exists (killed)."""
        host, _, rest = holder.partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    @asynccontextmanager
    async def running(self, account_id: int) -> AsyncIterator[None]:
        """A job of the account runs in this process (a worker's, the daemon's) within this block.

        When the account's last running job here ends, :meth:`release_connections`.
        Both executors wrap each per-account job in it, so the live account, its HTTP
        clients (connection pool settings, auth, headers), limiters and token refresher
        serve the account's next job in this process, and a change of its settings or
        credentials (:meth:`open` compares the row) gives the next job new ones.
        """
        self._running[account_id] = self._running.get(account_id, 0) + 1
        try:
            yield
        finally:
            self._running[account_id] -= 1
            if not self._running[account_id]:
                del self._running[account_id]
                await self.release_connections(account_id)

    async def release_connections(self, account_id: int) -> None:
        """Close the live account's idle sockets (keeping its clients) and the clients of the
        live accounts it superseded.

        Its next job may run minutes later, or on another worker: a socket kept per
        account ever run would pile up to one per account (thousands of file
        descriptors in ``CLOSE_WAIT`` once the platforms closed them), while building
        the clients again each job cost ~5 % of a worker's CPU.
        """
        for old in self._retired.pop(account_id, []):
            await _closed(old)
        live = self._live.get(account_id)
        if live is not None:
            await live.release()

    def forget(self, account_id: int) -> None:
        """Drop the cached live account (settings or credentials changed)."""
        self._drop(account_id)

    async def aclose(self) -> None:
        """Close every live account; their limiters wait for the next run in this process
        (what they learned from a platform's headers, a pause after a 429, carries over)."""
        for account_id, live in list(self._live.items()):
            await live.aclose()
            self._kept[account_id] = live.runtime.handover()
        self._live.clear()
        self._stamps.clear()
        for retired in self._retired.values():
            for old in retired:
                await _closed(old)
        self._retired.clear()

    # --- views ----------------------------------------------------------------
    def describe(self, row: AccountRow, *, with_settings: bool = False) -> dict[str, Any]:
        """A printable view of the account: secrets shown as ``***``, never their values."""
        info = self.app.host.platforms.get(row.platform)
        view: dict[str, Any] = {
            "name": row.name, "platform": row.platform, "enabled": row.enabled,
            "paused": row.paused_reason,
            "flows": {flow: getattr(row, f"flow_{flow}") for flow in flows_of(info)},
            "authorized": bool(row.credentials_enc),
        }
        if with_settings:
            secret_names = info.secret_settings if info else set()
            stored_secrets = set(self.app.box.decrypt(row.secrets_enc, what="settings",
                                                      owner=_owner(row, "settings"))) \
                if row.secrets_enc else set()
            settings = dict(row.settings or {})
            for name in sorted(secret_names | stored_secrets):
                if name in stored_secrets:
                    settings[name] = "***"
            view["settings"] = dict(sorted(settings.items()))
            creds = self.app.box.decrypt(row.credentials_enc, owner=_owner(row, "credentials")) \
                if row.credentials_enc else {}
            shown = {*CORE_REFERENCE_KEYS, *(info.reference_keys if info else ())}
            view["reference"] = {k: v for k, v in creds.items() if k in shown}
            view.update(self._connection(row, info))
        return view

    def _connection(self, row: AccountRow, info: PlatformInfo | None) -> dict[str, Any]:
        """The brand details, the terms new orders record, and the account's own back-office
        currency (None: the hub's)."""
        from hub.core.connections import brand_of, terms_of

        try:
            core = SettingsView(schema_for(info.settings if info else []), row.settings or {},
                                label=f"account '{row.name}'").core
        except ConfigError:  # a stored value no longer valid: show the account all the same
            core = CoreSettings()
        return {"brand": brand_of(core), "terms": terms_of(core),
                "back_office_currency": core.back_office_currency}
