"""``hub runs retry``: re-process quarantined orders and failed pushes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import col, select

from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import OutboxItem, RunItem, SyncRun
from hub.core.sync import runs
from hub.core.sync.orders import FLOW, OrderWriter
from hub.core.sync.push import push
from hub.errors import NotFound

if TYPE_CHECKING:
    from hub.core.app import HubApp


@dataclass
class RetryResult:
    resolved: int = 0
    still_failing: int = 0
    runs: list[int] = field(default_factory=list)


async def retry_runs(app: HubApp, run_ids: list[int] | None) -> RetryResult:
    """Retry the unresolved items of the given runs (or of every run when ``None``)."""
    result = RetryResult()
    with app.db.session() as s:
        query = select(RunItem).where(col(RunItem.outcome).in_([runs.QUARANTINED, runs.FAILED]),
                                      RunItem.resolved == False)  # noqa: E712
        if run_ids is not None:
            for run_id in run_ids:
                if s.get(SyncRun, run_id) is None:
                    raise NotFound(f"no run with id {run_id}", hint="see: hub runs list --failed")
            query = query.where(col(RunItem.run_id).in_(run_ids))
        items = list(s.exec(query.order_by(col(RunItem.id))))
        flows = {i.run_id: s.get(SyncRun, i.run_id).flow for i in items}  # type: ignore[union-attr]
    quarantined: dict[int, list[RunItem]] = {}
    pushes: dict[tuple[int, str], list[RunItem]] = {}
    for item in items:
        if item.outcome == runs.QUARANTINED:
            quarantined.setdefault(item.account_id, []).append(item)
        else:
            pushes.setdefault((item.account_id, flows[item.run_id]), []).append(item)
    for account_id, group in quarantined.items():
        await _retry_orders(app, account_id, group, result)
    for (account_id, kind), group in pushes.items():
        await _retry_pushes(app, account_id, kind, group, result)
    return result


async def _retry_orders(app: HubApp, account_id: int, items: list[RunItem],
                        result: RetryResult) -> None:
    with app.db.session() as s:
        row = s.get(AccountRow, account_id)
        assert row is not None
        run_id = runs.start_run(s, account_id, FLOW, "retry").id or 0
    account = app.accounts.open(row)
    writer = OrderWriter(app, row, account, app.host.info(row.platform))
    counts = runs.RunCounts()
    for item in items:
        page = await writer.write([item.payload or {}], run_id=run_id)
        counts.counts.update(page.counts.counts)
        counts.skipped.update(page.counts.skipped)
        fixed = not page.counts.counts[runs.QUARANTINED]
        result.resolved += fixed
        result.still_failing += not fixed
        if fixed:
            _resolve(app, item.id)
    with app.db.session() as s:
        runs.finish_run(s, run_id, counts)
    result.runs.append(run_id)


async def _retry_pushes(app: HubApp, account_id: int, kind: str, items: list[RunItem],
                        result: RetryResult) -> None:
    outbox_ids = [int((i.payload or {}).get("outbox_id", 0)) for i in items]
    with app.db.session() as s:
        row = s.get(AccountRow, account_id)
        assert row is not None
        for outbox in s.exec(select(OutboxItem).where(col(OutboxItem.id).in_(outbox_ids))):
            if outbox.status != "done":
                outbox.status, outbox.attempts, outbox.next_attempt_at = "pending", 0, now()
                s.add(outbox)
    done = await push(app, row.name, kind, trigger="retry")
    result.runs.append(done.run_id)
    with app.db.session() as s:
        states = {o.id: o.status for o in s.exec(select(OutboxItem).where(
            col(OutboxItem.id).in_(outbox_ids)))}
    for item, outbox_id in zip(items, outbox_ids, strict=True):
        fixed = states.get(outbox_id, "done") == "done"
        result.resolved += fixed
        result.still_failing += not fixed
        if fixed:
            _resolve(app, item.id)


def _resolve(app: HubApp, item_id: int | None) -> None:
    with app.db.session() as s:
        item = s.get(RunItem, item_id)
        if item is not None:
            item.resolved = True
            s.add(item)
