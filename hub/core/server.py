"""The daemon's HTTP service: inbound webhooks, health and readiness.

``POST /webhooks/{platform}/{account}`` verifies the delivery with the plugin,
stores it, answers at once (202, or 200 for duplicates and ignored topics; 401
for a forged or tampered body; 404 for an unknown account) and processes it in
the background. ``GET /healthz`` says the process is up; ``GET /readyz`` that
the database answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.core.sync.webhooks import process, receive

if TYPE_CHECKING:
    from hub.core.app import HubApp

MAX_BODY = 5 * 1024 * 1024


def create_server(app: HubApp) -> Starlette:
    async def webhook(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        result = receive(app, request.path_params["platform"], request.path_params["account"],
                         dict(request.headers), body)
        task = BackgroundTask(process, app, result.event_id) if result.event_id else None
        key = "error" if result.status >= 400 else "status"
        return JSONResponse({key: result.message}, status_code=result.status, background=task)

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            with app.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not ready", never a 500
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    return Starlette(routes=[
        Route("/webhooks/{platform}/{account}", webhook, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ])
