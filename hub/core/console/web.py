"""Rendering for the console: Jinja2 templates, answers, and the console's error pages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.core.console import auth
from hub.core.http.redact import redact

if TYPE_CHECKING:
    from hub.core.app import HubApp

HERE = Path(__file__).parent
env = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(["html", "svg"]), trim_blocks=True,
                  lstrip_blocks=True)

NAV = (("/", "Overview"), ("/accounts", "Accounts"), ("/imports", "Imports"), ("/runs", "Runs"),
       ("/orders", "Orders"), ("/stock", "Stock & prices"), ("/shipments", "Carriers"),
       ("/tickets", "Tickets"), ("/webhooks", "Webhooks"), ("/admin", "Users & keys"))


def hub_of(request: Request) -> HubApp:
    app: HubApp = request.app.state.hub
    return app


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M"))
    return str(value)


env.filters["fmt"] = _fmt


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` with the signed-in caller, the navigation and the notice/error of the URL."""
    console = auth.current(request)
    path = request.url.path
    html = env.get_template(template).render(
        console=console, csrf=console.csrf if console else "", nav=NAV, path=path,
        notice=request.query_params.get("notice", "")[:300],
        error=context.pop("error", None) or request.query_params.get("error", "")[:300],
        **context)
    headers = dict(SECURITY_HEADERS)
    if request.headers.get("hx-request"):  # htmx (boosted links and forms): the address to show
        headers["HX-Push-Url"] = str(request.url.path) + (f"?{request.url.query}"
                                                          if request.url.query else "") \
            if request.method == "GET" else "false"
    return HTMLResponse(html, status_code=status, headers=headers)


CALLBACK_TITLES = {"authorized": "Account connected", "failed": "Connecting the account failed",
                   "pending": "Finishing the authorization",
                   "invalid": "This authorization link is not valid"}


def callback_page(request: Request, *, status: int, account: str, outcome: str,
                  error: str | None = None) -> HTMLResponse:
    """The page the platform's redirect lands on after the console's Connect button: the
    account connected, still finishing, or why not (``error``, redacted again here: never a
    token or a secret), with links back to the account and the accounts page.

    Rendered without the console's navigation (the platform's redirect carries no session
    cookie: it is ``SameSite=Strict``) and without the URL's ``error`` parameter (the
    platform's own, e.g. ``access_denied``: ``error`` says it in the hub's words)."""
    html = env.get_template("callback.html").render(
        console=None, csrf="", nav=NAV, path=request.url.path, notice="", error=None,
        title=CALLBACK_TITLES.get(outcome, "Authorization"), outcome=outcome, account=account,
        reason=redact(error or "unknown error") if outcome in ("failed", "invalid") else None)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self' "
                               "http: https:",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store"}


def back(url: str, *, notice: str | None = None, error: str | None = None) -> RedirectResponse:
    """303 to ``url`` (a console path) with a notice or an error to show there."""
    if not url.startswith("/") or url.startswith("//"):
        url = "/"
    query = {k: redact(v)[:300] for k, v in (("notice", notice), ("error", error)) if v}
    sep = "&" if "?" in url else "?"
    return RedirectResponse(url + (sep + urlencode(query) if query else ""), status_code=303)


def install_errors(api: FastAPI) -> None:
    """The console's own exceptions as pages: sign in first, or 403 with the reason."""

    async def login_needed(request: Request, _exc: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    async def denied(request: Request, exc: Exception) -> Response:
        message = exc.message if isinstance(exc, auth.Denied) else "forbidden"
        return render(request, "error.html", status=403, title="Not allowed", message=message)

    api.add_exception_handler(auth.LoginNeeded, login_needed)
    api.add_exception_handler(auth.Denied, denied)
