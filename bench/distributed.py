"""Scenario 7, distributed: N accounts polled by 1 ``hub daemon`` + 1, 2, 3 ``hub worker``s on PostgreSQL.

``HUB_EXECUTOR=procrastinate``: the daemon defers each account's orders job
every ``interval`` seconds, the workers run them. Every account is a WooCommerce
account on one sandbox process. Measured over ``seconds`` after a warm-up of at
least one interval that lasts until every account's first run (its backfill) is
done and the queue is down to a few seconds of jobs (``warmup_s`` in the figures):

* scheduling lag: for each job, from its deferral by the daemon to its start by a
  worker (procrastinate's ``deferred`` and ``started`` events); p50/p95/max;
* throughput: jobs finished per second, and jobs still waiting at the end;
* CPU (% of one core over the window) and peak RSS of each hub process, and the
  PostgreSQL server's CPU;
* database connections in use (``pg_stat_activity``), peak.

Needs a PostgreSQL server: ``HUB_BENCH_DATABASE_URL`` (or ``HUB_TEST_DATABASE_URL``;
default ``postgresql://postgres@127.0.0.1:5432/test``); a database of its own is
created and dropped for each run.
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import Figure, quiet_env
from bench.sandboxes import sandbox_process

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _runqueue_seconds(pid: int) -> float:
    """Seconds the process was ready to run but waited for a CPU (``/proc/PID/schedstat``)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _sandbox_pid() -> int | None:
    """The ``hub sandbox run`` process this benchmark started (a child of this process)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == os.getpid() and b"sandbox" in args and b"run" in args:
                return int(entry.name)
    return None


class _Backends:
    """The PostgreSQL server processes serving one database, and the CPU they spent since the
    first :meth:`sample` (a backend that went away counts with its last sampled figure)."""

    def __init__(self, cluster: Any, database: str) -> None:
        self.cluster, self.database = cluster, database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.started = False

    def sample(self) -> int:
        """Sample the backends' CPU; how many there are (the database connections in use)."""
        pids = [int(r[0]) for r in self.cluster.rows(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d", d=self.database)]
        for pid in pids:
            cpu = _cpu_seconds(pid)
            # a backend born during the window spent all its CPU in it
            self.first.setdefault(pid, cpu if not self.started else 0.0)
            self.last[pid] = max(cpu, self.last.get(pid, 0.0))
        self.started = True
        return len(pids)

    def cpu(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def _per_job(seconds: dict[str, float], jobs: int) -> dict[str, float] | None:
    if not jobs:
        return None
    figures = {role: round(cpu / jobs * 1000, 2) for role, cpu in seconds.items()}
    figures["total"] = round(sum(seconds.values()) / jobs * 1000, 2)
    return figures


def _database(base: str) -> tuple[str, Any]:
    """A fresh database on the server of ``base``; returns its URL and an admin engine."""
    from sqlalchemy import create_engine, text

    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    return base.rsplit("/", 1)[0] + "/" + name, admin


def _add_accounts(app: Any, count: int, settings: dict[str, str]) -> None:
    """The first account through the service (validation, encryption), the others copied from it."""
    from sqlalchemy import insert

    from hub.core.storage.models import Account

    first = app.accounts.add("woocommerce", "shop00000", settings)
    with app.db.session() as s:
        row = s.get(Account, first.id)
        base = {c: getattr(row, c) for c in ("platform", "enabled", "settings", "secrets_enc",
                                             "credentials_enc", "flow_orders", "flow_stock",
                                             "flow_price", "flow_tracking", "created_at", "updated_at")}
        rows = [{**base, "name": f"shop{i:05d}"} for i in range(1, count)]
        for start in range(0, len(rows), 1000):
            s.execute(insert(Account), rows[start:start + 1000])


def _warm_up(cluster: Any, accounts: int, interval: int, limit: float) -> dict[str, Any]:
    """Wait until the measured window can show the steady state: one interval, every
    account's first (backfill) run finished, and no more waiting jobs than fall due in
    5 s. A window opened during the backfills measured them (20 orders written per job,
    PostgreSQL's CPU ~20x an incremental poll's), not the polls every interval."""
    t0 = time.time()
    time.sleep(interval)
    backfilled = pending = 0
    while time.time() - t0 < limit:
        backfilled = int(cluster.scalar("SELECT count(*) FROM sync_cursor WHERE flow = 'orders'"))
        pending = cluster.pending()
        if backfilled >= accounts and pending <= max(8, accounts * 5 / interval):
            break
        time.sleep(2)
    return {"warmup_s": round(time.time() - t0), "backfilled_accounts": backfilled,
            "waiting_at_start": pending}


def run(accounts: int, seconds: float, interval: int, workers: int, *,
        concurrency: int = 8, warmup_limit: float = 900) -> list[Figure]:
    from sqlalchemy import text

    from hub.core.app import HubApp
    from hub.core.config import Config
    from hub.testing.cluster import Cluster

    base = os.environ.get("HUB_BENCH_DATABASE_URL") or os.environ.get("HUB_TEST_DATABASE_URL") \
        or DEFAULT_URL
    label = f"{accounts:,} accounts every {interval} s, 1 daemon + {workers} worker(s)"
    url, admin = _database(base)
    name = url.rsplit("/", 1)[1]
    try:
        with quiet_env() as tmp, sandbox_process("woocommerce", orders=20, seed=5) as sb:
            data = tmp / "data"
            app = HubApp(Config(data_dir=data, database_url=url.replace(
                "postgresql://", "postgresql+psycopg://", 1)))
            app.db.ensure_schema()
            _add_accounts(app, accounts, {**sb["settings"], "orders_interval": str(interval),
                                          "backfill_days": "3"})
            app.close()
            with Cluster(data, url) as cluster:
                procs = [cluster.start_daemon(startup_jitter=interval)]
                procs += [cluster.start_worker(concurrency=concurrency, delete_jobs="never")
                          for _ in range(workers)]
                cluster.wait_for(lambda: cluster.alive_workers() == workers, what="workers up")
                warmup = _warm_up(cluster, accounts, interval, warmup_limit)
                pg = _postgres_pids()
                store = _sandbox_pid()
                store0 = _cpu_seconds(store) if store else 0.0
                cpu0 = {p.pid: _cpu_seconds(p.pid) for p in procs}
                wait0 = {p.pid: _runqueue_seconds(p.pid) for p in procs}
                load0 = os.getloadavg()[0]
                pg0 = sum(_cpu_seconds(pid) for pid in pg)
                t0 = time.time()
                since = cluster.scalar("SELECT now()")
                connections: list[int] = []
                backends = _Backends(cluster, name)
                while time.time() - t0 < seconds:
                    connections.append(backends.sample())
                    time.sleep(1)
                wall = time.time() - t0
                backends.sample()
                spent = {p.pid: _cpu_seconds(p.pid) - cpu0[p.pid] for p in procs}
                cpu = {p.pid: (_cpu_seconds(p.pid) - cpu0[p.pid]) / wall * 100 for p in procs}
                waited = {p.pid: (_runqueue_seconds(p.pid) - wait0[p.pid]) / wall * 100 for p in procs}
                load = (load0 + os.getloadavg()[0]) / 2
                pg_cpu = (sum(_cpu_seconds(pid) for pid in pg) - pg0) / wall * 100
                store_cpu = (_cpu_seconds(store) - store0) / wall * 100 if store else None
                rss = {p.pid: _peak_rss_mb(p.pid) for p in procs}
                lags = sorted(float(r[0]) for r in cluster.rows(
                    "SELECT extract(epoch FROM s.at - d.at) FROM procrastinate_events s "
                    "JOIN procrastinate_events d ON d.job_id = s.job_id AND d.type = 'deferred' "
                    "WHERE s.type = 'started' AND s.at >= :since", since=since))
                finished = int(cluster.scalar(
                    "SELECT count(*) FROM procrastinate_events WHERE type IN ('succeeded', 'failed') "
                    "AND at >= :since", since=since))
                failed = int(cluster.scalar(
                    "SELECT count(*) FROM procrastinate_events WHERE type = 'failed' AND at >= :since",
                    since=since))
                waiting = cluster.pending()
                runs_failed = int(cluster.scalar("SELECT count(*) FROM sync_run WHERE status <> 'ok' "
                                                 "AND status <> 'running'"))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    p95 = lags[int(0.95 * (len(lags) - 1))] if lags else 0.0
    per_job = _per_job({"daemon": spent[procs[0].pid],
                        "workers": sum(spent[p.pid] for p in procs[1:]),
                        "postgres_backends": backends.cpu(),
                        "sandbox": (store_cpu or 0.0) * wall / 100}, finished)
    due = accounts * wall / interval
    context = {"accounts": accounts, "interval_s": interval, "workers": workers,
               "concurrency": concurrency, "seconds": round(wall), "jobs_started": len(lags),
               "jobs_due": round(due), "jobs_failed": failed, "runs_not_ok": runs_failed,
               "waiting_at_end": waiting,
               "lag_p50_s": round(statistics.median(lags), 3) if lags else None,
               "lag_max_s": round(lags[-1], 3) if lags else None,
               "daemon_cpu_pct": round(cpu[procs[0].pid], 1),
               "worker_cpu_pct": [round(cpu[p.pid], 1) for p in procs[1:]],
               # ready to run but no CPU free: the machine, not the hub, is what they waited for
               "worker_runqueue_wait_pct": [round(waited[p.pid], 1) for p in procs[1:]],
               "machine_load_avg": round(load, 1), "machine_cpus": os.cpu_count(),
               "daemon_rss_mb": round(rss[procs[0].pid], 1),
               "worker_rss_mb": [round(rss[p.pid], 1) for p in procs[1:]],
               "postgres_cpu_pct": round(pg_cpu, 1),
               "sandbox_cpu_pct": round(store_cpu, 1) if store_cpu is not None else None,
               "db_connections_peak": max(connections) if connections else None,
               # CPU-seconds of each role (and their sum) per job finished, in ms: the figure that
               # does not depend on what else the machine runs
               "cpu_ms_per_job": per_job, **warmup}
    return [
        Figure("distributed", f"{label}: scheduling lag p95 (deferred -> started)", round(p95, 3), "s",
               "< 30", p95 < 30, context),
        Figure("distributed", f"{label}: throughput", round(finished / wall, 2), "jobs/s",
               f">= {0.95 * due / wall:.2f} (95 % of due)", finished >= 0.95 * due, {"finished": finished}),
    ]


def target(accounts: int, seconds: float, interval: int, workers: list[int], *,
           warmup_limit: float = 900, scenario: str = "distributed_target") -> list[Figure]:
    """1 daemon + each worker count at one size, filed under ``scenario``."""
    figures = [f for count in workers
               for f in run(accounts, seconds, interval, count, warmup_limit=warmup_limit)]
    for figure in figures:
        figure.scenario = scenario
    return figures


def compare(accounts: int, seconds: float, interval: int, workers: list[int]) -> list[Figure]:
    """Today's single daemon (SQLite, in-process) at the same load, then 1 daemon + each worker count."""
    from bench import scale

    figures: list[Figure] = []
    for figure in scale.run(accounts=accounts, seconds=seconds, interval=interval):
        figure.scenario = "distributed"
        figure.name = f"single daemon, SQLite, in-process: {figure.name}"
        figures.append(figure)
    for count in workers:
        figures += run(accounts, seconds, interval, count)
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.distributed --accounts 2000 --interval 60 --seconds 60 --workers 1 2 3``.

    One size at a time, printed as JSON (the full scenario of ``dev.py bench`` is
    long; this picks the size the machine at hand allows).
    """
    import argparse
    import json
    from dataclasses import asdict

    parser = argparse.ArgumentParser(prog="python -m bench.distributed", description=main.__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=60, help="seconds between an account's runs")
    parser.add_argument("--seconds", type=float, default=60, help="measured window after the warm-up")
    parser.add_argument("--workers", type=int, nargs="+", default=[3])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup-limit", type=float, default=900,
                        help="longest wait for the backfills to finish before the window opens")
    parser.add_argument("--single", action="store_true",
                        help="also today's single daemon on SQLite at the same load")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    if args.single:
        from bench import scale

        figures += scale.run(accounts=args.accounts, seconds=args.seconds, interval=args.interval)
    for count in args.workers:
        figures += run(args.accounts, args.seconds, args.interval, count, concurrency=args.concurrency,
                       warmup_limit=args.warmup_limit)
        print(json.dumps([asdict(f) for f in figures[-2:]], indent=1, default=str), flush=True)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
