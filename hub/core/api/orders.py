"""``/api/orders``: list and read imported orders, deduct their stock, record shipments,
move their state (cancel, handling, delivered...) and give a cancelled order's stock back.

Listing is ordered by ``(updated_at, id)``: a back office that polls with
``updated_since`` set to the last ``updated_at`` it saw (inclusive) and drops
ids it already has never misses a change, even while orders change between pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from hub.core.api import views
from hub.core.api.schemas import (
    MAX_INT,
    CancelIn,
    Deducted,
    OrderDetail,
    OrderList,
    RestockOut,
    ShipmentCreated,
    ShipmentIn,
    StateChanged,
    StateIn,
    Text100,
    UTCDateTime,
)
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.sync import fulfilment, lifecycle
from hub.errors import ConfigError
from hub.lifecycle import OrderState, parse_state

router = APIRouter(prefix="/api/orders", tags=["orders"], dependencies=[Depends(require_api_key)])
OrderId = Annotated[int, Path(ge=1, le=MAX_INT, description="the hub's order id")]
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no such order"}}


@router.get("", response_model=OrderList, responses=ERRORS)
async def list_orders(
        app: HubApp = Depends(hub_app),
        account: Annotated[Text100 | None, Query(description="only this account (store)")] = None,
        platform: Annotated[Text100 | None, Query(description="only this platform (source)")] = None,
        status: Annotated[Text100 | None, Query(description="only this platform status")] = None,
        updated_since: Annotated[UTCDateTime | None, Query(
            description="only orders the hub changed at or after this time (ISO 8601; UTC "
                        "when no offset is given)")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> OrderList:
    """Imported orders matching every filter given, oldest change first."""
    account_id = app.accounts.row(account).id if account else None
    return views.list_orders(app.db, account_id=account_id, platform=platform, status=status,
                             updated_since=updated_since, limit=limit, offset=offset)


@router.get("/{order_id}", response_model=OrderDetail, responses=ERRORS)
async def get_order(order_id: OrderId, app: HubApp = Depends(hub_app)) -> OrderDetail:
    """One order with its lines, customer, addresses, totals, shipments and event feed."""
    return views.order_detail(app.db, order_id)


@router.post("/{order_id}/deduct", response_model=Deducted,
             responses={**ERRORS, 409: {"description": "the order was already deducted"}})
async def deduct(order_id: OrderId, app: HubApp = Depends(hub_app)) -> Deducted:
    """Mark the order's stock as deducted: later changes on the platform no longer alter it."""
    try:
        order = fulfilment.deduct(app, order_id)
    except ConfigError as exc:  # the only one deduct raises: already deducted
        raise HTTPException(409, exc.message) from None
    assert order.stock_deducted_at is not None
    return Deducted(id=order.id or 0, deducted_at=order.stock_deducted_at)


@router.post("/{order_id}/shipments", response_model=ShipmentCreated, status_code=201,
             responses={**ERRORS, 409: {"description": "the order is cancelled or refunded "
                                                       "(send \"force\": true to ship it anyway)"}})
async def ship(order_id: OrderId, shipment: ShipmentIn,
               app: HubApp = Depends(hub_app)) -> ShipmentCreated:
    """Record a shipment (carrier, tracking, invoice); its tracking is queued for the platform
    when the account's tracking flow is on. The order's second shipment updates the first
    (``updated``: true), so the platform's fulfilment or invoice is updated, not duplicated."""
    try:
        done = fulfilment.ship_order(
            app, order_id, carrier=shipment.carrier, tracking=shipment.tracking_number,
            url=shipment.tracking_url, invoice_number=shipment.invoice_number,
            invoice_key=shipment.invoice_key, invoice_date=shipment.invoice_date,
            invoice_value=shipment.invoice_value, force=shipment.force, source="api")
    except fulfilment.ShipRefused as exc:
        raise HTTPException(409, exc.message + '; send "force": true to ship it anyway') from None
    return ShipmentCreated(**views.shipment_out(done.shipment).model_dump(), queued=done.queued,
                           updated=done.updated)


REFUSED: dict[int | str, dict[str, Any]] = {
    **ERRORS, 409: {"description": "the move makes no sense from the order's state, or the "
                                   "platform cannot write that state (the reason says which)"},
    422: {"description": "unknown state, or a cancellation without a reason"}}


def _changed(done: lifecycle.StateRequested) -> StateChanged:
    return StateChanged(id=done.order_id, previous=done.previous, state=done.state,
                        queued=done.queued, note=done.note, restock_pending=done.restock_pending)


def _request(app: HubApp, order_id: int, state: OrderState, reason: str | None,
             local: bool) -> StateChanged:
    try:
        done = lifecycle.request_state(app, order_id, state, source="api", reason=reason,
                                       local=local)
    except lifecycle.TransitionRefused as exc:
        raise HTTPException(409, exc.message) from None
    except ConfigError as exc:
        raise HTTPException(422, exc.message) from None
    return _changed(done)


@router.post("/{order_id}/state", response_model=StateChanged, responses=REFUSED)
async def set_state(order_id: OrderId, body: StateIn,
                    app: HubApp = Depends(hub_app)) -> StateChanged:
    """Move the order to a canonical state (``handling``, ``delivered``, ``cancelled``...);
    queued for the platform when the account's status flow is on. ``shipped`` is set by
    recording a shipment (``POST /api/orders/ID/shipments``)."""
    try:
        state = parse_state(body.state)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return _request(app, order_id, state, body.reason, body.local)


@router.post("/{order_id}/cancel", response_model=StateChanged, responses=REFUSED)
async def cancel(order_id: OrderId, body: CancelIn,
                 app: HubApp = Depends(hub_app)) -> StateChanged:
    """Cancel the order with a reason; the platform is told when the status flow is on.
    A deducted order's stock waits for ``POST /api/orders/ID/restock``."""
    return _request(app, order_id, OrderState.CANCELLED, body.reason, False)


@router.post("/{order_id}/restock", response_model=RestockOut,
             responses={**ERRORS, 409: {"description": "the order has not ended, or holds no "
                                                       "stock to give back"}})
async def restock(order_id: OrderId, app: HubApp = Depends(hub_app)) -> RestockOut:
    """Give a cancelled (or returned) order's deducted stock back: the admin's confirmation."""
    try:
        done = lifecycle.restock(app, order_id, source="api")
    except lifecycle.TransitionRefused as exc:
        raise HTTPException(409, exc.message) from None
    return RestockOut(id=done.order_id, units=done.units)
