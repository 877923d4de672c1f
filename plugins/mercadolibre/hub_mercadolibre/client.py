"""Requests to the Mercado Libre API: the account's client, JSON, errors, dates, concurrency.

Every API request of an account goes through one :class:`hub.HttpClient`
(``account.client``) that sends ``Authorization: Bearer <access token>`` and
lets the core refresh the token (under its per-account lock) on expiry or 401,
shares the account's rate limiter, and retries 429 (Mercado Libre sends no
``Retry-After``: jittered exponential backoff) and 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from hub import (
    Account,
    Action,
    ConfigError,
    HttpClient,
    Resolution,
    bounded,
)
from hub import json_list as json_list  # one copy, in the core (re-exported here)
from hub import json_object as json_object
from hub_mercadolibre.sites import API_URL, SITES, Site

USER_AGENT = "hub-mercadolibre/0.1 (+commerce-hub)"
JSON_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}
T = TypeVar("T")

# Paths whose 409 answers mean "the listing is being updated, try again" (fast repeated writes).
_LOCKED_PATHS = ("/items", "/user-products")


# --- settings -------------------------------------------------------------------------
def site(account: Account) -> Site:
    """The account's country site."""
    code = (account.setting("site") or "").upper()
    found = SITES.get(code)
    if found is None:
        raise ConfigError(f"{account.label}: setting 'site' must be one of "
                          f"{', '.join(sorted(SITES))}, got '{code}'",
                          hint=f"run: hub accounts set {account.name} site=AR")
    return found


def api_url(account: Account) -> str:
    """The API host (``base_url``; Mercado Libre's own by default)."""
    return (account.setting("base_url") or API_URL).rstrip("/")


def auth_url(account: Account) -> str:
    """Where the seller authorizes: ``auth_base_url``, else the site's authorization host."""
    return (account.setting("auth_base_url") or site(account).auth_host).rstrip("/")


def rate(account: Account) -> float | None:
    """Requests per second for the account (``requests_per_second``; empty or 0: no cap)."""
    return account.core.requests_per_second


def concurrency(account: Account) -> int:
    """Requests in flight at once for per-cart, per-shipment and per-item reads."""
    return account.core.concurrency


# --- responses ------------------------------------------------------------------------
def error_text(response: httpx.Response) -> str:
    """Mercado Libre's error body (``{"message", "error", "status", "cause"}``) as one line."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return response.text[:200] or f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return str(body)[:200]
    message = str(body.get("message") or body.get("error") or f"HTTP {response.status_code}")
    code = body.get("error")
    causes = body.get("cause") or []
    parts = [message if not code or code == message else f"{message} ({code})"]
    for cause in causes if isinstance(causes, list) else []:
        text = cause.get("message") if isinstance(cause, Mapping) else cause
        if text:
            parts.append(str(text))
    return "; ".join(parts)


def classify(response: httpx.Response) -> Resolution | None:
    """Mercado Libre's answers that differ from the client's defaults.

    409 on a listing write means another update holds the item ("fast
    repeats -> 409 lock"): retry with backoff. 403 means this resource is
    not the seller's or the app lacks a permission: a plain failure, not a
    revoked token (revoked and expired tokens answer 401).
    """
    status = response.status_code
    if status == 409 and response.request.url.path.startswith(_LOCKED_PATHS):
        return Resolution(Action.RETRY, message=error_text(response))
    if status == 403:
        return Resolution(Action.FAIL, message=error_text(response))
    return None


def meli_datetime(value: datetime) -> str:
    """An aware datetime as the API's filter format: ``2026-10-01T13:00:00.000-00:00`` (UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000-00:00")


class MeliClient:
    """The API requests the plugin makes, on the account's :class:`hub.HttpClient`."""

    def __init__(self, account: Account) -> None:
        self.account = account
        limit = rate(account)
        self.http: HttpClient = account.client(
            api_url(account), api="meli", headers=JSON_HEADERS, rate=limit,
            burst=max(1.0, limit or 1.0), token_header="Authorization", token_scheme="Bearer",
            classify=classify)
        self.concurrency = concurrency(account)

    @property
    def seller_id(self) -> str:
        """The connected seller's user id (stored by ``authorize``)."""
        seller = self.account.credentials.get("seller_id")
        if not seller:
            raise ConfigError(f"{self.account.label} is not connected to a seller",
                              hint=f"run: hub accounts authorize {self.account.name}")
        return str(seller)

    async def get(self, path: str, params: Mapping[str, Any] | None = None, *,
                  expect: set[int] | None = None) -> httpx.Response:
        """GET ``path`` (relative to the API host)."""
        return await self.http.get(path, params=dict(params or {}), expect=expect)

    async def get_object(self, path: str, params: Mapping[str, Any] | None = None, *,
                         missing_ok: bool = False) -> dict[str, Any] | None:
        """GET a JSON object; None for a 404 when ``missing_ok``."""
        response = await self.get(path, params, expect={404} if missing_ok else None)
        if response.status_code == 404:
            return None
        return json_object(response, f"GET {path}")

    async def put(self, path: str, body: Any) -> dict[str, Any]:
        """PUT JSON to ``path`` and return the answered object."""
        return json_object(await self.http.put(path, json=body), f"PUT {path}")

    async def bounded(self, calls: Iterable[Awaitable[T]]) -> list[T]:
        """:func:`bounded` with the account's ``concurrency``."""
        return await bounded(self.concurrency, calls)
