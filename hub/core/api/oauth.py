"""Authorizing accounts through the daemon: ``hub accounts authorize`` for servers.

``POST /api/accounts/{name}/authorize`` (API key) runs the plugin's
``authorize`` hook inside the daemon with a
:class:`~hub.core.oauth.DaemonAuthSession`, whose ``redirect_uri`` is
``{HUB_PUBLIC_URL}/oauth/{platform}/callback``. For an OAuth platform it
answers at once with the ``authorize_url`` to open in a browser; the platform
then redirects to ``/oauth/{platform}/callback``, the hook finishes in the
background and the credentials are stored encrypted. Key-based platforms are
verified there and then. ``GET /api/accounts/{name}/authorize`` tells how the
latest attempt ended.

The callback is checked against the waiting session's ``state``: single use,
good for ten minutes, 400 otherwise. It must reach the daemon that started the
authorization (the waiting hook lives in that process). Its page is plain text
for an authorization started through the API, and a console page (the account
connected, or why not, with links back to the console) for one started with the
console's Connect button.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import PlainTextResponse, Response

from hub.auth import Callback
from hub.core.api.schemas import Authorization
from hub.core.api.security import ADMIN, require_api_key
from hub.core.authorize import authorize_with
from hub.core.http.redact import redact
from hub.core.oauth import (
    DAEMON_TIMEOUT,
    PAGE_WAIT,
    RECEIVED_PAGE,
    CallbackRegistry,
    DaemonAuthSession,
    browser_return,
    callback_state,
    outcome_page,
    parse_callback_body,
)
from hub.core.storage.columns import now
from hub.errors import ConfigError, NotFound, TransientError

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.oauth")
START_TIMEOUT = 30.0  # seconds the hook has to ask for a browser (or finish) before the API answers
MAX_CALLBACK_BODY = 1_000_000
AccountName = Annotated[str, Path(min_length=1, max_length=100, description="the account's name")]


@dataclass
class Attempt:
    """The latest authorization of one account started through the daemon."""

    account: str
    started_at: datetime
    redirect_uri: str
    status: Literal["pending", "authorized", "failed"] = "pending"
    authorize_url: str | None = None
    error: str | None = None
    finished_at: datetime | None = None
    task: asyncio.Task[bool] | None = None
    state: str | None = None  # the session's state, to find the attempt a callback completes
    origin: Literal["api", "console"] = "api"  # who started it: the callback page follows

    def view(self) -> Authorization:
        return Authorization(account=self.account, status=self.status,
                             authorize_url=self.authorize_url if self.status == "pending" else None,
                             redirect_uri=self.redirect_uri, error=self.error,
                             started_at=self.started_at, finished_at=self.finished_at)


class Authorizations:
    """Runs authorize hooks in the background and routes the platform's callbacks to them."""

    def __init__(self, app: HubApp, public_url: str, *, timeout: float = DAEMON_TIMEOUT) -> None:
        self.app = app
        self.public_url = public_url.rstrip("/")
        self.timeout = timeout
        self.registry = CallbackRegistry()
        self.attempts: dict[str, Attempt] = {}

    async def start(self, name: str, *, origin: Literal["api", "console"] = "api") -> Attempt:
        """Start authorizing ``name``; return once the hook waits for a browser or has finished.

        A newer start for the same account replaces a pending one (its link stops working).
        ``origin`` chooses the callback's page: plain text (API) or a console page.
        :raises HubError: the hook failed before asking for a browser (e.g. keys refused).
        """
        row = self.app.accounts.row(name)
        if not self.app.host.implements("authorize", row.platform):
            raise ConfigError(f"the {self.app.host.info(row.platform).display_name} plugin does not "
                              "implement 'authorize': its accounts need no authorization step")
        previous = self.attempts.get(row.name)
        if previous and previous.task and not previous.task.done():
            previous.task.cancel()
        session = DaemonAuthSession(self.registry, row.platform, self.public_url,
                                    timeout=self.timeout)
        attempt = Attempt(account=row.name, started_at=now(), redirect_uri=session.redirect_uri,
                          state=session.state, origin=origin)
        task = asyncio.create_task(authorize_with(self.app, row.name, session),
                                   name=f"authorize:{row.name}")
        attempt.task = task
        self.attempts[row.name] = attempt
        task.add_done_callback(lambda done: self._settle(attempt, done))
        first: set[asyncio.Future[Any]] = {task, session.authorize_url}
        await asyncio.wait(first, timeout=START_TIMEOUT,
                           return_when=asyncio.FIRST_COMPLETED)
        if session.authorize_url.done():
            attempt.authorize_url = session.authorize_url.result()
            return attempt
        if task.done():
            self._settle(attempt, task)
            exc = task.exception()
            if exc is not None:
                raise exc
            return attempt
        task.cancel()
        raise TransientError(f"the {row.platform} plugin neither finished nor asked for a browser "
                             f"within {START_TIMEOUT:.0f} s", hint="try again later")

    def _settle(self, attempt: Attempt, task: asyncio.Task[bool]) -> None:
        if attempt.finished_at is not None:
            return
        attempt.finished_at = now()
        if task.cancelled():
            attempt.status = "failed"
            attempt.error = "replaced by a newer authorization, or the daemon stopped"
            return
        exc = task.exception()
        if exc is None:
            attempt.status = "authorized"
            log.info("account '%s' authorized through the daemon", attempt.account,
                     extra={"account": attempt.account})
            return
        attempt.status, attempt.error = "failed", redact(str(exc) or type(exc).__name__)
        log.warning("authorizing account '%s' failed: %s", attempt.account, attempt.error,
                    extra={"account": attempt.account})

    def latest(self, name: str) -> Attempt:
        attempt = self.attempts.get(name)
        if attempt is None:
            raise NotFound(f"no authorization of account '{name}' was started on this daemon",
                           hint=f"start one: POST /api/accounts/{name}/authorize")
        return attempt


def _authorizations(request: Request) -> Authorizations:
    manager: Authorizations = request.app.state.authorizations
    return manager


api_router = APIRouter(prefix="/api/accounts", tags=["authorization"],
                       dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, unknown or revoked API key"},
    404: {"description": "no such account (or no authorization started)"},
    422: {"description": "the platform refused the account's keys or settings"}}


@api_router.post("/{name}/authorize", response_model=Authorization, responses=ERRORS,
                 openapi_extra=ADMIN)
async def start_authorization(name: AccountName,
                              manager: Authorizations = Depends(_authorizations)) -> Authorization:
    """Start connecting the account: the answer's ``authorize_url`` is the page to open (OAuth
    platforms); key-based platforms are verified at once (``status`` ``authorized``)."""
    return (await manager.start(name)).view()


@api_router.get("/{name}/authorize", response_model=Authorization, responses=ERRORS)
async def authorization_status(name: AccountName,
                               manager: Authorizations = Depends(_authorizations)) -> Authorization:
    """How the account's latest authorization through this daemon stands."""
    return manager.latest(name).view()


callback_router = APIRouter(tags=["authorization"])


CALLBACK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "how the authorization ended: plain text, or an HTML page for one "
                         "started from the console",
          "content": {"text/plain": {}, "text/html": {}}},
    400: {"description": "unknown, reused or expired state"}}


@callback_router.get("/oauth/{platform}/callback", response_class=PlainTextResponse,
                     responses=CALLBACK_RESPONSES)
async def oauth_redirect(request: Request, platform: Annotated[str, Path(max_length=100)],
                         manager: Authorizations = Depends(_authorizations)) -> Response:
    """Where the platform sends the browser after the user approves (or refuses) the hub."""
    return await _resolve(request, manager, platform, Callback(params=dict(request.query_params)))


@callback_router.post("/oauth/{platform}/callback", response_class=PlainTextResponse,
                      responses=CALLBACK_RESPONSES)
async def oauth_post(request: Request, platform: Annotated[str, Path(max_length=100)],
                     manager: Authorizations = Depends(_authorizations)) -> Response:
    """Where a platform posts new keys (WooCommerce's app authorization) as JSON or a form."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_CALLBACK_BODY:
            return PlainTextResponse("bad request: body too large", status_code=400)
    try:
        body = parse_callback_body(raw, request.headers.get("content-type", ""))
    except ValueError:
        return PlainTextResponse("bad request: unreadable body", status_code=400)
    return await _resolve(request, manager, platform,
                          Callback(params=dict(request.query_params), body=body))


async def _resolve(request: Request, manager: Authorizations, platform: str, callback: Callback
                   ) -> Response:
    """Hand the callback to its waiting authorization; say "authorized" only once the token
    exchange finished and the credentials are stored, else why it failed."""
    state = callback_state(callback)
    attempt = next((a for a in manager.attempts.values()
                    if a.state == state and a.task is not None), None) if state else None
    if attempt is None and browser_return(callback):  # e.g. WooCommerce's return_url?user_id=STATE
        given = set(callback.params.values())
        attempt = next((a for a in manager.attempts.values()
                        if a.state in given and a.task is not None
                        and a.redirect_uri.endswith(f"/oauth/{platform}/callback")), None)
    console = attempt is not None and attempt.origin == "console"
    status, text = manager.registry.resolve(platform, callback)
    # a console page also waits for a refusal to end the hook, to show its reason
    waits = (status, text) == RECEIVED_PAGE or (console and status == 200)
    if waits and attempt is not None and attempt.task is not None:
        await asyncio.wait({attempt.task}, timeout=PAGE_WAIT)
        if attempt.task.done():
            manager._settle(attempt, attempt.task)
            status, text = outcome_page(None if attempt.status == "authorized"
                                        else attempt.error or "unknown error")
    if console and attempt is not None:
        from hub.core.console.web import callback_page

        if status != 200:  # the link was used already: the hub's own words say so
            return callback_page(request, status=status, account=attempt.account,
                                 outcome="invalid", error=text)
        return callback_page(request, status=status, account=attempt.account,
                             outcome="pending" if attempt.finished_at is None else attempt.status,
                             error=attempt.error)
    return PlainTextResponse(text, status_code=status)
