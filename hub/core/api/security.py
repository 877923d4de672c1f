"""Who may call the back-office API, and with which role: ``Authorization: Bearer <key>``.

:func:`require_api_key` is the one dependency every ``/api`` router declares. It

* answers 401 with ``WWW-Authenticate: Bearer`` for a missing, malformed, unknown or
  revoked key, before anything else about the request is looked at;
* works out the level the route needs (:func:`route_level`): ``GET`` reads, other
  methods act, and routes marked with :data:`ADMIN` (``openapi_extra``) administer
  (credentials, keys, users, webhook subscriptions);
* answers 403 (``detail`` naming the role needed and the caller's) when the key's role
  (:mod:`hub.core.principals`) does not allow that level;
* makes the caller the actor of what the request writes (order events, runs), and the
  daemon's log names it for every acting request (:func:`install`).

Keys are created with ``hub api-keys create NAME --role ROLE`` (see :mod:`hub.core.apikeys`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.core.principals import (
    Level,
    Principal,
    actor_of,
    allows,
    authenticate_key,
    least_role,
    set_acting,
)

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.audit")
bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                    description="An API key from `hub api-keys create NAME --role ROLE`, sent as "
                                "`Authorization: Bearer <key>`.")
LEVEL_KEY = "x-hub-level"
ADMIN: dict[str, Any] = {LEVEL_KEY: "admin"}
"""``openapi_extra`` of a route only admins may call (documented in the OpenAPI document)."""
READS = frozenset({"GET", "HEAD", "OPTIONS"})
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "the API key's role does not allow this (the answer names the role "
                         "needed)"}}


def hub_app(request: Request) -> HubApp:
    """The :class:`HubApp` the service was created for."""
    app: HubApp = request.app.state.hub
    return app


def route_level(request: Request) -> Level:
    """The level the matched route needs: admin when marked so, read for GET, else act."""
    route = request.scope.get("route")
    extra = getattr(route, "openapi_extra", None) or {}
    if extra.get(LEVEL_KEY) == "admin":
        return "admin"
    return "read" if request.method in READS else "act"


def who(principal: Principal) -> str:
    """``api key 'NAME'`` or ``user 'NAME'`` for log lines (``api_key:NAME`` would read as a
    secret to the log's redaction)."""
    return f"{principal.kind.replace('_', ' ')} '{principal.name}'"


def principal_of(request: Request) -> Principal | None:
    """The caller of an authenticated request (None before authentication)."""
    found: Principal | None = getattr(request.state, "principal", None)
    return found


async def require_api_key(request: Request,
                          credentials: HTTPAuthorizationCredentials | None = Security(bearer)
                          ) -> Principal:
    """The caller's principal; 401 without a live key, 403 when its role is not enough."""
    principal = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        principal = authenticate_key(hub_app(request), credentials.credentials)
    if principal is None:
        raise HTTPException(401, "a valid API key is required: send 'Authorization: Bearer <key>' "
                                 "with a key from 'hub api-keys create NAME'",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.api_key = principal.name
    request.state.principal = principal
    level = route_level(request)
    if not allows(principal.role, level):
        needed = least_role(level)
        log.warning("refused %s %s to %s (%s): needs %s", request.method, request.url.path,
                    who(principal), principal.role.value, needed.value,
                    extra={"principal": actor_of(principal)})
        raise HTTPException(403, f"this needs the {needed.value} role"
                                 f"{' (or admin)' if needed != 'admin' else ''}; "
                                 f"{who(principal)} is "
                                 f"{principal.role.value}")
    set_acting(principal)
    return principal


require_role = require_api_key  # the same dependency, by what it also does


def declare_forbidden(api: FastAPI) -> None:
    """Declare the 403 answer in the OpenAPI document on every operation that needs an API key
    (each checks the key's role), so routers need not list it themselves."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = generate()
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    if isinstance(operation, dict) and operation.get("security"):
                        operation["responses"].setdefault("403", dict(FORBIDDEN[403]))
        return api.openapi_schema or generate()

    api.openapi = openapi  # type: ignore[method-assign]


def install(api: FastAPI) -> None:
    """Log every acting API request (method, path, answer) with who made it."""

    @api.middleware("http")
    async def audit(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                    ) -> Response:
        response = await call_next(request)
        principal = principal_of(request)
        if principal is not None and request.method not in READS \
                and response.status_code != 403:
            log.info("%s %s by %s (%s): %d", request.method, request.url.path,
                     who(principal), principal.role.value, response.status_code,
                     extra={"principal": actor_of(principal)})
        return response
