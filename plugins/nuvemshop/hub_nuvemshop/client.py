"""Requests to one store's API: the token, the required User-Agent, the bucket headers, paging.

Every request of an account goes through one :class:`hub.HttpClient` (built by
``account.client``): ``Authentication: bearer TOKEN`` (Tiendanube's own header
name, not ``Authorization``), the ``User-Agent`` the platform requires, the
rate limiter following ``x-rate-limit-*`` (:class:`hub.RateHeaders`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from hub import (
    Account,
    Action,
    ConfigError,
    DataError,
    LinkHeader,
    ListingPage,
    PageGuard,
    RateHeaders,
    Resolution,
    json_object,
    json_objects,
    next_link,
    paginate,
    platform_time,
    register_secret,
)
from hub_nuvemshop.info import BUCKET, RATE

API = "nuvemshop"
PER_PAGE = 200  # the most the API serves a page
TOKEN_HEADER = "Authentication"
HEADERS = RateHeaders(limit="x-rate-limit-limit", remaining="x-rate-limit-remaining",
                      reset="x-rate-limit-reset", reset_unit=0.001)


def token(account: Account) -> str | None:
    """The access token: the ``access_token`` setting, else the stored credentials."""
    value = account.setting("access_token") or account.credentials.get("access_token")
    return str(value) if value else None


def store_id(account: Account) -> str:
    """The store's id: the ``store_id`` setting, else the one the token answer carried."""
    value = account.setting("store_id") or account.credentials.get("store_id") \
        or account.credentials.get("user_id")
    text = str(value or "").strip()
    if not text.isdigit():
        raise ConfigError(f"{account.label} has no store id",
                          hint=f"run: hub accounts authorize {account.name} (or hub accounts set "
                               f"{account.name} store_id=... access_token=...)")
    return text


def user_agent(account: Account) -> str:
    """The required ``User-Agent`` (the app's name and a contact)."""
    value = (account.setting("user_agent") or "").strip()
    if not value:
        raise ConfigError(f"{account.label}: Tiendanube requires a User-Agent naming the app and "
                          "a contact", hint=f"run: hub accounts set {account.name} "
                                            "user_agent='Acme ERP (ops@acme.example)'")
    return value


def api_base(account: Account) -> str:
    """``{base_url}/{store_id}`` without a trailing slash."""
    base = (account.setting("base_url") or "").strip().rstrip("/")
    parsed = httpx.URL(base)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{account.label}: base_url must be an http(s) URL, got '{base}'")
    return f"{base}/{store_id(account)}"


def rate(account: Account) -> float | None:
    """The starting rate (the core's ``requests_per_second``, default 2)."""
    return account.core.requests_per_second or RATE


def empty_listing(response: httpx.Response) -> bool:
    """Tiendanube's answer to a listing with nothing to show: 404 ``Last page is 0``."""
    return response.status_code == 404 and b"Last page is" in response.content


def classify(response: httpx.Response) -> Resolution | None:
    """An empty listing is an answer; a 429 waits until the bucket has room for one request."""
    if empty_listing(response):
        return Resolution(Action.IGNORE)
    if response.status_code == 429:
        wait = HEADERS.retry_after(response.headers)
        return Resolution(Action.RATE_LIMITED, retry_after=wait if wait else None)
    return None


class StoreClient:
    """The requests the plugin makes, on top of the account's :class:`hub.HttpClient`.

    :param access_token: a token to use instead of the account's (the authorize
        flow checks a new token before storing it).
    """

    def __init__(self, account: Account, access_token: str | None = None,
                 store: str | None = None) -> None:
        self.account = account
        secret = access_token or token(account)
        if not secret:
            raise ConfigError(f"{account.label} has no access token",
                              hint=f"run: hub accounts authorize {account.name}")
        register_secret(secret)  # masked in every message and log line from now on
        base = (account.setting("base_url") or "").strip().rstrip("/") + f"/{store}" \
            if store else api_base(account)
        api = f"{API}-check" if access_token else API
        self.base = base
        self.http = account.client(
            base + "/", api=api, rate=rate(account), burst=BUCKET, classify=classify,
            headers={TOKEN_HEADER: f"bearer {secret}", "User-Agent": user_agent(account),
                     "Accept": "application/json"},
            on_response=HEADERS.follower(lambda: account.limiter(api)))

    @property
    def memo(self) -> dict[str, Any]:
        """Values read once per account runtime (the store's currency)."""
        return self.account.runtime.memo("nuvemshop")

    async def get(self, path: str, params: Mapping[str, Any] | None = None,
                  **kwargs: Any) -> httpx.Response:
        """GET ``<path>`` (relative to the store's API base)."""
        return await self.http.get(path, params=dict(params or {}), **kwargs)

    async def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        """POST JSON to ``<path>``."""
        return await self.http.post(path, json=body, **kwargs)

    async def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        """PUT JSON to ``<path>``."""
        return await self.http.put(path, json=body, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        """DELETE ``<path>``."""
        return await self.http.delete(path, **kwargs)

    async def fetch_page(self, path: str, params: Mapping[str, Any], url: str | None
                         ) -> httpx.Response:
        """The first page of a listing (``per_page`` 200), or the ``Link`` URL of a later one.

        A listing with nothing to show answers 404 ``Last page is 0``: an empty page
        (:func:`classify`); any other 404 (a wrong base URL) fails.
        """
        if url is None:
            return await self.get(path, {**params, "per_page": PER_PAGE})
        if httpx.URL(url).host != httpx.URL(self.base).host:  # the token goes nowhere else
            raise DataError(f"{self.account.label}: a Link header points to another host")
        return await self.http.get(url)

    @staticmethod
    def listing_page(response: httpx.Response) -> ListingPage[dict[str, Any]]:
        """A response as the core's paginators read it (``X-Total-Count``, ``Link``, ``Date``)."""
        if empty_listing(response):
            return ListingPage([], next=None, total=0, when=platform_time(response))
        try:
            total: int | None = int(response.headers["x-total-count"])
        except (KeyError, ValueError):
            total = None
        items = json_objects(response, f"GET {response.request.url.path}")
        return ListingPage(items, next=next_link(response), total=total,
                           when=platform_time(response))

    async def pages(self, path: str, params: Mapping[str, Any], what: str
                    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every record of a listing, page by page along ``Link``, each record once."""
        async for page in paginate(lambda url: self.fetch_page(path, params, url),
                                   self.listing_page, LinkHeader(),
                                   guard=PageGuard(f"{self.account.label}: {what}")):
            if page.fresh:
                yield page.fresh

    async def currency(self) -> str:
        """The store's currency: the ``currency`` setting, else ``GET /store``'s ``main_currency``."""
        configured = self.account.setting("currency")
        if configured:
            return configured.upper()
        cached = self.memo.get("currency")
        if cached is None:
            data = json_object(await self.get("store"), "store")
            code = data.get("main_currency")
            if not isinstance(code, str) or len(code) != 3:
                raise DataError(f"{self.account.label}: the store's currency is unreadable")
            cached = self.memo["currency"] = code.upper()
        return str(cached)
