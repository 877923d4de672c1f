"""API-key authentication of the back-office API: ``Authorization: Bearer <key>``.

A missing, malformed, unknown or revoked key is answered 401 with
``WWW-Authenticate: Bearer``, before anything else about the request is looked
at. Keys are created with ``hub api-keys create NAME`` (see :mod:`hub.core.apikeys`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.core import apikeys

if TYPE_CHECKING:
    from hub.core.app import HubApp

bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                    description="An API key from `hub api-keys create NAME`, sent as "
                                "`Authorization: Bearer <key>`.")


def hub_app(request: Request) -> HubApp:
    """The :class:`HubApp` the service was created for."""
    app: HubApp = request.app.state.hub
    return app


async def require_api_key(request: Request,
                          credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> str:
    """The name of the caller's API key; 401 unless the request carries a live one."""
    name = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        name = apikeys.authenticate(hub_app(request), credentials.credentials)
    if name is None:
        raise HTTPException(401, "a valid API key is required: send 'Authorization: Bearer <key>' "
                                 "with a key from 'hub api-keys create NAME'",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.api_key = name
    return name
