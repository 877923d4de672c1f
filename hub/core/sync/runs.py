"""Run history: every manual or scheduled run, its counts, and per-item outcomes.

A flow on the event loop opens and closes its run with :func:`begin` and :func:`end`:
their transactions run in a thread on PostgreSQL (a worker's other jobs go on
meanwhile); :func:`start_run` and :func:`finish_run` do the same inside a caller's session.

A run's counts also hold the faults it recovered from (``retried_429``,
``retried_5xx``, ``retried_network``, ``token_refreshed``, ``page_drift``; see
:mod:`hub.core.http.faults`). A run that finds nothing to do records no row:
:func:`note_idle` counts it for ``/metrics`` instead. :func:`prune` deletes old history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from hub.core.http import faults as fault_log
from hub.core.storage.bulk import insert_rows
from hub.core.storage.columns import now
from hub.core.storage.models import RunItem, SyncRun

if TYPE_CHECKING:
    from hub.core.storage.db import Database

T = TypeVar("T")

IMPORTED, UPDATED, UNCHANGED, SKIPPED, QUARANTINED = (
    "imported", "updated", "unchanged", "skipped", "quarantined")
PUSHED, FAILED = "pushed", "failed"


@dataclass
class RunCounts:
    """What a run did; ``skipped`` counts by reason."""

    counts: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    available: int | None = None
    faults: Counter[str] = field(default_factory=Counter)
    """Faults the run recovered from, by kind (:data:`hub.core.http.faults.KINDS`)."""

    def add(self, outcome: str, reason: str | None = None) -> None:
        self.counts[outcome] += 1
        if outcome == SKIPPED and reason:
            self.skipped[reason] += 1

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.counts)
        if self.skipped:
            data["skipped_by_reason"] = dict(self.skipped)
        if self.available is not None:
            data["available"] = self.available
        data.update((kind, n) for kind, n in sorted(self.faults.items()) if n)
        return data

    def summary(self) -> str:
        return self._outcomes() + self.recovered()

    def recovered(self) -> str:
        """``"; recovered: 3 retried_429, 1 token_refreshed"``, or ``""`` when nothing was."""
        parts = [f"{n} {kind}" for kind, n in sorted(self.faults.items()) if n]
        return f"; recovered: {', '.join(parts)}" if parts else ""

    def _outcomes(self) -> str:
        c = self.counts
        if c[PUSHED] or c[FAILED]:
            kinds = ", ".join(f"{c[a]} {a}" for a in ("created", "updated") if c[a])
            return f"pushed {c[PUSHED]}{f' ({kinds})' if kinds else ''}, failed {c[FAILED]}"
        skipped = ", ".join(f"{n} {r}" for r, n in self.skipped.most_common())
        alerts = f", alerts {c['alert']}" if c["alert"] else ""  # see hub.core.sync.lifecycle
        return (f"imported {c[IMPORTED]}, updated {c[UPDATED]}, unchanged {c[UNCHANGED]}, "
                f"skipped {c[SKIPPED]}{f' ({skipped})' if skipped else ''}, "
                f"quarantined {c[QUARANTINED]}{alerts}")


_recording: dict[int, Counter[str]] = {}  # run id -> the faults its task is counting
_idle: Counter[tuple[int, str]] = Counter()


def note_idle(account_id: int, flow: str) -> None:
    """Count a run that had nothing to do and so recorded no row (``hub_idle_runs_total``)."""
    _idle[(account_id, flow)] += 1


def idle_counts() -> dict[tuple[int, str], int]:
    """Idle runs this process skipped recording, by (account id, flow)."""
    return dict(_idle)


def start_run(session: Session, account_id: int, flow: str, trigger: str) -> SyncRun:
    """Open a run. The caller holds the flow's lease, so a run still marked running died."""
    run = _opened(session, account_id, flow, trigger)
    assert run.id is not None
    _recording[run.id] = fault_log.begin()
    return run


async def begin(db: Database, account_id: int, flow: str, trigger: str) -> int:
    """:func:`start_run` in a transaction of its own, off the event loop on PostgreSQL
    (:meth:`~hub.core.storage.db.Database.off_loop`); the run's id."""
    run_id, _ = await begin_reading(db, account_id, flow, trigger, _nothing)
    return run_id


async def begin_reading(db: Database, account_id: int, flow: str, trigger: str,
                        read: Callable[[Session], T]) -> tuple[int, T]:
    """:func:`begin`, with ``read(session)`` (the flow's cursor) in the same transaction.

    The run's fault counter opens here, in the calling task (a context variable:
    the thread's copy of the context would not reach the flow's requests).
    """
    def opened() -> tuple[int, T]:
        with db.session() as s:
            run = _opened(s, account_id, flow, trigger)
            assert run.id is not None
            return run.id, read(s)

    run_id, value = await db.off_loop(opened)
    _recording[run_id] = fault_log.begin()
    return run_id, value


def _nothing(_session: Session) -> None:
    return None


def _opened(session: Session, account_id: int, flow: str, trigger: str) -> SyncRun:
    for stale in session.exec(select(SyncRun).where(
            SyncRun.account_id == account_id, SyncRun.flow == flow, SyncRun.status == "running")):
        stale.status, stale.finished_at = "interrupted", now()
        stale.error = stale.error or "the process stopped before the run finished"
        session.add(stale)
    run = SyncRun(account_id=account_id, flow=flow, trigger=trigger)
    session.add(run)
    session.flush()
    return run


def busy_message(session: Session, account_id: int, account: str, flow: str) -> str:
    """``another run of ACCOUNT FLOW is in progress since T`` (the running run's start)."""
    running = session.exec(select(SyncRun).where(
        SyncRun.account_id == account_id, SyncRun.flow == flow, SyncRun.status == "running")
        .order_by(col(SyncRun.id).desc())).first()
    since = f" since {running.started_at:%Y-%m-%d %H:%M:%S} UTC" if running else ""
    return f"another run of {account} {flow} is in progress{since}"


def record_item(session: Session, run_id: int, account_id: int, key: str, outcome: str,
                reason: str | None = None, payload: dict[str, Any] | None = None) -> None:
    session.add(RunItem(run_id=run_id, account_id=account_id, key=key, outcome=outcome,
                        reason=reason, payload=payload))


def record_items(session: Session, run_id: int, account_id: int,
                 items: list[tuple[str, str, str | None]]) -> None:
    """Record many (key, outcome, reason) items with one statement."""
    if items:
        at = now()
        insert_rows(session, RunItem, [
            {"run_id": run_id, "account_id": account_id, "key": key, "outcome": outcome,
             "reason": reason, "payload": None, "resolved": False, "at": at}
            for key, outcome, reason in items])


def finish_run(session: Session, run_id: int, counts: RunCounts, error: str | None = None,
               interrupted: bool = False) -> SyncRun:
    """Close the run: one ``UPDATE ... RETURNING`` (not a read, then a write: a round trip less
    per job for a worker)."""
    _settle_faults(run_id, counts)
    return _closed(session, run_id, counts, error, interrupted)


async def end(db: Database, run_id: int, counts: RunCounts, error: str | None = None,
              interrupted: bool = False) -> SyncRun:
    """:func:`finish_run` in a transaction of its own, off the event loop on PostgreSQL."""
    _settle_faults(run_id, counts)  # in the calling task, whose context counts them

    def closed() -> SyncRun:
        with db.session() as s:
            return _closed(s, run_id, counts, error, interrupted)

    return await db.off_loop(closed)


def _settle_faults(run_id: int, counts: RunCounts) -> None:
    """Stop counting the run's recovered faults and add them to its counts."""
    recovered = _recording.pop(run_id, None)
    if recovered is not None:
        fault_log.end(recovered)
        counts.faults.update(recovered)


def _closed(session: Session, run_id: int, counts: RunCounts, error: str | None,
            interrupted: bool) -> SyncRun:
    if error:
        status = "failed"
    elif interrupted:
        status = "interrupted"
    elif counts.counts[QUARANTINED] or counts.counts[FAILED]:
        status = "partial"
    else:
        status = "ok"
    run: SyncRun | None = session.execute(
        update(SyncRun).where(col(SyncRun.id) == run_id)
        .values(finished_at=now(), counts=counts.as_dict(), error=error, status=status)
        .returning(SyncRun)).scalars().one_or_none()
    assert run is not None, f"no run {run_id}"
    return run


def prune(session: Session, older_than: datetime, *, dry_run: bool = False) -> tuple[int, int]:
    """Delete finished runs started before ``older_than``, with their items.

    Runs still marked running are kept. Returns (runs, items) deleted, or that
    would be deleted with ``dry_run``.
    """
    old = select(SyncRun.id).where(col(SyncRun.started_at) < older_than,
                                   SyncRun.status != "running")
    runs = session.exec(select(func.count()).select_from(old.subquery())).one()
    items = session.exec(select(func.count()).select_from(RunItem)
                         .where(col(RunItem.run_id).in_(old))).one()
    if not dry_run and runs:
        ids = list(session.exec(old))
        for start in range(0, len(ids), 500):  # bounded IN lists, whatever the backend
            chunk = ids[start:start + 500]
            session.execute(delete(RunItem).where(col(RunItem.run_id).in_(chunk)))
            session.execute(delete(SyncRun).where(col(SyncRun.id).in_(chunk)))
    return runs, items
