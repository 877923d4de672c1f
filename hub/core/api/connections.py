"""``/api/accounts`` and ``/api/orders/{id}/reference``: connections through the back-office API.

* ``GET /api/accounts`` and ``GET /api/accounts/{name}``: the same document as
  ``hub accounts show NAME --json``: flows, state, settings (secrets as ``***``),
  the brand details (contact, company, store URL, shipping warehouse, orders per
  month), the terms each new order records (who is billed for shipments,
  carrier account, shipping rules, who handles tickets) and the account's own
  back-office currency (null: the hub's).
* ``POST /api/accounts/{name}/disconnect`` and ``.../disable``: as ``hub
  accounts disconnect|disable`` (open orders released to the store).
* ``POST /api/orders/{id}/reference``: as ``hub orders reference ID NEW_REF``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from hub.core.api.schemas import MAX_INT, Strict, Text100
from hub.core.api.security import ADMIN, hub_app, require_api_key
from hub.core.app import HubApp

router = APIRouter(prefix="/api/accounts", tags=["accounts"], dependencies=[Depends(require_api_key)])
orders_router = APIRouter(prefix="/api/orders", tags=["orders"],
                          dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no such account"}}
AccountName = Annotated[Text100, Path(description="the account's name")]


class Released(BaseModel):
    """What a disconnect or disable did."""

    account: str
    released: list[int] = Field(description="hub ids of the open orders handed back to the store")
    kept: int = Field(description="shipped or closed orders that stay")
    revoked: bool | None = Field(description="the platform revoked the grant (null: it offers "
                                             "no revocation; false: nothing left to revoke)")
    revoke_error: str | None
    wiped: bool = Field(description="tokens and store keys wiped (disconnect; not disable)")


class ReferenceIn(Strict):
    reference: Text100 = Field(description="the new reference the hub's order keeps")


class ReferenceOut(BaseModel):
    id: int
    reference: str
    released_platform_order_id: str = Field(
        description="the platform order the next import brings in again as a new order")


@router.get("", responses=ERRORS)
async def list_accounts(app: HubApp = Depends(hub_app)) -> list[dict[str, Any]]:
    """Every account with its platform, state, flows, brand details and terms."""
    return [app.accounts.describe(row, with_settings=True) for row in app.accounts.rows()]


@router.get("/{name}", responses=ERRORS)
async def get_account(name: AccountName, app: HubApp = Depends(hub_app)) -> dict[str, Any]:
    """One account: settings (secrets as ***), flows, brand details, terms, currency."""
    return app.accounts.describe(app.accounts.row(name), with_settings=True)


async def _release(app: HubApp, name: str, wipe: bool) -> Released:
    from hub.core.connections import disconnect

    done = await disconnect(app, name, wipe=wipe)
    return Released(account=name, released=done.released, kept=done.kept, revoked=done.revoked,
                    revoke_error=done.revoke_error, wiped=done.wiped)


@router.post("/{name}/disconnect", response_model=Released, openapi_extra=ADMIN,
             responses={**ERRORS, 409: {"description": "an import of the account is running"}})
async def disconnect_account(name: AccountName, app: HubApp = Depends(hub_app)) -> Released:
    """Stop the account's flows, release its open orders to the store, revoke the grant where
    the platform allows it and wipe the tokens and store keys."""
    return await _release(app, name, wipe=True)


@router.post("/{name}/disable", response_model=Released,
             responses={**ERRORS, 409: {"description": "an import of the account is running"}})
async def disable_account(name: AccountName, app: HubApp = Depends(hub_app)) -> Released:
    """The same as a disconnect, keeping the credentials (enable again by authorizing)."""
    return await _release(app, name, wipe=False)


@orders_router.post("/{order_id}/reference", response_model=ReferenceOut,
                    responses={401: ERRORS[401], 404: {"description": "no such order"},
                               422: {"description": "the reference is taken, or the order "
                                                    "already released its platform key"}})
async def change_reference(order_id: Annotated[int, Path(ge=1, le=MAX_INT)], body: ReferenceIn,
                           app: HubApp = Depends(hub_app)) -> ReferenceOut:
    """Keep the order under a new reference and release its platform key: the next import that
    sees the platform order creates a new hub order for it, linked to this one."""
    from hub.core.connections import change_reference as change

    order, key = change(app, order_id, body.reference)
    return ReferenceOut(id=order.id or 0, reference=body.reference, released_platform_order_id=key)
