"""``/api/runs``: the history of every import and push, and each record's outcome."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import col, func, select

from hub.core.api.schemas import MAX_INT, RunDetail, RunItemOut, RunList, RunSummary, Text100
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.storage.models import Account, RunItem, SyncRun
from hub.errors import NotFound

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no such run or account"}}
FAILED = ("failed", "partial")


def _summary(run: SyncRun, account: str) -> RunSummary:
    return RunSummary(id=run.id or 0, account=account, flow=run.flow, trigger=run.trigger,
                      status=run.status, started_at=run.started_at, finished_at=run.finished_at,
                      counts=run.counts or {}, error=run.error)


@router.get("", response_model=RunList, responses=ERRORS)
async def list_runs(
        app: HubApp = Depends(hub_app),
        account: Annotated[Text100 | None, Query(description="only this account")] = None,
        failed: Annotated[bool, Query(description="only failed or partial runs")] = False,
        flow: Annotated[Text100 | None, Query(description="orders, stock, price or tracking")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> RunList:
    """Runs, newest first."""
    filters: list[Any] = []
    if account:
        filters.append(SyncRun.account_id == app.accounts.row(account).id)
    if failed:
        filters.append(col(SyncRun.status).in_(FAILED))
    if flow:
        filters.append(SyncRun.flow == flow)
    with app.db.session() as s:
        total = s.exec(select(func.count()).select_from(SyncRun).where(*filters)).one()
        rows = s.exec(select(SyncRun, Account.name).join(Account, col(Account.id) == SyncRun.account_id)
                      .where(*filters).order_by(col(SyncRun.id).desc()).limit(limit).offset(offset))
        items = [_summary(run, name) for run, name in rows]
    return RunList(items=items, total=total, limit=limit, offset=offset)


@router.get("/{run_id}", response_model=RunDetail, responses=ERRORS)
async def get_run(run_id: Annotated[int, Path(ge=1, le=MAX_INT)],
                  app: HubApp = Depends(hub_app)) -> RunDetail:
    """One run with the outcome of each record and its reason."""
    with app.db.session() as s:
        run = s.get(SyncRun, run_id)
        if run is None:
            raise NotFound(f"no run with id {run_id}")
        account = s.get(Account, run.account_id)
        items = [RunItemOut(key=i.key, outcome=i.outcome, reason=i.reason, resolved=i.resolved,
                            at=i.at)
                 for i in s.exec(select(RunItem).where(RunItem.run_id == run_id)
                                 .order_by(col(RunItem.id)))]
        summary = _summary(run, account.name if account else "?")
    return RunDetail(**summary.model_dump(), items=items)
