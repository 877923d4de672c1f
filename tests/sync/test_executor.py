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


def test_a_registered_job_is_scheduled_per_account_by_the_in_process_daemon(app: HubApp) -> None:
    app.accounts.add("fakeshop", "main", SETTINGS)
    app.accounts.add("fakeshop", "off", SETTINGS)
    seen: list[str | None] = []

    async def tickets(_app: HubApp, name: str | None, _stop: asyncio.Event) -> None:
        seen.append(name)

    core_job = jobs.JOBS.get("tickets")  # the core's own, put back afterwards
    jobs.register_job("tickets", tickets, lambda row, core: 3600 if row.name == "main" else 0)
    try:
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
    finally:
        jobs.JOBS.pop("tickets")
        if core_job is not None:  # later tests in this process schedule the core's tickets job
            jobs.JOBS["tickets"] = core_job
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
