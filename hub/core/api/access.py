"""``/api/api-keys`` and ``/api/users``: keys and users, for admins only (as ``hub api-keys``
and ``hub users``). A new key is in the answer once; passwords and hashes never are."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from hub.core import apikeys, users
from hub.core.api.schemas import Strict, Text100
from hub.core.api.security import ADMIN, FORBIDDEN, hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.principals import Role

router = APIRouter(prefix="/api", tags=["access"], dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, unknown or revoked API key"}, **FORBIDDEN,
    404: {"description": "no such key or user"},
    422: {"description": "a bad name or role, a weak password, or the name is taken"}}
Name = Annotated[Text100, Path(description="the key's or user's name")]


class KeyIn(Strict):
    name: Text100
    role: Role = Role.ADMIN


class KeyCreated(BaseModel):
    name: str
    role: str
    key: str = Field(description="the key itself: shown this once, only its hash is stored")
    created_at: datetime


class UserIn(Strict):
    name: Text100
    role: Role
    password: str = Field(min_length=1, max_length=1024)


class Done(BaseModel):
    name: str
    changed: bool


@router.get("/api-keys", openapi_extra=ADMIN, responses=ERRORS)
async def list_keys(app: HubApp = Depends(hub_app)) -> list[dict[str, Any]]:
    """Every key's name, role, prefix, last use and whether it is revoked (never the key)."""
    return apikeys.list_keys(app)


@router.post("/api-keys", openapi_extra=ADMIN, response_model=KeyCreated, status_code=201,
             responses=ERRORS)
async def create_key(body: KeyIn, app: HubApp = Depends(hub_app)) -> KeyCreated:
    """Create a key with a role; the answer holds the key, this once."""
    row, key = apikeys.create(app, body.name, body.role.value)
    return KeyCreated(name=row.name, role=row.role, key=key, created_at=row.created_at)


@router.post("/api-keys/{name}/revoke", openapi_extra=ADMIN, response_model=Done,
             responses=ERRORS)
async def revoke_key(name: Name, app: HubApp = Depends(hub_app)) -> Done:
    """Revoke a key: requests with it are refused (401) from now on."""
    apikeys.revoke(app, name)
    return Done(name=name, changed=True)


@router.get("/users", openapi_extra=ADMIN, responses=ERRORS)
async def list_users(app: HubApp = Depends(hub_app)) -> list[dict[str, Any]]:
    """Every user's name, role and dates (never a password or its hash)."""
    return users.list_users(app)


@router.post("/users", openapi_extra=ADMIN, response_model=Done, status_code=201,
             responses=ERRORS)
async def add_user(body: UserIn, app: HubApp = Depends(hub_app)) -> Done:
    """Add a user with a role and a password (12 characters at least)."""
    row = users.add_user(app, body.name, body.role.value, body.password)
    return Done(name=row.name, changed=True)


@router.post("/users/{name}/disable", openapi_extra=ADMIN, response_model=Done,
             responses=ERRORS)
async def disable_user(name: Name, app: HubApp = Depends(hub_app)) -> Done:
    """Disable a user: they can no longer sign in."""
    return Done(name=name, changed=users.disable_user(app, name))
