"""A flow opens and closes its run with ``runs.begin``/``runs.end``: on PostgreSQL their commits run in
a thread (the worker's other jobs go on), on SQLite on the loop, and nothing else changes: a
run left running is marked interrupted, the faults the flow recovered from reach the run's
counts, and the status follows the counts."""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import event
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.http import faults
from hub.core.storage.models import SyncRun
from hub.core.sync import runs


def test_begin_and_end_commit_off_the_loop_on_postgresql_and_keep_what_a_run_records(
        any_db_app: HubApp) -> None:
    app = any_db_app
    account_id = app.accounts.add("fakeshop", "main", {"base_url": "https://shop.example.com",
                                                       "api_key": "sk_live_topsecret_123"}).id or 0
    with app.db.session() as s:  # a run a killed process left running
        dead = runs.start_run(s, account_id, "tickets", "scheduled").id or 0
        runs._recording.pop(dead, None)
    commits: list[int] = []
    event.listen(app.db.engine, "commit", lambda _conn: commits.append(threading.get_ident()))

    async def flow() -> tuple[int, str, str, int]:
        loop_thread = threading.get_ident()
        run_id, read = await runs.begin_reading(app.db, account_id, "tickets", "scheduled",
                                                lambda s: s.get(SyncRun, dead))
        assert read is not None
        faults.record(faults.RETRIED_429, 2)  # the flow's requests, in its task
        counts = runs.RunCounts()
        counts.add(runs.QUARANTINED)
        run = await runs.end(app.db, run_id, counts)
        return run_id, read.status, run.status, loop_thread

    run_id, seen, status, loop_thread = asyncio.run(flow())
    flow_commits = list(commits)
    assert seen == "interrupted", "the run left running, read in the same transaction"
    assert status == "partial"
    with app.db.session() as s:
        stored = s.get(SyncRun, run_id)
        assert stored is not None and stored.counts == {"quarantined": 1, "retried_429": 2}
        assert s.exec(select(SyncRun).where(SyncRun.status == "running")).all() == []
    assert len(flow_commits) == 2
    if app.db.dialect == "postgresql":
        assert loop_thread not in flow_commits, "the run's commits ran in a thread"
    else:
        assert set(flow_commits) == {loop_thread}, "SQLite: on the loop, as before"
    assert runs._recording.get(run_id) is None
