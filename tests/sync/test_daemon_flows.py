"""The daemon schedules only the flows an account switched on."""

from __future__ import annotations

import asyncio

from hub.core.app import HubApp
from hub.core.scheduler import Daemon


def test_no_job_for_a_flow_that_is_off(app: HubApp) -> None:
    app.accounts.add("fakeshop", "reads", {"base_url": "https://s.example.com", "api_key": "k" * 10})
    app.accounts.add("fakeshop", "writes", {"base_url": "https://s.example.com", "api_key": "k" * 10})
    app.accounts.set_flags("writes", flow_orders=False, flow_stock=True)

    async def jobs() -> set[str]:
        daemon = Daemon(app)
        daemon.scheduler.start(paused=True)
        daemon.sync_jobs()
        ids = {job.id for job in daemon.scheduler.get_jobs()}
        app.accounts.set_flags("reads", flow_orders=False)
        daemon.sync_jobs()
        ids_after = {job.id for job in daemon.scheduler.get_jobs()}
        daemon.scheduler.shutdown(wait=False)
        return ids, ids_after  # type: ignore[return-value]

    before, after = asyncio.run(jobs())
    assert before == {"orders:reads", "push:writes"}
    assert after == {"push:writes"}
