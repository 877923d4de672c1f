"""Run history stays useful: no row for a scheduled push with nothing to send, and pruning."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from hub.core.app import HubApp
from hub.core.metrics import collect, render
from hub.core.scheduler import Daemon
from hub.core.storage.models import RunItem, SyncRun
from hub.core.sync import runs
from hub.core.sync.orders import import_orders
from hub.core.sync.push import push
from tests.fakeplatform import FakePlatform, make_order


def all_runs(app: HubApp) -> list[SyncRun]:
    with app.db.session() as s:
        return list(s.exec(select(SyncRun).order_by(SyncRun.id)))


def test_a_scheduled_push_with_nothing_due_records_no_run_but_a_metric(
        app: HubApp, account: str, fake: FakePlatform) -> None:
    fake.add(make_order(1))
    asyncio.run(import_orders(app, "main"))
    app.accounts.set_flags("main", flow_tracking=True)
    before = len(all_runs(app))
    idle_before = runs.idle_counts().get((1, "tracking"), 0)  # this process's count so far
    for _ in range(3):
        idle = asyncio.run(push(app, "main", "tracking", trigger="scheduled"))
        assert (idle.run_id, idle.status) == (0, "idle")
    assert len(all_runs(app)) == before  # three idle checks, no row
    metric = f'hub_idle_runs_total{{account="main",flow="tracking"}} {idle_before + 3}'
    assert metric in render(collect(app))
    manual = asyncio.run(push(app, "main", "tracking"))  # asked for by a user: recorded
    assert manual.run_id and len(all_runs(app)) == before + 1


def test_the_daemon_writes_no_rows_for_idle_pushes(app: HubApp, fake: FakePlatform) -> None:
    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": "k" * 10,
                                          "orders_interval": "3600", "push_interval": "1"})
    app.accounts.set_flags("main", flow_orders=False, flow_stock=True, flow_price=True)

    async def scenario() -> None:
        daemon = Daemon(app, rescan=3600, startup_jitter=0)
        task = asyncio.create_task(daemon.run())
        # wait for two rounds of scheduled pushes (stock and price each time)
        for _ in range(400):
            if sum(runs.idle_counts().get((1, flow), 0) for flow in ("stock", "price")) >= 4:
                break
            await asyncio.sleep(0.05)
        daemon.stop()
        await asyncio.wait_for(task, 30)

    before = dict(runs.idle_counts())
    asyncio.run(scenario())
    after = runs.idle_counts()
    assert after.get((1, "stock"), 0) - before.get((1, "stock"), 0) >= 2
    assert [r.flow for r in all_runs(app)] == []


def make_run(app: HubApp, *, days_ago: float, status: str = "ok", items: int = 0) -> int:
    with app.db.session() as s:
        run = SyncRun(account_id=1, flow="orders", trigger="scheduled", status=status,
                      started_at=datetime.now(UTC) - timedelta(days=days_ago))
        s.add(run)
        s.flush()
        for n in range(items):
            runs.record_item(s, run.id or 0, 1, f"order-{n}", runs.SKIPPED, "not eligible")
        return run.id or 0


def test_prune_deletes_old_runs_and_their_items_and_dry_run_only_counts(
        app: HubApp, account: str, hub_cli: Any) -> None:
    old = [make_run(app, days_ago=120, items=2), make_run(app, days_ago=91, items=1)]
    running = make_run(app, days_ago=200, status="running")
    recent = make_run(app, days_ago=10, items=1)

    dry = hub_cli("runs", "prune", "--older-than", "90d", "--dry-run")
    assert dry.code == 0 and "would delete 2 runs and 3 items" in dry.err
    assert len(all_runs(app)) == 4

    done = hub_cli("runs", "prune", "--older-than", "90d")
    assert done.code == 0 and "deleted 2 runs and 3 items" in done.err
    assert [r.id for r in all_runs(app)] == [running, recent]
    with app.db.session() as s:
        assert {i.run_id for i in s.exec(select(RunItem))} == {recent}
    assert not set(old) & {r.id for r in all_runs(app)}


def test_prune_rejects_an_age_it_cannot_read(app: HubApp, account: str, hub_cli: Any) -> None:
    for bad in ("90", "d", "-5d", "3y"):
        result = hub_cli("runs", "prune", "--older-than", bad)
        assert result.code == 2 and "must look like 90d" in result.err, bad
        assert "Traceback" not in result.err


def test_the_daemon_prunes_by_its_retention_setting(app: HubApp, account: str) -> None:
    make_run(app, days_ago=40, items=1)
    recent = make_run(app, days_ago=1)
    asyncio.run(Daemon(app).prune())  # default 90 days: nothing is that old
    assert len(all_runs(app)) == 2
    asyncio.run(Daemon(app, retention_days=30).prune())
    assert [r.id for r in all_runs(app)] == [recent]


def test_the_daemon_schedules_a_prune_job_unless_retention_is_zero(app: HubApp) -> None:
    async def jobs(retention: int | None) -> set[str]:
        daemon = Daemon(app, rescan=3600, retention_days=retention)
        task = asyncio.create_task(daemon.run())
        while not daemon.scheduler.running:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0)
        ids = {job.id for job in daemon.scheduler.get_jobs()}
        daemon.stop()
        await asyncio.wait_for(task, 30)
        return ids

    assert "prune-runs" in asyncio.run(jobs(None))
    assert "prune-runs" not in asyncio.run(jobs(0))
