"""Requests to one store's REST API: keys, the HTTP client, pagination.

All requests of an account go through one :class:`hub.HttpClient` (built by
``account.client``), so they share its rate limiter, retries and redaction.
Keys come from the account's settings, else from the credentials the
app-authorization flow stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from hub import (
    Account,
    ConfigError,
    DataError,
    ListingPage,
    PageGuard,
    PageNumbers,
    json_object,
    paginate,
    platform_time,
    register_secret,
)
from hub import json_objects as json_list  # one copy, in the core (re-exported here)
from hub_woocommerce.auth import build_auth, resolve_mode

API = "wc/v3"
PER_PAGE = 100
BATCH_LIMIT = 100
USER_AGENT = "hub-woocommerce/0.1 (+commerce-hub)"


def keys(account: Account) -> tuple[str, str] | None:
    """The consumer key and secret: from the settings, else from stored credentials."""
    key = account.setting("consumer_key") or account.credentials.get("consumer_key")
    secret = account.setting("consumer_secret") or account.credentials.get("consumer_secret")
    if not key or not secret:
        return None
    return str(key), str(secret)


def store_url(account: Account) -> str:
    """The store's base URL without a trailing slash (``https://shop.example.com``)."""
    url = account.require("base_url").strip().rstrip("/")
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{account.label}: base_url must be an http(s) URL, got '{url}'",
                          hint=f"run: hub accounts set {account.name} "
                               "base_url=https://shop.example.com")
    return url


def wc_datetime(value: datetime) -> str:
    """An aware datetime as the GMT ``YYYY-MM-DDTHH:MM:SS`` the API takes with ``dates_are_gmt``.

    Seconds are truncated, which only widens a lower bound by under a second.
    """
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def header_int(response: httpx.Response, name: str) -> int | None:
    """An integer response header (``X-WP-Total``), or None when missing or garbled."""
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


@dataclass
class Page:
    """One fetched page of a listing."""

    number: int
    items: list[dict[str, Any]]
    total: int | None
    total_pages: int | None
    response: httpx.Response


class WooClient:
    """The requests the plugin makes, on top of the account's :class:`hub.HttpClient`.

    :param credentials: keys to use instead of the account's (the authorize
        flow checks new keys before returning them).
    """

    def __init__(self, account: Account, credentials: tuple[str, str] | None = None) -> None:
        self.account = account
        self.base = store_url(account)
        found = credentials or keys(account)
        if found is None:
            raise ConfigError(f"{account.label} has no REST API keys",
                              hint=f"run: hub accounts authorize {account.name}")
        for value in found:  # masked in every message and log line from now on
            register_secret(value)
        mode = resolve_mode(account.setting("auth_mode"), self.base)
        api = "wc-check" if credentials else "wc"
        self.http = account.client(f"{self.base}/wp-json/", api=api,
                                   auth=build_auth(mode, *found),
                                   headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                                   rate=_rate(account))

    @property
    def memo(self) -> dict[str, Any]:
        """Values read once per account runtime (category tree, store currency)."""
        return self.account.runtime.memo("woocommerce")

    async def get(self, path: str, params: Mapping[str, Any] | None = None,
                  **kwargs: Any) -> httpx.Response:
        """GET ``wc/v3/<path>``."""
        return await self.http.get(f"{API}/{path}", params=dict(params or {}), **kwargs)

    async def page(self, path: str, params: Mapping[str, Any], number: int) -> Page:
        """Fetch page ``number`` of a listing (``per_page`` 100)."""
        response = await self.get(path, {**params, "per_page": PER_PAGE, "page": number})
        return Page(number=number, items=json_list(response, f"GET {path} page {number}"),
                    total=header_int(response, "X-WP-Total"),
                    total_pages=header_int(response, "X-WP-TotalPages"), response=response)

    def listing_page(self, page: Page) -> ListingPage[dict[str, Any]]:
        """A fetched page as the core's paginators read it."""
        return ListingPage(page.items, total=page.total, total_pages=page.total_pages,
                           when=platform_time(page.response))

    async def pages(self, path: str, params: Mapping[str, Any], what: str
                    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every record of a listing, page by page, each record once (guarded against loops)."""
        async for page in paginate(lambda number: self.page(path, params, number),
                                   self.listing_page, PageNumbers(),
                                   guard=PageGuard(f"{self.account.label}: {what}")):
            if page.fresh:
                yield page.fresh

    async def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        """POST JSON to ``<path>`` (relative to ``/wp-json/``, e.g. ``wc/v3/products/batch``)."""
        return await self.http.post(path, json=body, **kwargs)

    async def put(self, path: str, body: Any) -> httpx.Response:
        """PUT JSON to ``<path>`` (relative to ``/wp-json/``)."""
        return await self.http.put(path, json=body)

    async def categories(self) -> dict[int, dict[str, Any]]:
        """Every product category (id -> item), read once per account runtime."""
        cached = self.memo.get("categories")
        if cached is None:
            cached = {}
            async for batch in self.pages("products/categories", {}, "product categories"):
                cached.update({int(item["id"]): item for item in batch})
            self.memo["categories"] = cached
        return dict(cached)

    async def currency(self) -> str:
        """The store's currency: the ``currency`` setting, else ``/data/currencies/current``."""
        configured = self.account.setting("currency")
        if configured:
            return configured.upper()
        cached = self.memo.get("currency")
        if cached is None:
            data = json_object(await self.get("data/currencies/current"), "store currency")
            code = data.get("code")
            if not isinstance(code, str) or len(code) != 3:
                raise DataError(f"{self.account.label}: the store's currency is unreadable")
            cached = self.memo["currency"] = code.upper()
        return str(cached)


def _rate(account: Account) -> float | None:
    """The account's ``requests_per_second`` (a core setting; empty or 0: no cap)."""
    return account.core.requests_per_second


def chunks(items: list[Any], size: int = BATCH_LIMIT) -> Iterable[list[Any]]:
    """Split ``items`` into lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
