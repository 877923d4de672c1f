"""Scenario 5, scale: 1,000 accounts under one daemon for 10 minutes, orders polled every 5 minutes.

Every account is a WooCommerce account on one sandbox process (its own
process, so the figures are the hub's): what is measured is the daemon, not
the store. Scheduling lag is, for each orders run, the time from the moment
APScheduler meant it to start until the daemon started it; a run missed by
more than the misfire grace is counted apart. CPU is the hub process's CPU
time over the wall time. Reported: runs done and failed, lag p50/p95/max,
CPU and peak RSS.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
from datetime import UTC, datetime

from bench.common import Figure, quiet_env
from bench.sandboxes import sandbox_process


def run(accounts: int, seconds: float, interval: int) -> list[Figure]:
    from apscheduler.events import EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED, JobEvent
    from sqlmodel import func, select

    from hub.core.app import HubApp
    from hub.core.scheduler import Daemon
    from hub.core.storage.models import SyncRun

    lags: list[float] = []
    missed = 0

    def listen(event: JobEvent) -> None:
        nonlocal missed
        if not event.job_id.startswith("orders:"):
            return
        if event.code == EVENT_JOB_MISSED:
            missed += 1
        elif event.code == EVENT_JOB_SUBMITTED:
            late = datetime.now(UTC) - event.scheduled_run_times[-1]  # a JobSubmissionEvent
            lags.append(late.total_seconds())

    with quiet_env(), sandbox_process("woocommerce", orders=20, seed=5) as sb:
        app = HubApp()
        settings = {**sb["settings"], "orders_interval": str(interval), "backfill_days": "3"}
        for i in range(accounts):
            app.accounts.add("woocommerce", f"shop{i:04d}", settings)

        async def main() -> tuple[float, float]:
            daemon = Daemon(app)
            daemon.scheduler.add_listener(listen, EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED)
            task = asyncio.create_task(daemon.run())
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.sleep(seconds)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            daemon.stop()
            await task
            return cpu, wall

        cpu, wall = asyncio.run(main())
        with app.db.session() as s:
            done = s.exec(select(func.count()).select_from(SyncRun).where(
                SyncRun.flow == "orders", SyncRun.status == "ok")).one()
            runs = s.exec(select(func.count()).select_from(SyncRun).where(SyncRun.flow == "orders")).one()
        app.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lags.sort()
    p95 = lags[int(0.95 * (len(lags) - 1))] if lags else 0.0
    context = {"accounts": accounts, "seconds": round(wall), "interval_s": interval,
               "runs": runs, "runs_ok": done, "missed": missed, "peak_rss_mb": round(rss_mb, 1),
               "lag_p50_s": round(statistics.median(lags), 3) if lags else None,
               "lag_max_s": round(lags[-1], 3) if lags else None}
    return [
        Figure("scale", f"{accounts:,} accounts, orders every {interval} s: scheduling lag p95",
               round(p95, 3), "s", context=context),
        Figure("scale", "orders runs missed (started over a minute late)", missed, "runs", "0",
               missed == 0, {"started": len(lags)}),
        Figure("scale", "orders runs that did not finish ok", runs - done, "runs", "0", runs == done,
               {"runs": runs}),
        Figure("scale", "daemon CPU", round(100 * cpu / wall, 1), "% of one core",
               context={"cpu_s": round(cpu, 1)}),
    ]
