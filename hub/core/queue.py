"""Distributed mode: the hub's jobs as procrastinate tasks on the hub's PostgreSQL database.

With ``HUB_EXECUTOR=procrastinate`` the daemon keeps the clock and the HTTP
service and *defers* each scheduled job (:mod:`hub.core.jobs`) instead of
running it; ``hub worker`` processes, on any machine pointing at the same
database, run them. Every job is a task ``hub:<flow>`` taking an account id
(0 for a hub-wide job) with

* ``lock`` ``<flow>:<account id>``: two workers never run one account's flow at once;
* ``queueing_lock`` the same: at most one pending job per account and flow, so a
  slow account never piles up jobs (a deferral finding one pending is skipped).

A killed worker stops sending heartbeats; every worker looks for the jobs of
such stalled workers (:meth:`Queue.recover_stalled`) and puts them back in the
queue, where another worker runs them: the killed run is marked interrupted by
the next run of that account and flow (:func:`hub.core.sync.runs.start_run`).

Only one daemon schedules at a time: :class:`Leader` holds a PostgreSQL
advisory lock on its own connection, released by the server when that daemon
dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from hub.core import jobs as job_registry
from hub.core.storage.columns import now
from hub.errors import ConfigError

if TYPE_CHECKING:
    import procrastinate
    import psycopg

    from hub.core.app import HubApp
    from hub.core.principals import Principal

log = logging.getLogger("hub.worker")

TASK_PREFIX = "hub:"
SETTINGS_TTL = 10.0
"""Seconds a worker reuses a hub-wide setting it read (the hub's currency, read by every job)."""
STALLED_SECONDS = 30.0
"""A worker whose heartbeat is older than this is dead; its running jobs are put back."""
HEARTBEAT_SECONDS = 10.0


def principal_of(actor: str | None) -> Principal | None:
    """The principal an ``actor`` string names (``user:NAME``, ``api_key:NAME``), for the record only.

    Its role is not carried: a job does what its flow does whoever deferred it;
    the actor only names who asked, in run history.
    """
    if not actor:
        return None
    from hub.core.principals import Principal, Role

    kind, _, name = actor.partition(":")
    if kind not in ("user", "api_key") or not name:
        return None
    return Principal(name=name, kind=kind, role=Role.VIEWER)  # type: ignore[arg-type]


def conninfo(database_url: str) -> str:
    """The libpq URI of the hub's SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    if not database_url.startswith("postgresql"):
        raise ConfigError("the procrastinate executor needs a PostgreSQL database "
                          "(HUB_DATABASE_URL=postgresql://...)", hint="or unset HUB_EXECUTOR")
    return "postgresql://" + database_url.split("://", 1)[1]


def lock_name(flow: str, account_id: int) -> str:
    return f"{flow}:{account_id}"


def _import_procrastinate() -> Any:
    try:
        import procrastinate
    except ModuleNotFoundError:
        raise ConfigError("HUB_EXECUTOR=procrastinate but procrastinate is not installed",
                          hint="install it: pip install 'commerce-hub[postgres]'") from None
    return procrastinate


@dataclass(frozen=True)
class QueueStats:
    depth: int
    """Jobs waiting (``todo``)."""
    running: int
    oldest_age: float
    """Seconds the oldest waiting job has waited (0 when none waits)."""


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    last_heartbeat: datetime
    running: int
    alive: bool


class Queue:
    """The procrastinate app of one hub process, its ``hub:<flow>`` tasks and the queue's state."""

    def __init__(self, app: HubApp, *, pool_size: int = 4,
                 stalled_seconds: float = STALLED_SECONDS) -> None:
        lib = _import_procrastinate()
        self.app = app
        self.stalled_seconds = stalled_seconds
        self.stop = asyncio.Event()
        """Set on shutdown: running imports finish their page and return (interrupted)."""
        connector = lib.PsycopgConnector(conninfo=conninfo(app.config.database_url),
                                         min_size=1, max_size=max(2, pool_size))
        self.procrastinate: procrastinate.App = lib.App(connector=connector)
        self.tasks: dict[str, Any] = {}
        for job in job_registry.JOBS.values():
            self.tasks[job.flow] = self._task(job)

    def _task(self, job: job_registry.Job) -> Any:
        async def run(account_id: int, actor: str | None = None) -> None:
            await self.run_job(job.flow, account_id, actor=actor)

        run.__name__ = run.__qualname__ = f"hub_{job.flow.replace('-', '_')}"
        return self.procrastinate.task(name=TASK_PREFIX + job.flow, queue=job.queue)(run)

    # --- deferring (the scheduling daemon) ------------------------------------------------
    async def defer(self, flow: str, account_id: int, *, actor: str | None = None) -> bool:
        """Queue one run of ``flow`` for the account; False when one is already waiting.

        ``actor`` (``user:NAME``, ``api_key:NAME``; default: the principal acting
        here, if any) travels in the job's arguments: the run it starts records it.
        """
        return bool(await self.defer_many([(flow, account_id)], actor=actor))

    def _job(self, flow: str, account_id: int, actor: str | None) -> Any:
        kwargs: dict[str, Any] = {"account_id": account_id}
        if actor:
            kwargs["actor"] = actor
        lock = lock_name(flow, account_id)
        return self.tasks[flow].configure(lock=lock, queueing_lock=lock, task_kwargs=kwargs).job

    async def defer_many(self, due: Iterable[tuple[str, int]], *,
                         actor: str | None = None) -> list[tuple[str, int]]:
        """Queue one run of each ``(flow, account id)``, in one round trip; those queued.

        A pair whose job is already waiting (its queueing lock) is skipped, not an
        error: when none is waiting (the usual case) this is one statement; when
        some are, one more query finds them and the others go in one statement.
        """
        from procrastinate.exceptions import AlreadyEnqueued

        if actor is None:
            from hub.core.principals import acting, actor_of

            principal = acting()
            actor = actor_of(principal)[:120] if principal is not None else None
        wanted = list(dict.fromkeys(due))
        jobs = [self._job(flow, account_id, actor) for flow, account_id in wanted]
        if not jobs:
            return []
        manager = self.procrastinate.job_manager
        with contextlib.suppress(AlreadyEnqueued):
            await manager.batch_defer_jobs_async(jobs)
            return wanted
        rows = await self.procrastinate.connector.execute_query_all_async(
            "SELECT queueing_lock FROM procrastinate_jobs "
            "WHERE status = 'todo' AND queueing_lock = ANY(%(locks)s)",
            locks=[job.queueing_lock for job in jobs])
        waiting = {row["queueing_lock"] for row in rows}
        fresh = [(key, job) for key, job in zip(wanted, jobs, strict=True)
                 if job.queueing_lock not in waiting]
        if not fresh:
            return []
        with contextlib.suppress(AlreadyEnqueued):
            await manager.batch_defer_jobs_async([job for _, job in fresh])
            return [key for key, _ in fresh]
        queued = []  # another process deferred one meanwhile: one at a time
        for key, job in fresh:
            with contextlib.suppress(AlreadyEnqueued):
                await manager.defer_job_async(job)
                queued.append(key)
        return queued

    # --- running (the worker) -------------------------------------------------------------
    async def run_job(self, flow: str, account_id: int, *, actor: str | None = None) -> None:
        """Run the registered job for the account, logged as the daemon logs it.

        ``actor``: who deferred it (``kind:NAME``); the runs it writes record it.
        """
        from hub.core.accounts import job_row
        from hub.core.principals import acting_as
        from hub.core.scheduler import run_logged

        job = job_registry.JOBS[flow]
        name: str | None = None
        reuse: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        running: contextlib.AbstractAsyncContextManager[None] = contextlib.nullcontext()
        if not job.hub_wide:
            row, switched = await self.app.db.off_loop(self._account, account_id, job.switch)
            if row is None or not row.enabled or row.paused_reason:
                log.info("account %s is gone, disabled or paused; %s skipped", account_id, flow)
                return
            if not switched:  # queued while the flow was on, switched off since
                log.info("the %s flow is off for account %s; %s skipped", job.switch, row.name, flow)
                return
            name = row.name
            reuse = job_row(row)  # the flow reads the row it was just read as
            running = self.app.accounts.running(account_id)  # its clients kept, sockets closed
        async with running:
            with acting_as(principal_of(actor)), reuse:
                await run_logged(name or "*", flow, lambda: job.run(self.app, name, self.stop),
                                 reraise=True)

    def _account(self, account_id: int, switch: str | None) -> tuple[Any, bool]:
        """The account's row (None: gone) and whether ``switch`` is on for it, in one transaction."""
        from hub.core.storage.models import Account as AccountRow
        from hub.core.sync.publish import flow_on

        with self.app.db.session() as s:
            row = s.get(AccountRow, account_id)
            return row, switch is None or row is None or flow_on(s, account_id, switch)

    async def recover_stalled(self) -> int:
        """Put back the running jobs of workers silent for ``stalled_seconds``; how many were.

        A job whose account and flow already has a waiting job is finished as
        failed instead (the waiting one does the work: nothing is lost).
        """
        from procrastinate import jobs as pjobs

        manager = self.procrastinate.job_manager
        recovered = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled_seconds):
            if not job.task_name.startswith(TASK_PREFIX):
                continue
            try:
                await manager.retry_job(job)
                recovered += 1
                log.warning("recovered %s %s from a stalled worker (job %s)", job.task_name,
                            job.task_kwargs.get("account_id"), job.id)
            except Exception as exc:  # another worker recovered it first, or one is already waiting
                if "unique" in str(exc).lower() or "queueing_lock" in str(exc):
                    assert job.id is not None
                    await manager.finish_job_by_id_async(job.id, status=pjobs.Status.FAILED,
                                                         delete_job=False)
                else:
                    log.debug("stalled job %s not recovered: %s", job.id, exc)
        return recovered

    async def recover_loop(self) -> None:
        """:meth:`recover_stalled` every half stalled period until :attr:`stop`."""
        while not self.stop.is_set():
            try:
                await self.recover_stalled()
            except Exception as exc:  # a database hiccup: try again next period
                log.warning("stalled-job check failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.stalled_seconds / 2)

    async def run_worker(self, *, concurrency: int = 1, queues: list[str] | None = None,
                         name: str | None = None, delete_jobs: str = "successful") -> None:
        """Process jobs until :attr:`stop` is set (running jobs finish their page).

        ``delete_jobs``: procrastinate's ``successful`` (default: only failed jobs
        stay, the daemon prunes them with run history), ``never`` or ``always``.
        """
        self.app.settings_ttl = max(self.app.settings_ttl, SETTINGS_TTL)
        async with self.procrastinate.open_async():
            recover = asyncio.create_task(self.recover_loop())
            options: dict[str, Any] = {"queues": queues} if queues else {}
            if name:
                options["name"] = name
            worker = asyncio.create_task(self.procrastinate.run_worker_async(
                concurrency=concurrency, install_signal_handlers=False, delete_jobs=delete_jobs,
                **options,
                update_heartbeat_interval=min(HEARTBEAT_SECONDS, self.stalled_seconds / 3),
                stalled_worker_timeout=self.stalled_seconds))
            stopping = asyncio.create_task(self.stop.wait())
            await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
            worker.cancel()  # procrastinate's graceful stop: it waits for the running jobs
            await asyncio.gather(worker, return_exceptions=True)
            self.stop.set()
            await asyncio.gather(recover, stopping, return_exceptions=True)

    # --- state (sync, from the hub's own engine: /metrics, /readyz, hub workers list) ------
    def stats(self) -> QueueStats:
        return queue_stats(self.app)


def queue_stats(app: HubApp) -> QueueStats:
    """Waiting and running hub jobs and the oldest wait, read from the database."""
    with app.db.engine.connect() as conn:
        row = conn.execute(text(
            "SELECT count(*) FILTER (WHERE j.status = 'todo'), "
            "       count(*) FILTER (WHERE j.status = 'doing'), "
            "       min(coalesce(j.scheduled_at, e.at)) FILTER (WHERE j.status = 'todo') "
            "FROM procrastinate_jobs j LEFT JOIN procrastinate_events e "
            "  ON e.job_id = j.id AND e.type = 'deferred' "
            "WHERE j.status IN ('todo', 'doing') AND j.task_name LIKE 'hub:%'")).one()
    oldest = row[2]
    age = max(0.0, (now() - oldest).total_seconds()) if oldest is not None else 0.0
    return QueueStats(depth=int(row[0]), running=int(row[1]), oldest_age=age)


def workers(app: HubApp, stalled_seconds: float = STALLED_SECONDS) -> list[WorkerInfo]:
    """Every registered worker: last heartbeat, jobs running, alive (heartbeat recent)."""
    with app.db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT w.id, w.last_heartbeat, count(j.id) FILTER (WHERE j.status = 'doing'), "
            "       w.last_heartbeat > now() - make_interval(secs => :stalled) "
            "FROM procrastinate_workers w LEFT JOIN procrastinate_jobs j ON j.worker_id = w.id "
            "GROUP BY w.id ORDER BY w.id"), {"stalled": stalled_seconds}).all()
    return [WorkerInfo(id=r[0], last_heartbeat=r[1], running=int(r[2]), alive=bool(r[3]))
            for r in rows]


def has_queue_schema(app: HubApp) -> bool:
    if app.db.dialect != "postgresql":
        return False
    with app.db.engine.connect() as conn:
        return bool(conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar())


def ensure_queue_schema(app: HubApp) -> bool:
    """Create procrastinate's tables when missing (installed after the migration ran); True if created.

    Migration ``0010_procrastinate`` normally does this; ``hub db upgrade`` calls
    this too, so installing the ``postgres`` extra later needs no step by hand.
    """
    if app.db.dialect != "postgresql" or has_queue_schema(app):
        return False
    SchemaManager = _import_procrastinate().schema.SchemaManager

    raw = app.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(SchemaManager.get_schema())
        cursor.close()
        raw.commit()
    finally:
        raw.close()
    return True


class Leader:
    """A PostgreSQL advisory lock, held on a connection of its own, naming the scheduling daemon.

    The lock is per database and schema; when the holder dies its connection
    closes and the server releases the lock, so a standby daemon takes over
    within one :meth:`keep` period.
    """

    def __init__(self, app: HubApp) -> None:
        self.url = conninfo(app.config.database_url)
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.is_leader = False

    async def try_acquire(self) -> bool:
        """Take (or confirm) the lock; False when another daemon holds it or the database is gone."""
        import psycopg

        try:
            if self.conn is None or self.conn.closed:
                self.is_leader = False
                self.conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            if self.is_leader:
                await self.conn.execute("SELECT 1")  # still connected, so still holding it
                return True
            cur = await self.conn.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(current_schema()))",
                (zlib.crc32(b"hub-scheduler") & 0x7FFFFFFF,))
            row = await cur.fetchone()
            self.is_leader = bool(row and row[0])
        except psycopg.Error as exc:
            log.warning("leader lock: database unreachable (%s)", type(exc).__name__)
            self.is_leader = False
            if self.conn is not None:
                await self.conn.close()
            self.conn = None
        return self.is_leader

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()  # the server releases the lock with the session
            self.conn = None
        self.is_leader = False
