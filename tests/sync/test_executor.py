"""The executor seam: jobs registered once, run in the daemon (default) or queued (procrastinate)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core import jobs
from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.plugins import PluginHost
from hub.core.scheduler import Daemon
from hub.core.storage.models import SyncRun
from tests.api.conftest import call
from tests.conftest import Result, postgres_url
from tests.fakeplatform import FakePlatform, make_order

SETTINGS = {"base_url": "https://s.example.com", "api_key": "k" * 10}


def test_a_registered_job_is_scheduled_per_account_by_the_in_process_daemon(
        app: HubApp, monkeypatch: pytest.MonkeyPatch) -> None:
    app.accounts.add("fakeshop", "main", SETTINGS)
    app.accounts.add("fakeshop", "off", SETTINGS)
    seen: list[str | None] = []

    async def tickets(_app: HubApp, name: str | None, _stop: asyncio.Event) -> None:
        seen.append(name)

    # a copy of the registry: the real ``tickets`` job is back for the tests that run after this one
    monkeypatch.setattr(jobs, "JOBS", dict(jobs.JOBS))
    jobs.register_job("tickets", tickets, lambda row, core: 3600 if row.name == "main" else 0)

    async def scenario() -> set[str]:
        daemon = Daemon(app)
        daemon.scheduler.start(paused=True)
        daemon.sync_jobs()
        ids = {job.id for job in daemon.scheduler.get_jobs()}
        job = daemon.scheduler.get_job("tickets:main")
        await job.func(*job.args)
        daemon.scheduler.shutdown(wait=False)
        return ids

    ids = asyncio.run(scenario())
    assert "tickets:main" in ids and "tickets:off" not in ids
    assert seen == ["main"]


def test_bad_executor_is_one_line_exit_2(hub_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_EXECUTOR", "celery")
    result: Result = hub_cli("accounts", "list")
    assert result.code == 2
    assert result.err.strip() == ("hub: error: HUB_EXECUTOR must be inprocess or procrastinate, got "
                                  "'celery'; fix or unset HUB_EXECUTOR")
    monkeypatch.setenv("HUB_EXECUTOR", "procrastinate")  # and SQLite, the default database
    result = hub_cli("workers", "list")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "needs a PostgreSQL database" in result.err


@pytest.fixture
def pg_app(host: PluginHost, tmp_path: Path) -> Iterator[HubApp]:
    app = HubApp(Config(data_dir=tmp_path / "data", database_url=postgres_url(),
                        executor="procrastinate"), host=host)
    app.db.ensure_schema()
    yield app
    app.close()


@pytest.mark.postgres
def test_queue_defers_once_per_account_and_flow_and_runs_into_run_history(
        pg_app: HubApp, fake: FakePlatform) -> None:
    from hub.core.queue import Queue, queue_stats

    app = pg_app
    account_id = app.accounts.add("fakeshop", "main", SETTINGS).id or 0
    fake.add(make_order(1), make_order(2))

    async def scenario() -> tuple[bool, bool, Any]:
        queue = Queue(app)
        async with queue.procrastinate.open_async():
            first = await queue.defer("orders", account_id)
            again = await queue.defer("orders", account_id)  # one is already waiting
            waiting = queue_stats(app)
            await queue.run_job("orders", account_id)  # what a worker does with it
        await app.accounts.aclose()
        return first, again, waiting

    first, again, waiting = asyncio.run(scenario())
    assert (first, again) == (True, False)
    assert waiting.depth == 1 and waiting.oldest_age >= 0
    with app.db.session() as s:
        [run] = s.exec(select(SyncRun)).all()
    assert (run.flow, run.status, run.trigger, run.counts["imported"]) == ("orders", "ok", "scheduled", 2)
    metrics = call(app, "GET", "/metrics").text
    assert 'hub_queue_jobs{state="waiting"} 1' in metrics
    assert "hub_queue_oldest_job_age_seconds" in metrics
    ready = call(app, "GET", "/readyz").json()
    assert ready["queue"]["waiting"] == 1 and ready["queue"]["status"] == "ok"


@pytest.mark.postgres
def test_only_one_leader_at_a_time_and_a_released_lock_is_taken_over(pg_app: HubApp) -> None:
    from hub.core.queue import Leader

    async def scenario() -> list[bool]:
        one, two = Leader(pg_app), Leader(pg_app)
        seen = [await one.try_acquire(), await two.try_acquire(), await one.try_acquire()]
        await one.close()  # as when its daemon dies: the session ends, the server frees the lock
        for _ in range(200):  # the server ends the session a moment after the client left (hang guard)
            if await two.try_acquire():
                break
            await asyncio.sleep(0.05)
        seen.append(two.is_leader)
        await two.close()
        return seen

    assert asyncio.run(scenario()) == [True, False, True, True]


@pytest.mark.postgres
def test_workers_list_shows_alive_and_stalled_workers_and_the_queue(
        pg_app: HubApp, hub_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.core.queue import Queue

    async def register() -> None:
        queue = Queue(pg_app)
        async with queue.procrastinate.open_async():
            manager = queue.procrastinate.job_manager
            await manager.register_worker()
            stalled = await manager.register_worker()
            await queue.procrastinate.connector.execute_query_async(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' "
                f"WHERE id = {stalled}")

    asyncio.run(register())
    monkeypatch.setenv("HUB_DATABASE_URL", pg_app.config.database_url)
    monkeypatch.setenv("HUB_EXECUTOR", "procrastinate")
    result = hub_cli("workers", "list", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert [w["alive"] for w in data["workers"]] == [True, False]
    assert data["queue"] == {"waiting": 0, "running": 0, "oldest_wait_seconds": 0.0}


@pytest.mark.postgres
def test_defer_many_queues_what_is_due_in_one_go_skips_the_waiting_and_carries_the_actor(
        pg_app: HubApp, fake: FakePlatform) -> None:
    from hub.core.principals import Principal, Role, acting_as
    from hub.core.queue import Queue

    app = pg_app
    ids = [app.accounts.add("fakeshop", name, SETTINGS).id or 0 for name in ("a", "b", "c")]
    fake.add(make_order(1))

    async def scenario() -> tuple[list[Any], list[Any], list[Any]]:
        queue = Queue(app)
        async with queue.procrastinate.open_async():
            await queue.defer("orders", ids[0])  # a scheduled one already waits for account a
            with acting_as(Principal("ana", "user", Role.OPERATOR)):
                queued = await queue.defer_many([("orders", i) for i in ids])
            rows = await queue.procrastinate.connector.execute_query_all_async(
                "SELECT task_name, args FROM procrastinate_jobs ORDER BY id")
            again = await queue.defer_many([("orders", i) for i in ids])  # all waiting now
            for row in rows:  # what a worker does with each job: the task with the job's arguments
                live = app.accounts.open(app.accounts.row_by_id(row["args"]["account_id"]))
                client = live.client("https://s.example.com")  # as a platform's job opens one
                await queue.tasks[row["task_name"].removeprefix("hub:")](**row["args"])
                assert live.runtime.clients == {"default": client}, "kept for its next job"
                assert app.accounts.open(app.accounts.row_by_id(row["args"]["account_id"])) is live
        await app.accounts.aclose()
        return queued, again, [row["args"] for row in rows]

    queued, again, args = asyncio.run(scenario())
    assert queued == [("orders", ids[1]), ("orders", ids[2])]
    assert again == []
    assert args == [{"account_id": ids[0]}, {"account_id": ids[1], "actor": "user:ana"},
                    {"account_id": ids[2], "actor": "user:ana"}]
    with app.db.session() as s:
        runs = {run.account_id: run.actor for run in s.exec(select(SyncRun))}
    assert runs == {ids[0]: None, ids[1]: "user:ana", ids[2]: "user:ana"}, "run history names who asked"


@pytest.mark.postgres
def test_the_daemon_queues_the_jobs_due_together_and_saves_their_marks(pg_app: HubApp) -> None:
    from hub.core.storage.schedule import JobMark

    app = pg_app
    for name in ("a", "b", "c"):
        app.accounts.add("fakeshop", name, SETTINGS)

    async def scenario() -> tuple[int, int, int]:
        daemon = Daemon(app)
        assert daemon.queue is not None
        await daemon.queue.procrastinate.open_async()
        try:
            daemon.leader_held = True
            daemon.sync_jobs()
            for job in daemon.scheduler.get_jobs():
                await job.func(*job.args)  # every account's jobs fall due at once
            assert daemon.flushing is not None
            first = await daemon.flushing
            for job in daemon.scheduler.get_jobs():
                await job.func(*job.args)  # due again before a worker took them: nothing doubles
            second = await daemon.flushing
            waiting = await daemon.queue.procrastinate.connector.execute_query_one_async(
                "SELECT count(*) AS n FROM procrastinate_jobs WHERE status = 'todo'")
        finally:
            await daemon.queue.procrastinate.close_async()
        return first, second, waiting["n"]

    first, second, waiting = asyncio.run(scenario())
    # no catalogue flow is switched on here, so the jobs behind a switch are not scheduled
    wanted = {(job.flow, row.id) for row in app.accounts.rows() for job in jobs.per_account()
              if job.switch is None and job.interval(row, _core(row))}
    assert first == len(wanted) == waiting and second == 0
    with app.db.session() as s:
        marks = {(m.flow, m.account_id): m.deferred_at for m in s.exec(select(JobMark))}
    assert set(marks) == wanted
    assert len(set(marks.values())) == 1, "saved in one statement, one time"


def _core(row: Any) -> Any:
    from hub.core.scheduler import CORE_SCHEMA
    from hub.settings import SettingsView

    return SettingsView(CORE_SCHEMA, row.settings or {}).core


@pytest.mark.postgres
def test_a_pooled_connection_killed_while_idle_is_replaced_not_an_error(
        pg_app: HubApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers ping only connections idle a while (not at every checkout); a dead one is replaced."""
    from sqlalchemy import text

    from hub.core.storage import db as storage

    engine = pg_app.db.engine
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with engine.connect() as conn:  # in steady use: the same connection, no ping needed
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid
    other = storage.create_engine_or_explain(pg_app.config.database_url)
    with other.connect() as conn:  # the server drops it, as a restart would
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()
    monkeypatch.setattr(storage, "PING_AFTER_IDLE", 0.0)  # it has been idle long enough
    with engine.connect() as conn:
        fresh = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    assert fresh != pid


@pytest.mark.postgres
def test_a_worker_job_reads_its_account_row_once_and_the_hub_currency_once_per_ttl(
        pg_app: HubApp, fake: FakePlatform) -> None:
    """Round trips per job: the flow reuses the row the worker read to decide to run the job;
    the hub's currency is read once for both jobs (``SETTINGS_TTL``); each still takes the run
    lease (taken, then released)."""
    from sqlalchemy import event

    from hub.core.queue import SETTINGS_TTL, Queue

    app = pg_app
    account_id = app.accounts.add("fakeshop", "main", SETTINGS).id or 0
    fake.add(make_order(1))
    app.settings_ttl = SETTINGS_TTL  # as Queue.run_worker sets it
    statements: list[str] = []
    event.listen(app.db.engine, "before_cursor_execute",
                 lambda _c, _k, sql, *_: statements.append(" ".join(sql.split()).lower()))

    async def scenario() -> None:
        queue = Queue(app)
        await queue.run_job("orders", account_id)
        await queue.run_job("orders", account_id)
        await app.accounts.aclose()

    asyncio.run(scenario())
    account_reads = [s for s in statements if s.startswith("select") and " from account " in s + " "]
    setting_reads = [s for s in statements if "from hub_setting" in s]
    leases = [s for s in statements if s.startswith(("insert into lease", "delete from lease"))]
    assert len(account_reads) == 2, account_reads  # one per job, not two
    assert len(setting_reads) == 1, setting_reads
    assert len(leases) == 4, leases  # one statement each way (no UPDATE when the row is new)
    assert not [s for s in statements if s.startswith("update lease")]
    with app.db.session() as s:
        runs = s.exec(select(SyncRun).order_by(SyncRun.id)).all()
    assert [(r.status, r.counts.get("imported", 0)) for r in runs] == [("ok", 1), ("ok", 0)]


def test_the_hub_currency_is_read_fresh_by_default_and_a_set_clears_the_kept_one(
        host: PluginHost, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'hub.db'}"
    reader = HubApp(Config(data_dir=tmp_path / "data", database_url=url), host=host)
    writer = HubApp(Config(data_dir=tmp_path / "data", database_url=url), host=host)
    try:
        assert reader.currency == "USD"
        writer.set_setting("currency", "EUR")
        assert reader.currency == "EUR"  # settings_ttl 0 (the default): every read goes to the database
        reader.settings_ttl = 3600.0  # a worker's cache, long enough that no clock is involved
        assert reader.currency == "EUR"
        writer.set_setting("currency", "BRL")
        assert reader.currency == "EUR"  # kept: another process's change shows after the TTL
        reader.set_setting("currency", "MXN")
        assert reader.currency == "MXN"  # its own change clears what it kept
    finally:
        reader.close()
        writer.close()
