"""``/api/accounts``: the connected accounts, with their brand details and connection terms.

The same document as ``hub accounts show NAME --json``: flows, state, settings
(secrets as ``***``), the brand details (contact, company, store URL, shipping
warehouse, orders per month), the terms each new order records (who is billed
for shipments, carrier account, shipping rules, who handles tickets) and the
account's own back-office currency (null: the hub's).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from hub.core.api.schemas import Text100
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp

router = APIRouter(prefix="/api/accounts", tags=["accounts"], dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no such account"}}


@router.get("", responses=ERRORS)
async def list_accounts(app: HubApp = Depends(hub_app)) -> list[dict[str, Any]]:
    """Every account with its platform, state, flows, brand details and terms."""
    return [app.accounts.describe(row, with_settings=True) for row in app.accounts.rows()]


@router.get("/{name}", responses=ERRORS)
async def get_account(name: Annotated[Text100, Path(description="the account's name")],
                      app: HubApp = Depends(hub_app)) -> dict[str, Any]:
    """One account: settings (secrets as ***), flows, brand details, terms, currency."""
    return app.accounts.describe(app.accounts.row(name), with_settings=True)
