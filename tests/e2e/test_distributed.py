"""Distributed mode on the local PostgreSQL: ``hub worker`` processes and ``hub daemon``s on one queue.

Real processes, real sandboxes on 127.0.0.1, a fresh schema per test. The waits
are hang guards that poll the database, not timing assertions.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from hub.core.plugins import get_host
from hub.core.queue import Queue
from hub.sandbox import SandboxOptions
from hub.testing.cluster import Cluster
from hub.testing.harness import SandboxHarness
from tests.conftest import postgres_url
from tests.e2e.test_kill_resume import HoldAfterTwoPages

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.timeout(240),
    pytest.mark.skipif("woocommerce" not in get_host().platforms, reason="hub-woocommerce not installed"),
]


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _defer(h: SandboxHarness, flow: str, names: list[str]) -> int:
    async def go() -> int:
        queue = Queue(h.app)
        async with queue.procrastinate.open_async():
            queued = 0
            for name in names:
                queued += await queue.defer(flow, h.app.accounts.row(name).id or 0)
            return queued

    return asyncio.run(go())


def _runs(cluster: Cluster) -> list[tuple[str, str, str, object, object, dict[str, int]]]:
    return [tuple(r) for r in cluster.rows(
        "SELECT a.name, r.flow, r.status, r.started_at, r.finished_at, r.counts "
        "FROM sync_run r JOIN account a ON a.id = r.account_id ORDER BY r.id")]


def test_three_workers_fifty_accounts_each_order_once_no_account_twice_at_once(tmp_path: Path) -> None:
    url = postgres_url()
    fast = {"backfill_slice_days": "3650"}  # one request per backfill: the test is about the queue
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=6, seed=5), database_url=url,
                        flows=("orders",), settings=fast) as h:
        names = [h.account] + [h.add_account(f"shop{i:02d}", fast) for i in range(1, 50)]
        expected = h.sandbox.eligible_order_ids()
        assert expected
        with Cluster(h.app.config.data_dir, _libpq(url)) as cluster:
            workers = [cluster.start_worker(concurrency=4) for _ in range(3)]
            cluster.wait_for(lambda: cluster.alive_workers() == 3, what="3 workers registered")
            assert _defer(h, "orders", names) == 50
            # deferred again while the first jobs run: the queueing lock keeps at most one waiting,
            # the lock keeps a second one from starting before the first finished
            _defer(h, "orders", names)
            _defer(h, "orders", names)
            waiting = cluster.scalar("SELECT max(n) FROM (SELECT count(*) n FROM procrastinate_jobs "
                                     "WHERE status = 'todo' GROUP BY queueing_lock) t")
            assert waiting in (None, 1)
            cluster.wait_for(lambda: cluster.pending() == 0, what="the queue drained")
            for worker in workers:
                assert worker.stop() == 0, worker.output()[-2000:]
            failed = cluster.scalar("SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'")
            runs = _runs(cluster)
    assert failed == 0
    imported: dict[str, int] = defaultdict(int)
    spans: dict[tuple[str, str], list[tuple[object, object]]] = defaultdict(list)
    for name, flow, status, started, finished, counts in runs:
        assert status == "ok", (name, status)
        imported[name] += counts.get("imported", 0)
        spans[(name, flow)].append((started, finished))
    assert imported == {name: len(expected) for name in names}, "every eligible order imported once"
    for key, intervals in spans.items():
        intervals.sort()
        for (_, end), (start, _) in itertools.pairwise(intervals):
            assert start >= end, f"{key}: two runs at once"
    with h.app.db.session() as s:  # and stored once
        from sqlmodel import func, select

        from hub.core.storage.models import Order

        assert s.exec(select(func.count()).select_from(Order)).one() == 50 * len(expected)
    busy = [w for w in workers if " orders run " in w.output()]
    assert len(busy) >= 2, "the work was spread over the workers"


def test_kill_9_worker_mid_import_job_recovered_by_another(tmp_path: Path) -> None:
    url = postgres_url()
    h = SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=400, seed=7), database_url=url,
                       flows=("orders",), settings={"backfill_slice_days": "90"})
    gate = HoldAfterTwoPages(h.sandbox.app)  # the kill lands mid-import by construction, not luck
    h.sandbox.app = gate  # type: ignore[misc]
    with h, Cluster(h.app.config.data_dir, _libpq(url)) as cluster:
        first = cluster.start_worker(concurrency=1, stalled_seconds=2)
        cluster.wait_for(lambda: cluster.alive_workers() == 1, what="the worker registered")
        assert _defer(h, "orders", ["main"]) == 1
        cluster.wait_for(lambda: cluster.scalar("SELECT count(*) FROM hub_order") > 0, what="page 1")
        first.kill9()
        gate.holding = False
        partial = cluster.scalar("SELECT count(*) FROM hub_order")
        expected = h.sandbox.eligible_order_ids()
        assert 0 < partial < len(expected), "the kill must land mid-import"
        second = cluster.start_worker(concurrency=1, stalled_seconds=2)
        cluster.wait_for(lambda: cluster.pending() == 0, what="the stalled job recovered and run")
        assert second.stop() == 0
        ids = [r[0] for r in cluster.rows("SELECT platform_order_id FROM hub_order")]
        statuses = [r[2] for r in _runs(cluster)]
        jobs = cluster.rows("SELECT status, attempts FROM procrastinate_jobs")
    assert "recovered hub:orders" in second.output()
    assert len(ids) == len(set(ids)), "no order twice"
    assert set(ids) == expected, "every eligible order, nothing else"
    assert statuses == ["interrupted", "ok"], "the killed run is marked interrupted"
    assert all(status == "succeeded" for status, _ in jobs) or not jobs  # deleted once succeeded


def _deferrals(cluster: Cluster) -> dict[str, list[float]]:
    """Per account lock, the epoch seconds at which the scheduling daemons deferred its job."""
    times: dict[str, list[float]] = defaultdict(list)
    for lock, at in cluster.rows(
            "SELECT j.lock, extract(epoch FROM e.at) FROM procrastinate_events e "
            "JOIN procrastinate_jobs j ON j.id = e.job_id "
            "WHERE e.type = 'deferred' AND j.task_name = 'hub:orders' ORDER BY e.at"):
        times[lock].append(float(at))
    return times


def test_leader_daemon_killed_standby_takes_over_restart_loses_nothing_doubles_nothing(
        tmp_path: Path) -> None:
    url = postgres_url()
    every = 3
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=4, seed=9), database_url=url,
                        flows=("orders",), settings={"orders_interval": str(every)}) as h:
        names = [h.account] + [h.add_account(f"shop{i}", {"orders_interval": str(every)})
                               for i in range(1, 5)]
        with Cluster(h.app.config.data_dir, _libpq(url)) as cluster:
            cluster.start_worker(concurrency=2, delete_jobs="never")
            leader = cluster.start_daemon()
            cluster.wait_for(lambda: "(leader)" in leader.output(), what="the first daemon leads")
            standby = cluster.start_daemon()
            cluster.wait_for(lambda: len(_deferrals(cluster)) == 5, what="every account deferred")
            cluster.wait_for(lambda: "hub daemon" in standby.output(), what="the standby started")
            leader.kill9()
            killed_at = cluster.scalar("SELECT extract(epoch FROM now())")
            cluster.wait_for(lambda: "(leader)" in standby.output(), what="the standby takes over")
            restarted = cluster.start_daemon()  # the killed daemon comes back, as the standby now
            cluster.wait_for(lambda: all(sum(t > float(killed_at) for t in times) >= 2
                                         for times in _deferrals(cluster).values()),
                             what="every account deferred twice after the kill")
            restarted_output = restarted.output()
            deferrals = _deferrals(cluster)
            waiting = cluster.scalar("SELECT max(n) FROM (SELECT count(*) n FROM procrastinate_jobs "
                                     "WHERE status = 'todo' GROUP BY queueing_lock) t")
    assert "(leader)" not in restarted_output, "one daemon schedules at a time"
    assert waiting in (None, 1)
    assert len(deferrals) == len(names)
    for lock, times in deferrals.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # no burst: the trigger's jitter is +-10 %, so two deferrals of one schedule are >= 0.8 x apart;
        # a takeover or restart that re-fired every account at once would be far closer
        assert min(gaps) >= every * 0.5, f"{lock}: deferred twice in a row {gaps}"
        # nothing lost: every account goes on being deferred after the kill (loose bound: a hang guard)
        assert max(gaps) < every * 6, f"{lock}: a schedule was lost {gaps}"
