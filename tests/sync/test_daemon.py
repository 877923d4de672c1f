"""The scheduler daemon: jobs per account and flow, failures logged, clean stop."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.scheduler import Daemon
from hub.core.storage.models import Order, SyncRun
from tests.fakeplatform import FakePlatform, make_order


async def wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def runs(app: HubApp) -> list[SyncRun]:
    with app.db.session() as s:
        return list(s.exec(select(SyncRun).order_by(SyncRun.id)))


def test_daemon_schedules_imports_survives_a_failing_run_and_stops_cleanly(
        app: HubApp, fake: FakePlatform, caplog: pytest.LogCaptureFixture) -> None:
    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": "k" * 10,
                                          "orders_interval": "1", "push_interval": "1"})
    app.accounts.add("fakeshop", "off", {"base_url": "https://s.example.com", "api_key": "k" * 10})
    app.accounts.set_flags("off", enabled=False)
    fake.add(make_order(1), make_order(2), make_order(3))
    fake.fail_on_page = 1
    caplog.set_level(logging.INFO, logger="hub")

    async def scenario() -> Daemon:
        daemon = Daemon(app, rescan=0.5, startup_jitter=0.2)
        task = asyncio.create_task(daemon.run())
        await wait_for(lambda: any(r.status == "failed" for r in runs(app)))
        fake.fail_on_page = None
        await wait_for(lambda: any(r.status == "ok" and r.flow == "orders" for r in runs(app)))
        daemon.stop()
        await asyncio.wait_for(task, 60)  # a hang guard
        return daemon

    daemon = asyncio.run(scenario())
    assert set(daemon.jobs) == {"main"}  # the disabled account gets no job
    with app.db.session() as s:
        assert len(s.exec(select(Order)).all()) == 3
    assert {r.trigger for r in runs(app)} == {"scheduled"}
    assert any("failed" in rec.getMessage() and "503" in rec.getMessage() for rec in caplog.records)


def test_stop_lets_the_running_import_finish_its_page_and_commit(app: HubApp, fake: FakePlatform) -> None:
    app.accounts.add("fakeshop", "main", {"base_url": "https://s.example.com", "api_key": "k" * 10,
                                          "orders_interval": "3600"})
    fake.add(*(make_order(i) for i in range(1, 7)))
    daemon = Daemon(app, startup_jitter=0.2)
    entered = asyncio.Event()

    async def pause_then_stop() -> None:
        entered.set()
        daemon.stop()  # SIGTERM arrives while the first page is being fetched

    fake.before_fetch = pause_then_stop

    async def scenario() -> None:
        task = asyncio.create_task(daemon.run())
        await asyncio.wait_for(task, 60)  # a hang guard

    asyncio.run(scenario())
    assert entered.is_set()
    [run] = runs(app)
    assert run.status == "interrupted"
    with app.db.session() as s:
        assert len(s.exec(select(Order)).all()) == 2  # the page in flight was committed, no more
