"""The console's pages: sign-in, overview, accounts, imports and runs.

Every page is a plain GET (linkable, filters in the query string); every action is a POST
form checked by :func:`hub.core.console.auth.acting` and answered with a redirect (a notice,
or the error the CLI would print). Actions call the same services as the API and the CLI.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import count
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from hub.core.api import views
from hub.core.api.security import who
from hub.core.console import auth, charts
from hub.core.console.web import back, hub_of, render
from hub.core.http.redact import redact
from hub.core.storage import queries
from hub.core.storage.columns import now
from hub.core.sync import runs
from hub.errors import HubError

router = APIRouter(include_in_schema=False)


def number(value: str | None, *, low: int = 1, high: int = 2 ** 31 - 1) -> int | None:
    """``value`` as a whole number within bounds, else None (a filter is then ignored)."""
    try:
        parsed = int((value or "").strip())
    except ValueError:
        return None
    return parsed if low <= parsed <= high else None


def account_id(request: Request, name: str | None) -> tuple[int | None, str | None]:
    """The id of account ``name`` (a filter), or an error saying there is no such account."""
    if not name:
        return None, None
    try:
        return hub_of(request).accounts.row(name).id, None
    except HubError as exc:
        return -1, exc.message


# --- signing in ---------------------------------------------------------------------------

def _next(value: str | None) -> str:
    value = value or "/"
    return value if value.startswith("/") and not value.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    token = auth.login_token(request)
    page = render(request, "login.html", title="Sign in", login_csrf=token,
                  next=_next(request.query_params.get("next")))
    page.set_cookie(auth.LOGIN_COOKIE, token, httponly=True, samesite="strict",
                    secure=request.url.scheme == "https", path="/login")
    return page


@router.post("/login")
async def login(request: Request) -> Response:
    form = await auth.read_form(request)
    target = _next(form.get("next"))
    if not auth.login_token_ok(request, form):
        return render(request, "error.html", status=403, title="Not allowed",
                      message="the sign-in form's security token is missing or stale: reload the "
                              "page and try again")
    app = hub_of(request)
    who_tries = (request.client.host if request.client else "?",
                 "api key" if form.get("api_key", "").strip() else form.get("username", "")[:100])
    throttle = auth.throttle_of(request)
    if throttle.blocked(who_tries):
        return render(request, "login.html", status=429, title="Sign in", next=target,
                      login_csrf=request.cookies.get(auth.LOGIN_COOKIE, ""),
                      error="too many failed sign-ins from here: wait a few minutes")
    principal = await asyncio.to_thread(
        auth.authenticate, app, username=form.get("username", "")[:100],
        password=form.get("password", "")[:1024], api_key=form.get("api_key", "")[:200])
    if principal is None:
        throttle.failed(who_tries)
        return render(request, "login.html", status=401, title="Sign in", next=target,
                      login_csrf=request.cookies.get(auth.LOGIN_COOKIE, ""),
                      error="unknown user or API key, wrong password, or disabled")
    throttle.succeeded(who_tries)
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie(auth.COOKIE, auth.open_session(app, principal), httponly=True,
                      samesite="strict", secure=request.url.scheme == "https", path="/",
                      max_age=int(auth.LIFETIME.total_seconds()))
    return answer


@router.post("/logout")
async def logout(request: Request) -> Response:
    console, _ = await auth.acting(request, "read")
    auth.end_session(hub_of(request), console)
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(auth.COOKIE, path="/")
    return answer


# --- overview -----------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def overview(request: Request) -> Response:
    auth.require(request)
    app = hub_of(request)
    data = charts.collect(app)
    return render(request, "overview.html", title="Overview", charts=charts.render_all(data),
                  accounts=len(app.accounts.rows()))


# --- accounts -----------------------------------------------------------------------------

def reschedule(request: Request) -> None:
    """Have the daemon serving the console follow an account change now (its rescan would,
    within a minute): a flow switched off loses its job, a new account gets its jobs."""
    daemon = request.app.state.daemon
    if daemon is not None and daemon.scheduler.running:
        daemon.sync_jobs()


def scheduled(request: Request, name: str) -> list[dict[str, Any]]:
    """The daemon's jobs for account ``name``: flow, seconds between runs, next run."""
    daemon = request.app.state.daemon
    if daemon is None or not daemon.scheduler.running:
        return []
    return [{"flow": flow, "every": every,
             "next": getattr(daemon.scheduler.get_job(f"{flow}:{name}"), "next_run_time", None)}
            for flow, every in sorted(daemon.jobs.get(name, {}).items())
            if every and daemon.scheduler.get_job(f"{flow}:{name}") is not None]


def account_views(request: Request, only: str | None = None) -> list[dict[str, Any]]:
    """Each account (or account ``only``) as ``hub accounts show --json`` has it, with its
    authorization, last run, lag and what its platform offers: a fixed number of statements
    however many accounts there are."""
    app = hub_of(request)
    lags = charts.lags(app)
    rows = [row for row in app.accounts.rows() if only is None or row.name == only]
    names = {row.id or 0: row.name for row in rows}
    with app.db.session() as s:
        authorized = queries.authorized_ats(s, rows)
        last_runs = {account: views.run_summary(run, names[account])
                     for account, run in queries.latest_runs(s, list(names)).items()}
    out = []
    for row in rows:
        view = app.accounts.describe(row, with_settings=True)
        at = authorized.get(row.id or 0)
        view["authorized"] = bool(view["authorized"]) or at is not None
        view["authorized_at"] = at
        info = app.host.platforms.get(row.platform)
        view["display"] = info.display_name if info else row.platform
        view["oauth"] = bool(info and "oauth" in {str(c) for c in info.capabilities})
        view["why_not"] = None if view["authorized"] else (
            f"paused: {view['paused']}" if view["paused"] else
            "never authorized: press Connect" if view["oauth"] else
            "keys not verified yet: press Connect to check them")
        view["last_run"] = last_runs.get(row.id or 0)
        view["lag"] = lags.get(row.name)
        out.append(view)
    return out


@router.get("/accounts", response_class=HTMLResponse)
async def accounts_page(request: Request) -> Response:
    auth.require(request)
    app = hub_of(request)
    platforms = sorted((name, info.display_name) for name, info in app.host.platforms.items())
    return render(request, "accounts.html", title="Accounts", accounts=account_views(request),
                  platforms=platforms)


@router.get("/accounts/new", response_class=HTMLResponse)
async def new_account_page(request: Request) -> Response:
    auth.require(request, "admin")
    return _new_account_form(request, request.query_params.get("platform", ""), {})


def _new_account_form(request: Request, platform: str, values: dict[str, str], *,
                      error: str | None = None, status: int = 200) -> Response:
    app = hub_of(request)
    platforms = sorted((name, info.display_name) for name, info in app.host.platforms.items())
    info = app.host.platforms.get(platform)
    shown = {k: ("" if info and any(sp.name == k and sp.secret for sp in info.settings) else v)
             for k, v in values.items()}  # a secret typed in is never sent back
    return render(request, "account_new.html", title="Add an account", platforms=platforms,
                  platform=platform if info else "", info=info, values=shown, error=error,
                  status=status)


@router.post("/accounts/new")
async def add_account(request: Request) -> Response:
    _, form = await auth.acting(request, "admin")
    platform, name = form.get("platform", "")[:100], form.get("name", "").strip()[:100]
    app = hub_of(request)
    info = app.host.platforms.get(platform)
    if info is None:
        return _new_account_form(request, "", form, status=422,
                                 error=f"unknown platform '{platform[:40]}': choose one")
    values = {spec.name: form[f"set_{spec.name}"].strip() for spec in info.settings
              if form.get(f"set_{spec.name}", "").strip()}
    try:
        row = app.accounts.add(platform, name, values)
    except HubError as exc:
        return _new_account_form(request, platform, form, error=redact(str(exc)), status=422)
    reschedule(request)
    return back(f"/accounts/{row.name}", notice=f"added {platform} account '{row.name}'; writes "
                                                "(stock, price, tracking) are off until switched on")


@router.get("/accounts/{name}", response_class=HTMLResponse)
async def account_page(request: Request, name: str) -> Response:
    auth.require(request)
    found = account_views(request, only=name)
    if not found:
        return render(request, "error.html", status=404, title="Not found",
                      message=f"no account named '{name[:100]}'")
    attempt = request.app.state.authorizations.attempts.get(name)
    return render(request, "account.html", title=f"Account {name}", a=found[0],
                  attempt=attempt.view() if attempt else None,
                  daemon=request.app.state.daemon is not None, jobs=scheduled(request, name))


@router.post("/accounts/{name}/flows")
async def switch_flow(request: Request, name: str) -> Response:
    _, form = await auth.acting(request)
    flow, on = form.get("flow", ""), form.get("on", "") == "on"
    try:
        hub_of(request).accounts.set_flows(name, {flow: on})
    except HubError as exc:
        return back(f"/accounts/{name}", error=str(exc))
    reschedule(request)
    return back(f"/accounts/{name}", notice=f"{flow} flow {'on' if on else 'off'}")


@router.post("/accounts/{name}/connect")
async def connect(request: Request, name: str) -> Response:
    """Start the platform's authorization through the daemon: an OAuth platform's page opens
    (its redirect comes back to ``/oauth/{platform}/callback``); keys are verified at once."""
    await auth.acting(request, "admin")
    try:
        attempt = await request.app.state.authorizations.start(name, origin="console")
    except HubError as exc:
        return back(f"/accounts/{name}", error=str(exc))
    if attempt.authorize_url:
        return RedirectResponse(attempt.authorize_url, status_code=303)
    return back(f"/accounts/{name}", notice=f"account '{name}' {attempt.status}")


@router.post("/accounts/{name}/disable")
async def disable(request: Request, name: str) -> Response:
    from hub.core.connections import disconnect

    await auth.acting(request)
    try:
        done = await disconnect(hub_of(request), name, wipe=False)
    except HubError as exc:
        return back(f"/accounts/{name}", error=str(exc))
    reschedule(request)
    return back(f"/accounts/{name}", notice=f"account '{name}' disabled; {len(done.released)} open "
                                            f"order(s) released to the store")


@router.post("/accounts/{name}/enable")
async def enable(request: Request, name: str) -> Response:
    await auth.acting(request)
    try:
        hub_of(request).accounts.set_flags(name, enabled=True, paused_reason=None)
    except HubError as exc:
        return back("/accounts", error=str(exc))
    reschedule(request)
    return back(f"/accounts/{name}", notice=f"account '{name}' enabled")


# --- imports ------------------------------------------------------------------------------

@dataclass
class ImportProgress:
    """One import this daemon started from the console: orders read of those available, live,
    then its run (the imports page lists the runs themselves, see :func:`import_rows`)."""

    id: int
    account: str
    started_by: str
    read: int = 0
    available: int | None = None
    done: bool = False
    status: str = "running"
    run_id: int | None = None
    error: str | None = None
    summary: str = ""
    started_at: datetime = field(default_factory=now)

    def __call__(self, read: int, available: int | None) -> None:
        self.read, self.available = read, available


class Imports:
    """Imports started from this daemon's console (the last 50 kept), for their live pages."""

    def __init__(self) -> None:
        self.items: dict[int, ImportProgress] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._ids = count(1)

    def start(self, request: Request, account: str, who: str, full: bool) -> ImportProgress:
        from hub.core.sync.orders import import_orders

        app = hub_of(request)
        app.accounts.row(account)  # NotFound before anything starts
        progress = ImportProgress(id=next(self._ids), account=account, started_by=who)

        async def go() -> None:
            try:
                result = await import_orders(app, account, full=full, trigger="console",
                                             progress=progress)
                progress.status, progress.run_id = result.status, result.run_id
                progress.error, progress.summary = result.error, result.counts.summary()
                if result.counts.available is not None:
                    progress.available = result.counts.available
            except HubError as exc:
                progress.status, progress.error = "failed", redact(str(exc))
            finally:
                progress.done = True

        task = asyncio.create_task(go(), name=f"console-import:{account}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        self.items[progress.id] = progress
        for old in sorted(self.items)[:-50]:
            self.items.pop(old)
        return progress


def imports_of(request: Request) -> Imports:
    found: Imports | None = getattr(request.app.state, "console_imports", None)
    if found is None:
        found = request.app.state.console_imports = Imports()
    return found


@dataclass
class ImportRow:
    """A line of the imports page: one console import, as its run records it."""

    started_at: datetime
    account: str
    started_by: str
    read: int
    available: int | None
    status: str
    run_id: int | None = None
    live: int | None = None
    """The id of its live page (``/imports/{id}``) while this daemon keeps it."""


READ_OUTCOMES = (runs.IMPORTED, runs.UPDATED, runs.UNCHANGED, runs.SKIPPED, runs.QUARANTINED)


def import_rows(request: Request, limit: int = 50) -> list[ImportRow]:
    """The last ``limit`` imports started from the console, newest first: their runs (trigger
    ``console``: who started it, the orders read and available), so they survive a restart,
    with the live progress of those this daemon is running. An import that failed before it
    could open a run (the account busy or its flow off) is listed while the daemon keeps it."""
    app = hub_of(request)
    with app.db.session() as s:
        found = queries.list_runs(s, queries.run_filters(flow="orders", trigger="console"),
                                  limit=limit)
    kept = list(imports_of(request).items.values())
    by_run: dict[int | None, ImportProgress] = {p.run_id: p for p in kept if p.run_id is not None}
    running = {p.account: p for p in sorted(kept, key=lambda p: p.id) if not p.done}
    rows: list[ImportRow] = []
    shown: set[int] = set()
    for run, name in found:
        counts = run.counts or {}
        row = ImportRow(started_at=run.started_at, account=name, status=run.status,
                        started_by=_actor(run.actor), read=sum(int(counts.get(k, 0))
                                                               for k in READ_OUTCOMES),
                        available=counts.get("available"), run_id=run.id)
        live = by_run.get(run.id) or (running.get(name) if run.status == "running" else None)
        if live is not None and live.id not in shown:
            shown.add(live.id)
            row.live, row.read, row.available = live.id, live.read, live.available
        rows.append(row)
    rows += [ImportRow(started_at=p.started_at, account=p.account, started_by=p.started_by,
                       read=p.read, available=p.available, status=p.status, run_id=p.run_id,
                       live=p.id) for p in kept if p.id not in shown and p.run_id is None]
    return sorted(rows, key=lambda r: r.started_at, reverse=True)[:limit]


def _actor(actor: str | None) -> str:
    """``user:NAME`` as the console says it (``user 'NAME'``)."""
    kind, _, name = (actor or "").partition(":")
    return f"{kind.replace('_', ' ')} '{name}'" if name else "-"


@router.get("/imports", response_class=HTMLResponse)
async def imports_page(request: Request) -> Response:
    auth.require(request)
    app = hub_of(request)
    names = [r.name for r in app.accounts.rows() if r.flow_orders]
    return render(request, "imports.html", title="Imports", names=names,
                  started=import_rows(request))


@router.post("/imports")
async def start_import(request: Request) -> Response:
    console, form = await auth.acting(request)
    try:
        progress = imports_of(request).start(request, form.get("account", "")[:100],
                                             who(console.principal), form.get("full") == "on")
    except HubError as exc:
        return back("/imports", error=str(exc))
    return back(f"/imports/{progress.id}")


def _progress(request: Request, import_id: int) -> ImportProgress | None:
    return imports_of(request).items.get(import_id)


@router.get("/imports/{import_id:int}", response_class=HTMLResponse)
async def import_page(request: Request, import_id: int) -> Response:
    auth.require(request)
    progress = _progress(request, import_id)
    if progress is None:
        return render(request, "error.html", status=404, title="Not found",
                      message=f"no import {import_id} on this daemon (live pages are kept while it "
                              "runs; the imports page lists every console import's run)")
    return render(request, "import.html", title=f"Import {import_id}", p=progress)


@router.get("/imports/{import_id:int}/events")
async def import_events(request: Request, import_id: int) -> Response:
    """Server-sent events: the import's progress each half second until it ends."""
    auth.require(request)
    progress = _progress(request, import_id)
    if progress is None:
        return Response("no such import", status_code=404, media_type="text/plain")

    async def stream() -> AsyncIterator[str]:
        last = None
        while True:
            state = json.dumps(asdict(progress), default=str)
            if state != last:
                yield f"event: progress\ndata: {state}\n\n"
                last = state
            if progress.done or await request.is_disconnected():
                yield "event: done\ndata: {}\n\n"
                return
            await asyncio.sleep(0.3)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})


# --- runs ---------------------------------------------------------------------------------

@router.get("/runs", response_class=HTMLResponse)
async def runs_page(request: Request) -> Response:
    auth.require(request)
    q = request.query_params
    app = hub_of(request)
    acc, error = account_id(request, q.get("account"))
    failed = q.get("failed") in ("1", "on", "true")
    flow = q.get("flow") or None
    page = number(q.get("page")) or 1
    result = views.list_runs(app.db, account_id=acc, failed=failed, flow=flow, limit=50,
                             offset=(page - 1) * 50)
    filters = {k: v for k, v in (("account", q.get("account")), ("flow", flow),
                                 ("failed", "1" if failed else None)) if v}
    return render(request, "runs.html", title="Runs", runs=result, error=error, filters=filters,
                  names=[r.name for r in app.accounts.rows()], page=page,
                  more="/runs?" + urlencode({**filters, "page": page + 1})
                  if page * 50 < result.total else None)


@router.get("/runs/{run_id:int}", response_class=HTMLResponse)
async def run_page(request: Request, run_id: int) -> Response:
    auth.require(request)
    try:
        run = views.run_detail(hub_of(request).db, run_id)
    except HubError as exc:
        return render(request, "error.html", status=404, title="Not found", message=exc.message)
    return render(request, "run.html", title=f"Run {run_id}", run=run,
                  retryable=any(i.outcome in ("quarantined", "failed") and not i.resolved
                                for i in run.items))


async def _retry(request: Request, run_ids: list[int] | None, to: str) -> Response:
    from hub.core.sync.retry import retry_runs

    try:
        done = await retry_runs(hub_of(request), run_ids)
    except HubError as exc:
        return back(to, error=str(exc))
    return back(to, notice=f"retried: {done.resolved} resolved, {done.still_failing} still "
                           f"failing (runs {', '.join(map(str, done.runs)) or 'none'})")


@router.post("/runs/{run_id:int}/retry")
async def retry_run(request: Request, run_id: int) -> Response:
    await auth.acting(request)
    return await _retry(request, [run_id], f"/runs/{run_id}")


@router.post("/runs/retry-failed")
async def retry_all(request: Request) -> Response:
    await auth.acting(request)
    return await _retry(request, None, "/runs?failed=1")

