"""Run history: every manual or scheduled run, its counts, and per-item outcomes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from hub.core.storage.columns import now
from hub.core.storage.models import RunItem, SyncRun

IMPORTED, UPDATED, UNCHANGED, SKIPPED, QUARANTINED = (
    "imported", "updated", "unchanged", "skipped", "quarantined")
PUSHED, FAILED = "pushed", "failed"


@dataclass
class RunCounts:
    """What a run did; ``skipped`` counts by reason."""

    counts: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    available: int | None = None

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
        return data

    def summary(self) -> str:
        c = self.counts
        if c[PUSHED] or c[FAILED]:
            kinds = ", ".join(f"{c[a]} {a}" for a in ("created", "updated") if c[a])
            return f"pushed {c[PUSHED]}{f' ({kinds})' if kinds else ''}, failed {c[FAILED]}"
        skipped = ", ".join(f"{n} {r}" for r, n in self.skipped.most_common())
        return (f"imported {c[IMPORTED]}, updated {c[UPDATED]}, unchanged {c[UNCHANGED]}, "
                f"skipped {c[SKIPPED]}{f' ({skipped})' if skipped else ''}, "
                f"quarantined {c[QUARANTINED]}")


def start_run(session: Session, account_id: int, flow: str, trigger: str) -> SyncRun:
    """Open a run. The caller holds the flow's lease, so a run still marked running died."""
    for stale in session.exec(select(SyncRun).where(
            SyncRun.account_id == account_id, SyncRun.flow == flow, SyncRun.status == "running")):
        stale.status, stale.finished_at = "interrupted", now()
        stale.error = stale.error or "the process stopped before the run finished"
        session.add(stale)
    run = SyncRun(account_id=account_id, flow=flow, trigger=trigger)
    session.add(run)
    session.flush()
    return run


def record_item(session: Session, run_id: int, account_id: int, key: str, outcome: str,
                reason: str | None = None, payload: dict[str, Any] | None = None) -> None:
    session.add(RunItem(run_id=run_id, account_id=account_id, key=key, outcome=outcome,
                        reason=reason, payload=payload))


def record_items(session: Session, run_id: int, account_id: int,
                 items: list[tuple[str, str, str | None]]) -> None:
    """Record many (key, outcome, reason) items with one statement."""
    if items:
        at = now()
        session.execute(insert(RunItem), [
            {"run_id": run_id, "account_id": account_id, "key": key, "outcome": outcome,
             "reason": reason, "payload": None, "resolved": False, "at": at}
            for key, outcome, reason in items])


def finish_run(session: Session, run_id: int, counts: RunCounts, error: str | None = None,
               interrupted: bool = False) -> SyncRun:
    run = session.get(SyncRun, run_id)
    assert run is not None
    run.finished_at = now()
    run.counts = counts.as_dict()
    run.error = error
    if error:
        run.status = "failed"
    elif interrupted:
        run.status = "interrupted"
    elif counts.counts[QUARANTINED] or counts.counts[FAILED]:
        run.status = "partial"
    else:
        run.status = "ok"
    session.add(run)
    return run
