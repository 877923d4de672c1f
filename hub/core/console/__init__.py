"""The operator console: server-rendered pages served by ``hub daemon`` at ``/``.

Jinja2 templates and a vendored htmx (``static/``; no CDN, no build step), sign-in and
permissions in :mod:`.auth`, pages in :mod:`.pages` (accounts, imports, runs),
:mod:`.orders` and :mod:`.ops` (stock and prices, carriers, tickets, webhooks, users and
keys), charts as SVG in :mod:`.charts`. See docs/console.md.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hub.core.console.web import HERE, install_errors


def install(api: FastAPI) -> None:
    """Serve the console on ``api`` (the daemon's HTTP service)."""
    from hub.core.console import ops, orders, pages

    install_errors(api)
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="console-static")
    for router in (pages.router, orders.router, ops.router):
        api.include_router(router)
