"""Requests to one VTEX account: keys, base URLs, one rate limiter per API, JSON helpers.

Every request goes through a :class:`hub.HttpClient` built by ``account.client``,
so the account's requests share limiters, retries (429 with ``Retry-After``,
5xx) and redaction. VTEX documents its limits per API, so each API gets its own
limiter:

* ``vtex-oms`` (orders, feed, hook, invoices): Get order allows 6,000 requests
  a minute per account, so 100/s with a one-second burst;
* ``vtex-catalog``: 15,000 a minute per endpoint (250/s);
* ``vtex-logistics``: no documented limit; pushes bound their own concurrency;
* ``vtex-pricing`` (writes): 2,000 a minute with a burst of 500;
  ``vtex-pricing-delete``: 1,000 a minute; ``vtex-pricing-read`` has no documented limit.

VTEX's ``Ratelimit-Limit`` header (requests a minute) re-paces an API's
limiter, and ``Ratelimit-Remaining: 0`` with ``Ratelimit-Reset`` pauses it until
the reset, before VTEX has to answer 429.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import httpx

from hub import Account, ConfigError, DataError, HttpClient, json_dumps, register_secret
from hub import json_list as json_list  # one copy, in the core (re-exported here)
from hub import json_object as json_object

USER_AGENT = "hub-vtex/0.1 (+commerce-hub)"
ORDER_RATE = 100.0  # 6,000 Get order requests a minute per account
CATALOG_RATE = 250.0  # 15,000 requests a minute per Catalog endpoint
PRICING_WRITE_RATE = 2000 / 60  # 2,000 POST/PUT a minute
PRICING_WRITE_BURST = 500.0
PRICING_DELETE_RATE = 1000 / 60  # 1,000 DELETE a minute


def vtex_time(value: datetime) -> str:
    """An aware datetime as VTEX's filters write it: ``2024-01-01T02:00:00.000Z``."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def dumps(body: Any) -> bytes:
    """Compact JSON with exact Decimal amounts (the Pricing API takes decimal numbers)."""
    return json_dumps(body)


def _follow_limits(account: Account, api: str) -> Any:
    """``on_response`` hook: align the API's limiter with VTEX's ``Ratelimit-*`` headers.

    ``Ratelimit-Limit`` (requests a minute) sets the limiter's rate, so a limit
    lower than the documented one stops the 429s instead of meeting them at every
    burst; ``Ratelimit-Remaining: 0`` pauses it for ``Ratelimit-Reset`` seconds
    (after a 429 the client already waits for ``Retry-After``).
    """
    def look(response: httpx.Response) -> None:
        limiter = account.limiter(api)
        try:
            limit = int(response.headers.get("Ratelimit-Limit", ""))
        except ValueError:
            limit = 0
        if limit > 0 and limiter.rate is not None and abs(limiter.rate - limit / 60) > 1e-6:
            limiter.sync(rate=limit / 60, capacity=min(limiter.capacity, float(limit)))
        remaining = response.headers.get("Ratelimit-Remaining")
        reset = response.headers.get("Ratelimit-Reset")
        if remaining is None or reset is None or response.status_code == 429:
            return
        try:
            if int(remaining) <= 0:
                limiter.pause(max(0.0, float(reset)))
        except ValueError:
            return
    return look


class VtexClient:
    """The account's VTEX APIs: OMS (orders, feed, hook), Catalog, Logistics and Pricing."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.account_name = account.require("account_name").strip()
        key = account.require("app_key")
        token = account.require("app_token")
        register_secret(key)
        register_secret(token)
        self._headers = {"X-VTEX-API-AppKey": key, "X-VTEX-API-AppToken": token,
                         "Accept": "application/json", "Content-Type": "application/json",
                         "User-Agent": USER_AGENT}
        self.base = _url(account, "base_url",
                         f"https://{self.account_name}.vtexcommercestable.com.br")
        self.pricing_base = _url(account, "pricing_base_url",
                                 f"https://api.vtex.com/{self.account_name}")

    @property
    def label(self) -> str:
        """How messages name the account."""
        return self.account.label

    def _client(self, base: str, api: str, rate: float | None, burst: float) -> HttpClient:
        return self.account.client(base, api=api, headers=self._headers, rate=rate, burst=burst,
                                   on_response=_follow_limits(self.account, api))

    @cached_property
    def oms(self) -> HttpClient:
        """Orders, feed, hook, start-handling and invoices."""
        return self._client(self.base, "vtex-oms", ORDER_RATE, ORDER_RATE)

    @cached_property
    def catalog(self) -> HttpClient:
        """Catalog SKU reads."""
        return self._client(self.base, "vtex-catalog", CATALOG_RATE, CATALOG_RATE)

    @cached_property
    def logistics(self) -> HttpClient:
        """Inventory reads and writes."""
        return self._client(self.base, "vtex-logistics", None, 1.0)

    @cached_property
    def pricing(self) -> HttpClient:
        """Pricing writes (2,000 a minute)."""
        return self._client(self.pricing_base, "vtex-pricing", PRICING_WRITE_RATE,
                            PRICING_WRITE_BURST)

    @cached_property
    def pricing_delete(self) -> HttpClient:
        """Pricing deletes (1,000 a minute, counted apart from the other writes)."""
        return self._client(self.pricing_base, "vtex-pricing-delete", PRICING_DELETE_RATE,
                            PRICING_DELETE_RATE * 15)

    @cached_property
    def pricing_read(self) -> HttpClient:
        """Pricing reads (read-back after a push)."""
        return self._client(self.pricing_base, "vtex-pricing-read", None, 1.0)

    # --- orders -------------------------------------------------------------------
    async def order(self, order_id: str) -> dict[str, Any] | None:
        """``GET /api/oms/pvt/orders/{orderId}``; None when VTEX does not have it (404)."""
        response = await self.oms.get(f"api/oms/pvt/orders/{_segment(order_id)}", expect={404})
        if response.status_code == 404:
            return None
        return json_object(response, f"order {order_id}")

    async def start_handling(self, order_id: str) -> bool:
        """``POST .../start-handling``; False when the order is no longer ready (409)."""
        response = await self.oms.post(f"api/oms/pvt/orders/{_segment(order_id)}/start-handling",
                                       expect={409})
        return response.status_code != 409

    async def send_json(self, client: HttpClient, method: str, path: str, body: Any,
                        **kwargs: Any) -> httpx.Response:
        """Send ``body`` as exact JSON (Decimal amounts kept exact)."""
        return await client.request(method, path, content=dumps(body), **kwargs)


def _url(account: Account, setting: str, default: str) -> str:
    url = (account.setting(setting) or default).strip().rstrip("/")
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{account.label}: {setting} must be an http(s) URL, got '{url}'",
                          hint=f"run: hub accounts set {account.name} {setting}=https://...")
    return url + "/"


def _segment(value: str) -> str:
    """A path segment, refusing values that would change the path."""
    if not value or "/" in value or value in (".", ".."):
        raise DataError(f"'{value}' is not a valid VTEX id")
    return value


def segment(value: str | int) -> str:
    """Public form of the path-segment check for other modules."""
    return _segment(str(value))

