"""The daemon schedules the catalogue flows (products, products_in, contacts, contacts_in) only
for the accounts that switched them on, and their runs show in the run history."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.plugins import PluginHost
from hub.core.scheduler import Daemon
from hub.core.storage.catalogue import FlowSwitch
from hub.core.storage.models import SyncRun
from hub.core.sync.catalogue_edit import parse_input, save_product
from hub.core.sync.contacts_out import add_contact
from hub.core.sync.publish import set_flow
from hub.sandbox import SandboxOptions
from hub.settings import CATALOGUE_IN_INTERVAL, CATALOGUE_INTERVAL
from hub.testing.harness import SandboxHarness
from tests.conftest import postgres_url
from tests.fakeplatform import FakePlatform

pytest.importorskip("hub_woocommerce")

CATALOGUE_FLOWS = {"products", "products_in", "contacts", "contacts_in"}
FAST = {"catalogue_interval": "1", "catalogue_in_interval": "1", "orders_interval": "0",
        "push_interval": "0"}


def _runs(h: SandboxHarness) -> list[SyncRun]:
    with h.app.db.session() as s:
        return list(s.exec(select(SyncRun).order_by(SyncRun.id)))


def _job_ids(h: SandboxHarness) -> set[str]:
    async def ids() -> set[str]:
        daemon = Daemon(h.app)
        daemon.scheduler.start(paused=True)
        daemon.sync_jobs()
        found = {job.id for job in daemon.scheduler.get_jobs()}
        daemon.scheduler.shutdown(wait=False)
        return found

    return asyncio.run(ids())


def test_daemon_runs_the_catalogue_flows_only_where_switched_on(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0, seed=4), settings=FAST,
                        flows=()) as h:
        h.add_account("off", FAST)  # the same store, flows left off
        assert not {j for j in _job_ids(h) if j.partition(":")[0] in CATALOGUE_FLOWS}
        set_flow(h.app, "main", "products", True)
        set_flow(h.app, "main", "contacts", True)
        with h.app.db.session() as s:
            save_product(s, parse_input({"sku": "D-MUG", "name": "Daemon mug"}))
        add_contact(h.app, "ana@example.com", None, "Ana", "Silva")
        h.sandbox.stats.reset()

        async def scenario() -> None:
            daemon = Daemon(h.app, rescan=0.5, startup_jitter=0.2)
            task = asyncio.create_task(daemon.run())
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60  # a hang guard, not a timing assertion
            while not {r.flow for r in _runs(h) if r.status == "ok"} >= CATALOGUE_FLOWS:
                assert loop.time() < deadline, [(r.flow, r.status, r.error) for r in _runs(h)]
                await asyncio.sleep(0.1)
            daemon.stop()
            await asyncio.wait_for(task, 60)

        asyncio.run(scenario())
        done = _runs(h)
        main_id, off_id = (h.app.accounts.row(n).id for n in ("main", "off"))
        assert {r.flow for r in done if r.account_id == main_id} == CATALOGUE_FLOWS
        assert all(r.account_id != off_id for r in done)  # the flows are off there: never run
        assert {r.trigger for r in done} == {"scheduled"}
        pushed = next(r for r in done if r.flow == "products")
        assert pushed.status == "ok"
        listed = [p for p in h.sandbox.products.values() if p["sku"] == "D-MUG"]  # type: ignore[attr-defined]
        assert len(listed) == 1 and listed[0]["name"] == "Daemon mug"

        ids = _job_ids(h)
        assert {f"{flow}:main" for flow in CATALOGUE_FLOWS} <= ids
        assert not {f"{flow}:off" for flow in CATALOGUE_FLOWS} & ids
        set_flow(h.app, "main", "contacts", False)  # switched off: its jobs go, the others stay
        ids = _job_ids(h)
        assert "contacts:main" not in ids and "contacts_in:main" not in ids
        assert "products:main" in ids and "products_in:main" in ids


def test_catalogue_intervals_default_to_five_and_fifteen_minutes(tmp_path: Path) -> None:
    assert (CATALOGUE_INTERVAL, CATALOGUE_IN_INTERVAL) == (300, 900)
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=0), flows=()) as h:
        set_flow(h.app, "main", "products", True)

        async def intervals() -> dict[str, int]:
            daemon = Daemon(h.app)
            daemon.scheduler.start(paused=True)
            daemon.sync_jobs()
            daemon.scheduler.shutdown(wait=False)
            return daemon.jobs["main"]

        every = asyncio.run(intervals())
        assert (every["products"], every["products_in"]) == (300, 900)
        assert every["contacts"] == every["contacts_in"] == 0


@pytest.mark.postgres
def test_a_worker_skips_a_catalogue_job_whose_flow_was_switched_off(
        host: PluginHost, tmp_path: Path, fake: FakePlatform, caplog: pytest.LogCaptureFixture) -> None:
    from hub.core.queue import Queue

    app = HubApp(Config(data_dir=tmp_path / "data", database_url=postgres_url(),
                        executor="procrastinate"), host=host)
    try:
        app.db.ensure_schema()
        account_id = app.accounts.add("fakeshop", "main", {
            "base_url": "https://s.example.com", "api_key": "k" * 10}).id or 0

        def flows() -> list[str]:
            with app.db.session() as s:
                return [r.flow for r in s.exec(select(SyncRun))]

        async def work() -> None:
            queue = Queue(app)
            async with queue.procrastinate.open_async():
                await queue.run_job("products_in", account_id)  # what a worker does with it
            await app.accounts.aclose()

        caplog.set_level(logging.INFO, logger="hub")
        asyncio.run(work())  # queued while on, switched off since: skipped (not failed), no run
        assert flows() == []
        assert "the products flow is off for account main; products_in skipped" in caplog.text
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        with app.db.session() as s:  # fakeshop cannot publish: the switch is set directly
            s.add(FlowSwitch(account_id=account_id, flow="products", on=True))
        asyncio.run(work())
        assert flows() == ["products_in"]
    finally:
        app.close()
