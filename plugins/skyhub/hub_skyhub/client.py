"""Requests to one SkyHub account: its three headers, one rate limiter per endpoint and method.

SkyHub authenticates every request with three headers: ``X-User-Email`` (the seller's user),
``X-Api-Key`` (the account's integration token) and ``X-Accountmanager-Key`` (the integrating
platform's key), with ``Accept: application/json``.

SkyHub's limits are set per endpoint and method (its "Limite de requisições" page), and a
request beyond one is answered 429 with ``{"error": "..."}``. Each gets its own limiter:

* ``GET /queues/orders`` and ``DELETE /queues/orders/{code}``: 9 a second each;
* ``GET /orders`` (the list) and ``GET /orders/{code}``: 1 a second each;
* each ``POST /orders/{code}/...`` update (invoice, shipments, delivery, cancel): 9 a second;
* ``GET /products`` (list and one SKU share it), ``PUT /products/{sku}``,
  ``PUT /variations/{sku}``: 9 a second each;
* ``GET`` and ``POST`` on ``/sac`` (the list, one ticket, its chats): 9 a second each method.

Every request goes through ``account.client``, so the core retries 429 and 5xx (SkyHub sends
no documented ``Retry-After``: the client backs off) and redacts the keys from every message.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import quote

import httpx

from hub import (
    Account,
    Action,
    ConfigError,
    DataError,
    HttpClient,
    Resolution,
    json_dumps,
    register_secret,
)
from hub_skyhub.info import DEFAULT_ACCOUNTMANAGER_KEY, DEFAULT_BASE_URL

USER_AGENT = "hub-skyhub/0.1 (+commerce-hub)"
# 5% under SkyHub's figures: requests leaving at exactly the limit reach SkyHub with jitter, and
# two arriving closer than the limit's spacing would be refused
MARGIN = 0.95
WRITE_RATE = 9.0 * MARGIN  # 9/s: POST/PUT/DELETE per endpoint and method, queue, product reads
ORDER_READ_RATE = 1.0 * MARGIN  # 1/s: GET /orders and GET /orders/{code}, each

#: api name -> requests a second (each is its own limiter)
LIMITS: dict[str, float] = {
    "skyhub-queue-get": WRITE_RATE, "skyhub-queue-delete": WRITE_RATE,
    "skyhub-orders-list": ORDER_READ_RATE, "skyhub-order-get": ORDER_READ_RATE,
    "skyhub-order-invoice": WRITE_RATE, "skyhub-order-shipments": WRITE_RATE,
    "skyhub-order-delivery": WRITE_RATE, "skyhub-order-cancel": WRITE_RATE,
    "skyhub-products-get": WRITE_RATE, "skyhub-products-put": WRITE_RATE,
    "skyhub-variations-put": WRITE_RATE, "skyhub-products-post": WRITE_RATE,
    "skyhub-sac-get": WRITE_RATE, "skyhub-sac-post": WRITE_RATE,
}


def error_text(response: httpx.Response) -> str | None:
    """SkyHub's ``{"error": "..."}`` message of an error answer, or the SAC endpoints'
    ``{"errors": {"detail": "..."}}`` (None when the body has neither)."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error.strip():
            return error.strip()
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        errors = body.get("errors")
        if isinstance(errors, dict) and isinstance(errors.get("detail"), str) \
                and errors["detail"].strip():
            return str(errors["detail"]).strip()
    return None


def _classify(response: httpx.Response) -> Resolution | None:
    """Fail a 400, 406 or 415 with SkyHub's own message. The defaults stay for 401/403/429/5xx,
    and for 404 and 422, which callers read as answers (``expect=``) where they mean something."""
    status = response.status_code
    if 400 <= status < 500 and status not in (401, 403, 404, 422, 429):
        message = error_text(response)
        if message is not None:
            return Resolution(Action.FAIL, message=message)
    return None


def segment(value: str) -> str:
    """An order code or SKU as one path segment (order codes hold spaces: "Lojas Americanas-1")."""
    if not value or "/" in value or value in (".", ".."):
        raise DataError(f"'{value}' is not a valid SkyHub code or SKU")
    return quote(value, safe="")


class SkyhubClient:
    """The account's SkyHub API: one :class:`hub.HttpClient` per endpoint and method."""

    def __init__(self, account: Account) -> None:
        self.account = account
        email = account.require("user_email").strip()
        key = account.require("api_key").strip()
        manager = (account.setting("accountmanager_key") or DEFAULT_ACCOUNTMANAGER_KEY).strip()
        register_secret(key)
        if manager != DEFAULT_ACCOUNTMANAGER_KEY:
            register_secret(manager)
        self._headers = {"X-User-Email": email, "X-Api-Key": key,
                         "X-Accountmanager-Key": manager, "Accept": "application/json",
                         "Content-Type": "application/json", "User-Agent": USER_AGENT}
        url = (account.setting("base_url") or DEFAULT_BASE_URL).strip().rstrip("/")
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ConfigError(f"{account.label}: base_url must be an http(s) URL, got '{url}'",
                              hint=f"run: hub accounts set {account.name} base_url=https://...")
        self.base = url + "/"

    @property
    def label(self) -> str:
        """How messages name the account."""
        return self.account.label

    def api(self, name: str) -> HttpClient:
        """The client (and limiter) of one SkyHub endpoint and method (see :data:`LIMITS`)."""
        rate = LIMITS[name]
        return self.account.client(self.base, api=name, headers=self._headers, rate=rate,
                                   burst=max(1.0, float(int(rate))), classify=_classify)

    @cached_property
    def queue_get(self) -> HttpClient:
        return self.api("skyhub-queue-get")

    @cached_property
    def queue_delete(self) -> HttpClient:
        return self.api("skyhub-queue-delete")

    async def send_json(self, api: str, method: str, path: str, body: Any,
                        **kwargs: Any) -> httpx.Response:
        """Send ``body`` as JSON (Decimal amounts as exact JSON numbers) through ``api``."""
        return await self.api(api).request(method, path, content=json_dumps(body), **kwargs)
