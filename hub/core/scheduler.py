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
from sqlmodel import col, select

from hub.core import jobs as job_registry
from hub.core.accounts import LeaseBusy
from hub.core.storage.catalogue import FlowSwitch
from hub.core.storage.schedule import JobMark
from hub.core.sync.runs import prune
from hub.errors import ConfigError, HubError
from hub.settings import CORE_SETTINGS, SettingsView

if TYPE_CHECKING:
    from hub.core.app import HubApp
    from hub.core.queue import Leader, Queue

log = logging.getLogger("hub.daemon")
RESCAN_SECONDS = 60
RETENTION_DAYS = 90
PRUNE_SECONDS = 24 * 3600
LEADER_SECONDS = 2.0
FLUSH_SECONDS = 0.25
"""Distributed mode: jobs falling due within this window are queued in one statement."""
"""How often a daemon in distributed mode checks (or tries to take) the scheduling lock."""

CORE_SCHEMA = {spec.name: spec for spec in CORE_SETTINGS}
_NONE: tuple[Any, Any] = (None, None)  # a hub-wide job's interval reads no account


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
        self.jobs: dict[str, dict[str, int]] = {}
        """Account name -> flow -> seconds between runs (0: off)."""
        self.queue: Queue | None = None
        self.leader: Leader | None = None
        self.leader_held = False
        self.marks: dict[tuple[str, int], datetime] = {}
        self.ids: dict[str, int] = {}
        self.due: dict[tuple[str, int], str] = {}
        """Jobs due since the last :meth:`flush`: (flow, account id) -> account name."""
        self.flushing: asyncio.Task[int] | None = None
        if app.config.executor == "procrastinate":
            from hub.core.queue import Leader, Queue

            self.queue, self.leader = Queue(app), Leader(app)

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
        leading: asyncio.Task[None] | None = None
        if self.queue is not None:
            await self.queue.procrastinate.open_async()
            self._load_marks()
        self.scheduler.start()
        self.sync_jobs()
        self.scheduler.add_job(self.sync_jobs, IntervalTrigger(seconds=self.rescan),
                               id="rescan-accounts")
        for job in job_registry.hub_wide():
            if self.queue is not None:
                self.scheduler.add_job(self._defer, IntervalTrigger(seconds=job.interval(*_NONE)),
                                       id=job.flow, args=["*", job.flow, 0])
            else:
                self.scheduler.add_job(self._job, IntervalTrigger(seconds=job.interval(*_NONE)),
                                       id=job.flow, args=["*", job.flow, functools.partial(
                                           job.run, self.app, None, self.stop_event)])
        if self.queue is not None:  # leading (or standing by) before the first job is due
            await self._check_leader()
            leading = asyncio.create_task(self._lead())
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
        if self.flushing is not None:
            await self.flushing  # the jobs already due are queued, not dropped
        if leading is not None and self.queue is not None and self.leader is not None:
            await leading
            await self.leader.close()
            await self.queue.procrastinate.close_async()
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
        if self.queue is not None and self.leader_held:  # finished jobs the workers kept (failed ones)
            await self.queue.procrastinate.job_manager.delete_old_jobs(
                nb_hours=self.retention_days * 24, include_failed=True)

    def sync_jobs(self) -> None:
        """Add jobs for new accounts, drop those of disabled ones, follow interval changes."""
        wanted: dict[str, dict[str, int]] = {}
        ids: dict[str, int] = {}
        with self.app.db.session() as s:  # the flows switched on per account (catalogue flows)
            switched = {(f.account_id, f.flow) for f in s.exec(select(FlowSwitch).where(
                col(FlowSwitch.on).is_(True)))}
        for row in self.app.accounts.rows():
            if not row.enabled or row.paused_reason:
                continue
            core = SettingsView(CORE_SCHEMA, row.settings or {}).core  # defaults named once, in hub.settings
            # 0: no job for a flow the account switched off
            wanted[row.name] = {job.flow: job.interval(row, core)
                                if job.switch is None or (row.id, job.switch) in switched else 0
                                for job in job_registry.per_account()}
            ids[row.name] = row.id or 0
        for name in set(self.jobs) - set(wanted):
            for flow in self.jobs[name]:
                if self.scheduler.get_job(f"{flow}:{name}"):
                    self.scheduler.remove_job(f"{flow}:{name}")
        for name, intervals in wanted.items():
            before = self.jobs.get(name, {})
            for flow, every in intervals.items():
                if before.get(flow) == every:
                    continue
                if not every:
                    if self.scheduler.get_job(f"{flow}:{name}"):
                        self.scheduler.remove_job(f"{flow}:{name}")
                    continue
                self._add(name, flow, every, ids[name])
        self.jobs = wanted

    def _add(self, name: str, flow: str, every: int, account_id: int) -> None:
        every = max(every, 1)
        # first runs spread over a few seconds, so a restart does not fire every account at once
        first = datetime.now(UTC) + timedelta(
            seconds=random.uniform(0, min(every, self.startup_jitter)))
        if self.queue is not None:
            first = self._resume_at(flow, account_id, every, first)
            target: Callable[..., Awaitable[None]] = self._defer
            args: list[Any] = [name, flow, account_id]
        else:
            run = job_registry.JOBS[flow].run
            target = self._job
            args = [name, flow, functools.partial(run, self.app, name, self.stop_event), account_id]
        self.scheduler.add_job(target, IntervalTrigger(seconds=every, jitter=min(every / 10, 30)),
                               args=args, id=f"{flow}:{name}", replace_existing=True,
                               next_run_time=first)

    async def _job(self, name: str, flow: str, factory: Callable[[], Awaitable[Any]],
                   account_id: int = 0) -> None:
        """Run a job in the daemon; a per-account one (``account_id``) as a worker runs it
        (:meth:`hub.core.accounts.AccountService.running`)."""
        if self.stop_event.is_set():
            return
        task = asyncio.current_task()
        assert task is not None
        self.running.add(task)
        try:
            async with (self.app.accounts.running(account_id) if account_id
                        else contextlib.nullcontext()):
                await run_logged(name, flow, factory)
        finally:
            self.running.discard(task)

    # --- distributed mode (HUB_EXECUTOR=procrastinate): defer instead of run -------------------
    def _resume_at(self, flow: str, account_id: int, every: float, first: datetime) -> datetime:
        """The first run of a job resumed from its last deferral (no burst after a restart)."""
        last = self.marks.get((flow, account_id))
        return max(first, last + timedelta(seconds=every)) if last is not None else first

    async def _defer(self, name: str, flow: str, account_id: int) -> None:
        """A job is due: queue it with the others due in the same :data:`FLUSH_SECONDS` (:meth:`flush`)."""
        if self.stop_event.is_set() or self.queue is None or not self.leader_held:
            return  # a standby daemon keeps its clock but defers nothing
        self.due[(flow, account_id)] = name
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> int:
        queued = 0
        while self.due:  # what fell due while a flush was waiting on the database goes next
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), FLUSH_SECONDS)
            queued += await self.flush()
        return queued

    async def flush(self) -> int:
        """Queue every job due since the last flush (one statement), save their marks (one); how many queued.

        Jobs already waiting are skipped by their queueing lock. The database away:
        the jobs are logged and dropped, their next tick queues them again.
        """
        due, self.due = self.due, {}
        if not due or self.queue is None or not self.leader_held:
            return 0
        try:
            queued = await self.queue.defer_many(list(due))
        except Exception as exc:  # the database is away: the next tick tries again
            log.error("could not queue %d job(s): %s", len(due), type(exc).__name__)
            return 0
        at = datetime.now(UTC)
        for key in due:
            self.marks[key] = at
        try:  # saved at once: a daemon killed now and restarted resumes after these deferrals
            save_marks(self.app, list(due), at)
        except Exception as exc:
            log.warning("could not save the deferral time of %d job(s): %s", len(due),
                        type(exc).__name__)
        if len(queued) < len(due):
            log.debug("%d job(s) already waiting; not queued again", len(due) - len(queued))
        return len(queued)

    async def _lead(self) -> None:
        """Hold (or wait for) the scheduling lock, checking it every :data:`LEADER_SECONDS`."""
        while not self.stop_event.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), LEADER_SECONDS)
            await self._check_leader()

    async def _check_leader(self) -> None:
        assert self.leader is not None
        was = self.leader_held
        self.leader_held = await self.leader.try_acquire()
        if self.leader_held and not was:
            self._load_marks()
            for job in self.scheduler.get_jobs():  # resume each job from its last deferral
                flow, _, name = job.id.partition(":")
                if not isinstance(job.trigger, IntervalTrigger):
                    continue
                account_id = 0 if name == "*" else self.ids.get(name)
                if account_id is not None and (flow, account_id) in self.marks:
                    job.modify(next_run_time=self._resume_at(
                        flow, account_id, job.trigger.interval.total_seconds(), datetime.now(UTC)))
            log.info("this daemon now schedules the jobs (leader)")
        elif was and not self.leader_held:
            log.warning("lost the scheduling lock; deferring nothing until it is back")

    def _load_marks(self) -> None:
        with self.app.db.session() as s:
            self.marks = {(m.flow, m.account_id): m.deferred_at for m in s.exec(select(JobMark))}
            self.ids = {row.name: row.id or 0 for row in self.app.accounts.rows()}


def save_marks(app: HubApp, due: list[tuple[str, int]], at: datetime) -> None:
    """Record ``at`` as the last deferral of each ``(flow, account id)``, in one statement (PostgreSQL)."""
    from sqlalchemy.dialects.postgresql import insert

    if not due:
        return
    statement = insert(JobMark).values([{"flow": flow, "account_id": account_id, "deferred_at": at}
                                        for flow, account_id in due])
    statement = statement.on_conflict_do_update(index_elements=["flow", "account_id"],
                                                set_={"deferred_at": statement.excluded.deferred_at})
    with app.db.session() as s:
        s.execute(statement)


async def run_logged(name: str, flow: str, factory: Callable[[], Awaitable[Any]], *,
                     reraise: bool = False) -> None:
    """Run one job and log its outcome; a failure is logged (and in run history), never raised.

    ``reraise``: a crash (not a :class:`HubError`) is raised after logging, so a
    job queue records the job as failed.
    """
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
        if reraise:
            raise


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
