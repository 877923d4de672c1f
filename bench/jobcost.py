"""What one distributed job costs: CPU-seconds per job of the worker and of PostgreSQL, and
the statements and commits it sends, over a fixed number of jobs (not a time window).

``N`` WooCommerce accounts on one sandbox process; every account's orders job is
queued, a worker in this process runs them all (the backfill round), then they
are queued again and the second round (incremental polls, the steady state) is
measured: this process's CPU (``time.process_time``), the CPU of the PostgreSQL
backends serving the database, the sandbox's CPU, and the hub's SQL statements
and commits (SQLAlchemy events; procrastinate's own two or three a job are not
counted). ``--profile FILE`` writes a cProfile of the measured round.

A figure that does not depend on what else the machine runs, unlike jobs per
second: ``python -m bench.jobcost --accounts 200``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from bench.common import Figure, quiet_env
from bench.distributed import DEFAULT_URL, _add_accounts, _cpu_seconds, _database, _sandbox_pid
from bench.sandboxes import sandbox_process


def _backend_cpu(engine: Any, database: str) -> dict[int, float]:
    from sqlalchemy import text

    with engine.connect() as conn:
        pids = [int(r[0]) for r in conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database})]
    return {pid: _cpu_seconds(pid) for pid in pids}


async def _work(queue: Any, concurrency: int) -> None:
    await queue.procrastinate.run_worker_async(concurrency=concurrency, wait=False,
                                               install_signal_handlers=False,
                                               delete_jobs="successful", listen_notify=False)


def run(accounts: int, concurrency: int = 8, profile: str | None = None) -> dict[str, Any]:
    from sqlalchemy import create_engine, event, text

    from hub.core import queue as queue_module
    from hub.core.app import HubApp
    from hub.core.config import Config
    from hub.core.queue import Queue

    base = os.environ.get("HUB_BENCH_DATABASE_URL") or os.environ.get("HUB_TEST_DATABASE_URL") \
        or DEFAULT_URL
    url, admin = _database(base)
    name = url.rsplit("/", 1)[1]
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        with quiet_env() as tmp, sandbox_process("woocommerce", orders=20, seed=5) as sb:
            app = HubApp(Config(data_dir=tmp / "data", database_url=sa_url, executor="procrastinate"))
            app.db.ensure_schema()
            from hub.core.queue import ensure_queue_schema

            ensure_queue_schema(app)
            _add_accounts(app, accounts, {**sb["settings"], "orders_interval": "60",
                                          "backfill_days": "3"})
            ids = [row.id or 0 for row in app.accounts.rows()]
            queue = Queue(app, pool_size=concurrency + 2)
            # as Queue.run_worker sets it (getattr: this also measures a hub from before it)
            app.settings_ttl = getattr(queue_module, "SETTINGS_TTL", 0.0)
            counts = {"statements": 0, "commits": 0}

            def statement(*_: Any) -> None:
                counts["statements"] += 1

            def commit(*_: Any) -> None:
                counts["commits"] += 1

            monitor = create_engine(sa_url, pool_size=1)
            store = _sandbox_pid()

            async def main() -> dict[str, Any]:
                async with queue.procrastinate.open_async():
                    due = [("orders", account_id) for account_id in ids]
                    await queue.defer_many(due)
                    await _work(queue, concurrency)  # the backfill round
                    await queue.defer_many(due)
                    event.listen(app.db.engine, "before_cursor_execute", statement)
                    event.listen(app.db.engine, "commit", commit)
                    pg0 = _backend_cpu(monitor, name)
                    store0 = _cpu_seconds(store) if store else 0.0
                    cpu0, t0 = time.process_time(), time.perf_counter()
                    profiler = None
                    if profile:
                        import cProfile

                        profiler = cProfile.Profile(time.process_time)  # CPU, not waits
                        profiler.enable()
                    await _work(queue, concurrency)
                    if profiler is not None:
                        profiler.disable()
                        profiler.dump_stats(str(profile))
                    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
                    pg1 = _backend_cpu(monitor, name)
                    store_cpu = (_cpu_seconds(store) - store0) if store else 0.0
                pg = sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items())
                with monitor.connect() as conn:
                    runs = int(conn.execute(text("SELECT count(*) FROM sync_run")).scalar() or 0)
                jobs = len(ids)
                return {"accounts": accounts, "concurrency": concurrency, "jobs": jobs,
                        "sync_runs_rows": runs, "wall_s": round(wall, 2),
                        "jobs_per_s": round(jobs / wall, 1),
                        "cpu_ms_per_job": {"worker": round(cpu / jobs * 1000, 2),
                                           "postgres_backends": round(pg / jobs * 1000, 2),
                                           "sandbox": round(store_cpu / jobs * 1000, 2),
                                           "total": round((cpu + pg + store_cpu) / jobs * 1000, 2)},
                        "hub_statements_per_job": round(counts["statements"] / jobs, 2),
                        "hub_commits_per_job": round(counts["commits"] / jobs, 2),
                        "load_avg": os.getloadavg()[0]}

            try:
                return asyncio.run(main())
            finally:
                monitor.dispose()
                app.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.jobcost", description=__doc__)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile here")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.accounts, args.concurrency,
                         str(args.profile) if args.profile else None), indent=1))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())


def figures(accounts: int = 200) -> list[Figure]:
    """The figures of :func:`run` for ``dev.py bench``: CPU per incremental job, all processes."""
    result = run(accounts)
    cpu = result["cpu_ms_per_job"]
    # 10,000 accounts every 5 minutes is 33.3 jobs/s: at 30 ms a job that is one core of two
    return [Figure("jobcost", f"{accounts} incremental orders jobs: CPU per job, worker + PostgreSQL "
                   "+ sandbox", cpu["total"], "ms", "< 30", cpu["total"] < 30, result),
            Figure("jobcost", f"{accounts} incremental orders jobs: the hub's SQL statements per job",
                   result["hub_statements_per_job"], "statements", "", None,
                   {"commits": result["hub_commits_per_job"]})]
