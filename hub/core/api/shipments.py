"""``/api/shipments``: shipments with their carriers' tracking; ask a carrier account now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from hub.core.api import views
from hub.core.api.schemas import ShipmentRow, Text100
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.sync.tracking_in import poll_tracking

router = APIRouter(prefix="/api/shipments", tags=["shipments"],
                   dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, unknown or revoked API key"},
    404: {"description": "no such account"},
    409: {"description": "the account is no carrier, its tracking_in flow is off, or a run is "
                         "in progress"}}


class TrackingRun(BaseModel):
    run_id: int
    status: str
    counts: dict[str, Any]
    error: str | None


@router.get("", response_model=list[ShipmentRow], responses=ERRORS)
async def list_shipments(
        app: HubApp = Depends(hub_app),
        account: Annotated[Text100 | None, Query(description="only this sales account's")] = None,
        status: Annotated[Text100 | None, Query(description="only this tracking status")] = None,
        carrier: Annotated[Text100 | None, Query(
            description="only this carrier name (case-insensitive)")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[ShipmentRow]:
    """Shipments newest first, each with its tracking events, order and account."""
    account_id = app.accounts.row(account).id if account else None
    return views.list_shipments(app.db, account_id=account_id, status=status, carrier=carrier,
                                limit=limit)


@router.post("/track/{carrier_account}", response_model=TrackingRun, responses=ERRORS)
async def track(carrier_account: Annotated[Text100, Path()],
                app: HubApp = Depends(hub_app)) -> TrackingRun:
    """Ask the carrier account's carrier about its open shipments now (a ``tracking_in`` run)."""
    done = await poll_tracking(app, carrier_account)
    return TrackingRun(run_id=done.run_id, status=done.status, counts=done.counts.as_dict(),
                       error=done.error)
