"""The console's orders pages: a filtered list and one order's detail, with the actions the
API and the CLI have (deduct, ship with tracking and invoice, cancel), through the same
services (:mod:`hub.core.sync.fulfilment`, :mod:`hub.core.sync.lifecycle`)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.core.api import views
from hub.core.console import auth
from hub.core.console.pages import account_id, number
from hub.core.console.web import back, hub_of, render
from hub.core.storage import queries
from hub.errors import HubError
from hub.lifecycle import OrderState

router = APIRouter(include_in_schema=False)
PAGE = 50


def _date(value: str | None, *, end: bool = False) -> datetime | None:
    """``YYYY-MM-DD`` as the start (or the end) of that day in UTC; None when not a date."""
    try:
        day = datetime.strptime((value or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(request: Request) -> Response:
    auth.require(request)
    q = request.query_params
    app = hub_of(request)
    acc, error = account_id(request, q.get("store"))
    page = number(q.get("page")) or 1
    filters = queries.order_filters(account_id=acc, platform=q.get("platform") or None,
                                    status=q.get("status") or None,
                                    created_from=_date(q.get("from")),
                                    created_to=_date(q.get("to"), end=True))
    with app.db.session() as s:
        total = queries.count_orders(s, filters)
        rows = queries.list_orders(s, filters, limit=PAGE, offset=(page - 1) * PAGE,
                                   newest_first=True)
        items = [views.order_summary(order, name) for order, name in rows]
    kept = {k: q[k] for k in ("platform", "store", "status", "from", "to") if q.get(k)}
    platforms = sorted(app.host.platforms)
    return render(request, "orders.html", title="Orders", items=items, total=total, page=page,
                  filters=kept, error=error, platforms=platforms,
                  stores=[r.name for r in app.accounts.rows()],
                  more="/orders?" + urlencode({**kept, "page": page + 1})
                  if page * PAGE < total else None)


@router.get("/orders/{order_id:int}", response_class=HTMLResponse)
async def order_page(request: Request, order_id: int) -> Response:
    auth.require(request)
    app = hub_of(request)
    try:
        order = views.order_detail(app.db, order_id)
    except HubError as exc:
        return render(request, "error.html", status=404, title="Not found", message=exc.message)
    from hub.core.sync.invoicing import invoices_of

    try:
        invoices = invoices_of(app, order_id)
    except HubError:
        invoices = []
    return render(request, "order.html", title=f"Order {order.number or order.id}", o=order,
                  invoices=invoices)


@router.post("/orders/{order_id:int}/deduct")
async def deduct(request: Request, order_id: int) -> Response:
    from hub.core.sync import fulfilment

    await auth.acting(request)
    try:
        fulfilment.deduct(hub_of(request), order_id, source="console")
    except HubError as exc:
        return back(f"/orders/{order_id}", error=str(exc))
    return back(f"/orders/{order_id}", notice="stock deducted")


def _money(value: str, what: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        parsed = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{what} must be a number such as 123.45, got '{value[:40]}'") from None
    if not parsed.is_finite() or parsed < 0:
        raise ValueError(f"{what} must be a number >= 0, got '{value[:40]}'")
    return parsed


@router.post("/orders/{order_id:int}/ship")
async def ship(request: Request, order_id: int) -> Response:
    from hub.core.sync import fulfilment

    _, form = await auth.acting(request)
    to = f"/orders/{order_id}"
    carrier, tracking = form.get("carrier", "").strip(), form.get("tracking_number", "").strip()
    if not carrier or not tracking or len(carrier) > 100 or len(tracking) > 100:
        return back(to, error="a carrier and a tracking number (at most 100 characters each) "
                              "are needed")
    try:
        value = _money(form.get("invoice_value", ""), "the invoice value")
        when = _date(form.get("invoice_date"))
        if form.get("invoice_date", "").strip() and when is None:
            raise ValueError("the invoice date must look like 2026-12-31")
        done = fulfilment.ship_order(
            hub_of(request), order_id, carrier=carrier, tracking=tracking,
            url=form.get("tracking_url", "").strip()[:500] or None,
            invoice_number=form.get("invoice_number", "").strip()[:100] or None,
            invoice_key=form.get("invoice_key", "").strip()[:100] or None,
            invoice_date=when, invoice_value=value, force=form.get("force") == "on",
            source="console")
    except ValueError as exc:
        return back(to, error=str(exc))
    except HubError as exc:
        return back(to, error=str(exc))
    return back(to, notice="shipment recorded" + ("; tracking queued for the platform"
                                                  if done.queued else ""))


@router.post("/orders/{order_id:int}/cancel")
async def cancel(request: Request, order_id: int) -> Response:
    from hub.core.sync import lifecycle

    _, form = await auth.acting(request)
    reason = form.get("reason", "").strip()[:500]
    try:
        done = lifecycle.request_state(hub_of(request), order_id, OrderState.CANCELLED,
                                       source="console", reason=reason or None, local=False)
    except HubError as exc:
        return back(f"/orders/{order_id}", error=str(exc))
    return back(f"/orders/{order_id}", notice=f"order {done.state}"
                + (f"; {done.note}" if done.note else ""))
