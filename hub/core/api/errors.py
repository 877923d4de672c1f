"""Errors as HTTP answers: a :class:`~hub.errors.HubError` maps to its status, never a traceback.

=====================================  ======
what went wrong                        status
=====================================  ======
:class:`~hub.errors.NotFound`          404
the run is already going on (a lease)  409
configuration or data (ConfigError,
AuthError, DataError)                  422
the platform failed or refused         502
anything else                          500
=====================================  ======

Bodies are ``{"detail": message, "hint": what to do}`` with secrets redacted.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hub.core.accounts import LeaseBusy
from hub.core.http.redact import redact
from hub.errors import Fault, HubError, NotFound

log = logging.getLogger("hub.server")


def status_for(exc: HubError) -> int:
    """The HTTP status that says whose fault ``exc`` is."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, LeaseBusy):
        return 409
    if exc.fault in (Fault.CONFIG, Fault.DATA):
        return 422
    if exc.fault == Fault.PLATFORM:
        return 502
    return 500


def error_body(exc: HubError) -> dict[str, str | None]:
    return {"detail": redact(exc.message), "hint": redact(exc.hint) if exc.hint else None}


async def _hub_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubError)
    status = status_for(exc)
    if status >= 500:
        log.error("request failed: %s", redact(str(exc)))
    return JSONResponse(error_body(exc), status_code=status)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error on %s %s: %s", request.method, request.url.path,
              redact(f"{type(exc).__name__}: {exc}"), exc_info=exc)
    return JSONResponse({"detail": "internal error; the daemon's log has the details"},
                        status_code=500)


def install(api: FastAPI) -> None:
    """Register the handlers on ``api``."""
    api.add_exception_handler(HubError, _hub_error)
    api.add_exception_handler(Exception, _unexpected)
