"""``POST /webhooks/{platform}/{account}``: platform webhooks in.

The plugin verifies the delivery (HMAC over the raw body, or the account's
secret header); it is stored, answered at once (202; 200 for duplicates and
ignored topics; 400 for a body that is not UTF-8, nests deeper than
:data:`~hub.core.sync.webhooks.MAX_DEPTH` levels or that the plugin cannot read;
401 for a forged or tampered body; 404 for an unknown account; 413 over 5 MiB,
by its Content-Length before reading it) and processed in the background from storage (see
:mod:`hub.core.sync.webhooks`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from hub.core.api.security import hub_app
from hub.core.app import HubApp
from hub.core.sync.webhooks import process, receive

MAX_BODY = 5 * 1024 * 1024
router = APIRouter(tags=["webhooks in"])


@router.post("/webhooks/{platform}/{account}", openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
    responses={202: {"description": "verified and stored"},
               400: {"description": "unreadable body (not UTF-8, nested too deep)"},
               401: {"description": "bad signature"},
               404: {"description": "unknown account"}, 413: {"description": "body over 5 MiB"}})
async def webhook(request: Request, platform: Annotated[str, Path(max_length=100)],
                  account: Annotated[str, Path(max_length=100)],
                  app: HubApp = Depends(hub_app)) -> JSONResponse:
    """A platform's webhook for one account, verified with the account's secret."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:  # refused before reading a byte
        return JSONResponse({"error": "body too large"}, status_code=413)
    received = bytearray()
    async for chunk in request.stream():  # stop reading at the limit, not after the whole body
        received += chunk
        if len(received) > MAX_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
    result = receive(app, platform, account, dict(request.headers), bytes(received))
    task = BackgroundTask(process, app, result.event_id) if result.event_id else None
    key = "error" if result.status >= 400 else "status"
    return JSONResponse({key: result.message}, status_code=result.status, background=task)
