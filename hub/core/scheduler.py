"""The daemon's scheduler: APScheduler 3 jobs per account and flow.

Every enabled account gets an orders job (``orders_interval``, default 120 s)
and a push job (``push_interval``, default 30 s) with jitter. A job never runs
twice at once: APScheduler's ``max_instances=1`` covers one daemon, the
database lease of each run covers several daemons sharing one database. A
failing job is logged with its run id and the next one goes on. ``stop()``
lets the running import finish its page, commit and return.

The listen address is bound before any job starts, so a busy port is one line
and exit 2, not a daemon that runs jobs and then dies. Once a day (and at
start) run history older than ``retention_days`` (``HUB_RUNS_RETENTION_DAYS``,
default 90; 0 keeps everything) is pruned.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import random
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from hub.core.accounts import LeaseBusy
from hub.core.outbound import deliver_due
from hub.core.sync.orders import import_orders
from hub.core.sync.push import push_all
from hub.core.sync.runs import prune
from hub.core.sync.tracking_in import poll_tracking
from hub.core.sync.webhooks import drain
from hub.errors import ConfigError, HubError
from hub.settings import CORE_SETTINGS, SettingsView

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.daemon")
RESCAN_SECONDS = 60
RETENTION_DAYS = 90
PRUNE_SECONDS = 24 * 3600

CORE_SCHEMA = {spec.name: spec for spec in CORE_SETTINGS}


class Daemon:
    def __init__(self, app: HubApp, *, rescan: float = RESCAN_SECONDS,
                 listen: tuple[str, int] | None = None, startup_jitter: float = 10.0,
                 retention_days: int | None = None) -> None:
        self.app = app
        self.retention_days = RETENTION_DAYS if retention_days is None else retention_days
        self.socket: socket.socket | None = None
        self.startup_jitter = startup_jitter
        self.listen = listen
        self.server: Any = None
        self.stop_event = asyncio.Event()
        self.rescan = rescan
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            "max_instances": 1, "coalesce": True, "misfire_grace_time": 60})
        self.running: set[asyncio.Task[Any]] = set()
        self.jobs: dict[str, tuple[int, int, int]] = {}

    def stop(self) -> None:
        self.stop_event.set()

    def bind(self) -> None:
        """Bind the listen address now (once), if there is one; see :func:`bind`."""
        if self.listen and self.socket is None:
            self.socket = bind(*self.listen)

    async def run(self) -> None:
        """Bind the listen address, start the jobs, and run until :meth:`stop`.

        :raises ConfigError: the listen address is in use or cannot be bound
            (before any job started).
        """
        self.bind()
        self.scheduler.start()
        self.sync_jobs()
        self.scheduler.add_job(self.sync_jobs, IntervalTrigger(seconds=self.rescan),
                               id="rescan-accounts")
        self.scheduler.add_job(self._job, IntervalTrigger(seconds=15), id="webhook-events",
                               args=["*", "webhooks", lambda: drain(self.app)])
        self.scheduler.add_job(self._job, IntervalTrigger(seconds=5), id="webhook-deliveries",
                               args=["*", "outbound", lambda: deliver_due(self.app)])
        if self.retention_days > 0:
            self.scheduler.add_job(self._job, IntervalTrigger(seconds=PRUNE_SECONDS),
                                   id="prune-runs", next_run_time=datetime.now(UTC),
                                   args=["*", "prune", self.prune])
        serving = self._serve() if self.listen else None
        log.info("daemon started with %d account(s)", len(self.jobs))
        await self.stop_event.wait()
        self.scheduler.pause()  # no new runs; shutting down now would cancel the running ones
        if serving is not None:
            self.server.should_exit = True
            await serving
        if self.running:
            log.info("finishing %d running job(s)", len(self.running))
            await asyncio.gather(*self.running, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        if self.socket is not None:
            self.socket.close()
        await self.app.accounts.aclose()
        log.info("daemon stopped")

    def _serve(self) -> asyncio.Task[None]:
        import uvicorn

        from hub.core.server import create_server

        host, port = self.listen  # type: ignore[misc]
        config = uvicorn.Config(create_server(self.app, daemon=self), host=host, port=port,
                                log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.server.capture_signals = contextlib.nullcontext  # the daemon owns SIGTERM
        log.info("serving webhooks and health on http://%s:%d", host, port)
        return asyncio.create_task(self.server.serve(sockets=[self.socket]))

    async def prune(self) -> None:
        """Delete run history older than ``retention_days`` (the daily ``prune-runs`` job)."""
        cutoff = datetime.now(UTC) - timedelta(days=self.retention_days)
        with self.app.db.session() as s:
            gone, items = prune(s, cutoff)
        if gone:
            log.info("pruned %d run(s) and %d item(s) older than %d days", gone, items,
                     self.retention_days)

    def sync_jobs(self) -> None:
        """Add jobs for new accounts, drop those of disabled ones, follow interval changes."""
        wanted: dict[str, tuple[int, int, int]] = {}
        for row in self.app.accounts.rows():
            if not row.enabled or row.paused_reason:
                continue
            settings = row.settings or {}
            pushes = row.flow_stock or row.flow_price or row.flow_tracking or row.flow_status
            # 0: no job for a flow the account switched off
            core = SettingsView(CORE_SCHEMA, settings).core  # defaults named once, in hub.settings
            wanted[row.name] = (core.orders_interval if row.flow_orders else 0,
                                core.push_interval if pushes else 0,
                                core.tracking_interval if row.flow_tracking_in else 0)
        for name in set(self.jobs) - set(wanted):
            for flow in ("orders", "push", "tracking_in"):
                if self.scheduler.get_job(f"{flow}:{name}"):
                    self.scheduler.remove_job(f"{flow}:{name}")
        for name, (orders_every, push_every, track_every) in wanted.items():
            if self.jobs.get(name) == (orders_every, push_every, track_every):
                continue
            for flow, every in (("orders", orders_every), ("push", push_every),
                                ("tracking_in", track_every)):
                if not every and self.scheduler.get_job(f"{flow}:{name}"):
                    self.scheduler.remove_job(f"{flow}:{name}")
            if orders_every:
                self._add(name, "orders", orders_every, functools.partial(
                    import_orders, self.app, name, trigger="scheduled", stop=self.stop_event))
            if push_every:
                self._add(name, "push", push_every,
                          functools.partial(push_all, self.app, name, trigger="scheduled"))
            if track_every:
                self._add(name, "tracking_in", track_every,
                          functools.partial(poll_tracking, self.app, name, trigger="scheduled"))
        self.jobs = wanted
        self._sync_ticket_jobs()

    def _sync_ticket_jobs(self) -> None:
        """A ``tickets`` job (at the account's ``orders_interval``) per account whose tickets
        flow is on; dropped when the flow goes off or the account is disabled or paused."""
        from hub.core.sync.tickets import import_tickets

        wanted: dict[str, int] = {}
        for row in self.app.accounts.rows():
            if row.enabled and not row.paused_reason and row.flow_tickets:
                wanted[row.name] = SettingsView(CORE_SCHEMA, row.settings or {}).core.orders_interval
        ticket_jobs: dict[str, int] = getattr(self, "ticket_jobs", {})
        for name in set(ticket_jobs) - set(wanted):
            if self.scheduler.get_job(f"tickets:{name}"):
                self.scheduler.remove_job(f"tickets:{name}")
        for name, every in wanted.items():
            if ticket_jobs.get(name) != every and every:
                self._add(name, "tickets", every, functools.partial(
                    import_tickets, self.app, name, trigger="scheduled"))
        self.ticket_jobs = wanted

    def _add(self, name: str, flow: str, every: int,
             factory: Callable[[], Awaitable[Any]]) -> None:
        every = max(every, 1)
        # first runs spread over a few seconds, so a restart does not fire every account at once
        first = datetime.now(UTC) + timedelta(
            seconds=random.uniform(0, min(every, self.startup_jitter)))
        self.scheduler.add_job(self._job, IntervalTrigger(seconds=every, jitter=min(every / 10, 30)),
                               args=[name, flow, factory], id=f"{flow}:{name}",
                               replace_existing=True, next_run_time=first)

    async def _job(self, name: str, flow: str, factory: Callable[[], Awaitable[Any]]) -> None:
        if self.stop_event.is_set():
            return
        task = asyncio.current_task()
        assert task is not None
        self.running.add(task)
        extra = {"account": name, "flow": flow}
        try:
            result = await factory()
            for each in (result.values() if isinstance(result, dict) else
                         [result] if hasattr(result, "counts") else []):
                if getattr(each, "error", None):
                    log.error("%s %s run %s failed: %s", name, flow, each.run_id, each.error,
                              extra={**extra, "run_id": each.run_id})
                elif any(n for k, n in each.counts.counts.items()
                         if k not in ("unchanged", "not_managed")):  # a push that sent nothing is quiet
                    summary = each.summary() if hasattr(each, "summary") else each.counts.summary()
                    log.info("%s %s run %s: %s", name, flow, each.run_id, summary,
                             extra={**extra, "run_id": each.run_id})
        except LeaseBusy:
            log.debug("%s %s is already running elsewhere; skipped", name, flow, extra=extra)
        except HubError as exc:
            log.error("%s %s: %s", name, flow, exc, extra=extra)
        except Exception:
            log.exception("%s %s job crashed", name, flow, extra=extra)
        finally:
            self.running.discard(task)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` for the HTTP service.

    :raises ConfigError: one line naming the address when it is in use or cannot be bound.
    """
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {shown}: {exc.strerror}; pass --listen HOST:PORT"
                          ) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"{shown} is in use; pass --listen HOST:PORT or stop the other "
                              "process") from None
        raise ConfigError(f"cannot listen on {shown}: {exc.strerror or exc}; "
                          "pass --listen HOST:PORT") from None
    return sock
