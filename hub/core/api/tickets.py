"""``/api/tickets``: buyers' tickets downloaded from the channels, and replies to them.

The same queries and rules as ``hub tickets``: a reply goes only to a ticket the hub
downloaded from its channel (else 404 with the reason), with the account's tickets
flow on (else 422), and counts as sent only once the platform's copy holds it. A
platform's refusal (length, contact data, already answered) answers 422 with its reason.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from hub.core.api.schemas import MAX_INT, Text100
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.sync import tickets as service

router = APIRouter(prefix="/api/tickets", tags=["tickets"], dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no such downloaded ticket"}}


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000, description="the reply's text")


class ReplyOut(BaseModel):
    reply_id: int | None
    ticket_id: int
    status: Literal["sent", "failed", "refused"]
    error: str | None = None


@router.get("", responses=ERRORS)
async def list_tickets(
        app: HubApp = Depends(hub_app),
        account: Annotated[Text100 | None, Query(description="only this account")] = None,
        status: Annotated[Literal["open", "answered", "waiting", "closed"] | None,
                          Query(description="only tickets in this status")] = None,
        overdue: Annotated[bool, Query(description="only overdue tickets")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Tickets, most recently changed first."""
    return service.list_tickets(app, account=account, status=status, overdue=overdue, limit=limit)


@router.get("/{ticket_id}", responses=ERRORS)
async def get_ticket(ticket_id: Annotated[int, Path(ge=1, le=MAX_INT)],
                     app: HubApp = Depends(hub_app)) -> dict[str, Any]:
    """One ticket with its conversation and the hub's replies."""
    return service.show_ticket(app, str(ticket_id))


@router.post("/{ticket_id}/reply", response_model=ReplyOut,
             responses={**ERRORS, 422: {"description": "refused: the tickets flow is off, the "
                                                      "ticket is closed, or the platform's reason"}})
async def reply(ticket_id: Annotated[int, Path(ge=1, le=MAX_INT)], body: ReplyIn,
                app: HubApp = Depends(hub_app)) -> ReplyOut:
    """Send a reply on a downloaded ticket; ``sent`` once the platform's copy holds it."""
    result = await service.reply(app, str(ticket_id), body.text, source="api")
    return ReplyOut(reply_id=result.reply_id, ticket_id=result.ticket_id,
                    status=result.status, error=result.error)
