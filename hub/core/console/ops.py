"""The console's other pages: stock and prices (levels, pending outbox, push now, dry-run
diff), carriers and shipments, tickets, webhooks (inbound events, outbound subscriptions and
deliveries), and users and API keys (admins)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, func, select

from hub.core import apikeys, outbound, users
from hub.core.api import views
from hub.core.console import auth
from hub.core.console.pages import account_id
from hub.core.console.web import back, hub_of, render
from hub.core.http.redact import redact
from hub.core.storage import queries
from hub.core.storage.models import InboundEvent, OutboxItem
from hub.errors import HubError

router = APIRouter(include_in_schema=False)
PUSH_KINDS = ("stock", "price", "tracking")


# --- stock and prices -------------------------------------------------------------------

def _outbox(request: Request) -> list[dict[str, object]]:
    """What waits in the push outbox per account and kind, by state."""
    app = hub_of(request)
    names = {r.id: r.name for r in app.accounts.rows()}
    with app.db.session() as s:
        return [{"account": names.get(a, "?"), "kind": k, "status": st, "count": n}
                for a, k, st, n in s.exec(
                    select(OutboxItem.account_id, OutboxItem.kind, OutboxItem.status, func.count())
                    .where(OutboxItem.status != "done")
                    .group_by(col(OutboxItem.account_id), col(OutboxItem.kind),
                              col(OutboxItem.status)))]


@router.get("/stock", response_class=HTMLResponse)
async def stock_page(request: Request) -> Response:
    auth.require(request)
    app = hub_of(request)
    sku = request.query_params.get("sku", "").strip()[:200] or None
    with app.db.session() as s:
        levels = queries.stock_levels(s, sku, limit=500)
        price_rows = queries.prices(s, sku, limit=500)
    return render(request, "stock.html", title="Stock and prices", levels=levels, sku=sku or "",
                  prices=price_rows,
                  outbox=_outbox(request), names=[r.name for r in app.accounts.rows()],
                  kinds=PUSH_KINDS, plan=None)


@router.post("/stock/push")
async def push_now(request: Request) -> Response:
    """Push now (one account, one kind), or show what a push would send (dry run)."""
    from hub.core.sync.push import plan, push

    _, form = await auth.acting(request)
    name, kind = form.get("account", "")[:100], form.get("kind", "")
    if kind not in PUSH_KINDS:
        return back("/stock", error=f"choose what to push: {', '.join(PUSH_KINDS)}")
    app = hub_of(request)
    try:
        if form.get("dry_run") == "on":
            planned = plan(app, name, kind)
            with app.db.session() as s:
                levels = queries.stock_levels(s, limit=500)
                price_rows = queries.prices(s, limit=500)
            return render(request, "stock.html", title="Stock and prices", levels=levels, sku="",
                          prices=price_rows,
                          outbox=_outbox(request), names=[r.name for r in app.accounts.rows()],
                          kinds=PUSH_KINDS, plan=planned)
        result = await push(app, name, kind, trigger="console")
    except HubError as exc:
        return back("/stock", error=str(exc))
    return back("/stock", notice=f"{name}: {kind} {result.summary()} (run {result.run_id})"
                + (f"; error: {result.error}" if result.error else ""))


# --- carriers and shipments -------------------------------------------------------------

@router.get("/shipments", response_class=HTMLResponse)
async def shipments_page(request: Request) -> Response:
    auth.require(request)
    q = request.query_params
    app = hub_of(request)
    acc, error = account_id(request, q.get("account"))
    rows = views.list_shipments(app.db, account_id=acc, status=q.get("status") or None,
                                carrier=q.get("carrier") or None, limit=200)
    carriers = [v for v in (app.accounts.describe(r) for r in app.accounts.rows())
                if "tracking_in" in v["flows"]]
    return render(request, "shipments.html", title="Carriers and shipments", rows=rows,
                  carriers=carriers, error=error, filters=dict(q))


# --- tickets ----------------------------------------------------------------------------

@router.get("/tickets", response_class=HTMLResponse)
async def tickets_page(request: Request) -> Response:
    from hub.core.sync.tickets import list_tickets

    auth.require(request)
    q = request.query_params
    try:
        rows = list_tickets(hub_of(request), account=q.get("account") or None,
                            status=q.get("status") or None, overdue=q.get("overdue") == "1")
        error = None
    except HubError as exc:
        rows, error = [], exc.message
    return render(request, "tickets.html", title="Tickets", rows=rows, error=error,
                  filters=dict(q))


@router.post("/tickets/{ticket_id:int}/reply")
async def reply(request: Request, ticket_id: int) -> Response:
    from hub.core.sync.tickets import reply as send

    _, form = await auth.acting(request)
    text = form.get("text", "").strip()
    if not text:
        return back("/tickets", error="write a reply first")
    try:
        done = await send(hub_of(request), str(ticket_id), text[:4000], source="console")
    except HubError as exc:
        return back("/tickets", error=str(exc))
    if done.error:
        return back("/tickets", error=f"reply {done.status}: {done.error}")
    return back("/tickets", notice=f"reply {done.status}")


# --- webhooks ---------------------------------------------------------------------------

@router.get("/webhooks", response_class=HTMLResponse)
async def webhooks_page(request: Request) -> Response:
    auth.require(request)
    app = hub_of(request)
    names = {r.id: r.name for r in app.accounts.rows()}
    with app.db.session() as s:
        inbound = [{"id": e.id, "account": names.get(e.account_id, "?"), "topic": e.topic,
                    "status": e.status, "attempts": e.attempts,
                    "error": redact(e.error) if e.error else None,
                    "received_at": e.received_at, "processed_at": e.processed_at}
                   for e in s.exec(select(InboundEvent).order_by(col(InboundEvent.id).desc())
                                   .limit(100))]
    return render(request, "webhooks.html", title="Webhooks", inbound=inbound,
                  subscriptions=outbound.list_subscriptions(app),
                  deliveries=outbound.list_deliveries(app, limit=100))


@router.post("/webhooks/subscriptions/{sub_id:int}/{action}")
async def subscription_switch(request: Request, sub_id: int, action: str) -> Response:
    await auth.acting(request, "admin")
    if action not in ("enable", "disable"):
        return back("/webhooks", error="enable or disable")
    try:
        outbound.set_enabled(hub_of(request), sub_id, action == "enable")
    except HubError as exc:
        return back("/webhooks", error=str(exc))
    return back("/webhooks", notice=f"subscription {sub_id} {action}d")


# --- users and API keys (admins) ---------------------------------------------------------

@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request) -> Response:
    auth.require(request, "admin")
    app = hub_of(request)
    return render(request, "admin.html", title="Users and API keys", users=users.list_users(app),
                  keys=apikeys.list_keys(app), new_key=None)


@router.post("/admin/users")
async def add_user(request: Request) -> Response:
    _, form = await auth.acting(request, "admin")
    try:
        row = users.add_user(hub_of(request), form.get("name", "")[:100],
                             form.get("role", "")[:20], form.get("password", "")[:1024])
    except HubError as exc:
        return back("/admin", error=str(exc))
    return back("/admin", notice=f"user '{row.name}' added ({row.role})")


async def _admin_act(request: Request, do: Callable[[], object], notice: str) -> Response:
    """An admin's action on the Users & keys page: done, or the service's message."""
    await auth.acting(request, "admin")
    try:
        do()
    except HubError as exc:
        return back("/admin", error=str(exc))
    return back("/admin", notice=notice)


@router.post("/admin/users/{name}/disable")
async def disable_user(request: Request, name: str) -> Response:
    return await _admin_act(request, lambda: users.disable_user(hub_of(request), name),
                            f"user '{name[:100]}' disabled")


@router.post("/admin/keys")
async def create_key(request: Request) -> Response:
    _, form = await auth.acting(request, "admin")
    app = hub_of(request)
    try:
        row, key = apikeys.create(app, form.get("name", "")[:100], form.get("role", "")[:20])
    except HubError as exc:
        return back("/admin", error=str(exc))
    # the key is shown this once, on this answer (never in a URL or a log)
    return render(request, "admin.html", title="Users and API keys", users=users.list_users(app),
                  keys=apikeys.list_keys(app), new_key=(row.name, key))


@router.post("/admin/keys/{name}/revoke")
async def revoke_key(request: Request, name: str) -> Response:
    return await _admin_act(request, lambda: apikeys.revoke(hub_of(request), name),
                            f"API key '{name[:100]}' revoked")
