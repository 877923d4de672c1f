"""``/api/runs``: the history of every import and push, and each record's outcome."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from hub.core.api import views
from hub.core.api.schemas import MAX_INT, RunDetail, RunList, Text100
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no such run or account"}}


@router.get("", response_model=RunList, responses=ERRORS)
async def list_runs(
        app: HubApp = Depends(hub_app),
        account: Annotated[Text100 | None, Query(description="only this account")] = None,
        failed: Annotated[bool, Query(description="only failed or partial runs")] = False,
        flow: Annotated[Text100 | None, Query(description="orders, stock, price or tracking")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> RunList:
    """Runs, newest first."""
    account_id = app.accounts.row(account).id if account else None
    return views.list_runs(app.db, account_id=account_id, failed=failed, flow=flow, limit=limit,
                           offset=offset)


@router.get("/{run_id}", response_model=RunDetail, responses=ERRORS)
async def get_run(run_id: Annotated[int, Path(ge=1, le=MAX_INT)],
                  app: HubApp = Depends(hub_app)) -> RunDetail:
    """One run with the outcome of each record and its reason."""
    return views.run_detail(app.db, run_id)
