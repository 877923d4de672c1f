"""Requests to one shop's GraphQL Admin API: URL, token, cost pacing, errors.

Every request of an account goes through one :class:`hub.HttpClient` built by
``account.client`` (retries, redaction, token refresh). This module adds what
is Shopify's own:

* **Cost pacing.** Before a query is sent its requested cost is computed
  (:mod:`hub_shopify.cost`) and taken from the account's limiter, which every
  response re-aligns with ``extensions.cost.throttleStatus`` (``sync``). A
  ``THROTTLED`` answer (HTTP 200 with an error) is classified as rate limited
  with ``retry_after = (requested - currentlyAvailable) / restoreRate``: the
  time the bucket needs, never a tight loop. ``MAX_COST_EXCEEDED`` fails.
* **Tokens.** A custom app's admin token (setting ``access_token``) is a
  fixed header; an OAuth token (credentials) goes through the core's refresher
  in ``X-Shopify-Access-Token``, so an expiring offline token is refreshed once
  per account under the core's lock.
* **Partial data.** Fields hidden for lack of protected customer data come back
  as ``null`` with ``ACCESS_DENIED`` errors that carry a ``path``; those are
  returned as :attr:`Result.denied` instead of failing the query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from hub import (
    Account,
    Action,
    AuthError,
    ConfigError,
    DataError,
    PlatformError,
    Resolution,
    register_secret,
)
from hub_shopify import cost
from hub_shopify.info import DEFAULT_API_VERSION, MAX_QUERY_COST

API = "shopify-graphql"
TOKEN_HEADER = "X-Shopify-Access-Token"
USER_AGENT = "hub-shopify/0.1 (+commerce-hub)"
# Before the first answer tells the shop's real bucket: the smallest documented one.
INITIAL_RESTORE_RATE = 50.0
_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*$")

Path = tuple[str | int, ...]


def shop_domain(account: Account) -> str:
    """``acme.myshopify.com`` from the ``shop`` setting (``acme``, a domain, or a URL)."""
    raw = account.require("shop").strip().lower()
    raw = re.sub(r"^https?://", "", raw).split("/", 1)[0]
    name = raw.removesuffix(".myshopify.com")
    if not _SHOP.match(name):
        raise ConfigError(f"{account.label}: shop must be the myshopify name, e.g. 'acme' or "
                          f"'acme.myshopify.com', got '{raw}'",
                          hint=f"run: hub accounts set {account.name} shop=acme")
    return f"{name}.myshopify.com"


def shop_url(account: Account) -> str:
    """The shop's admin origin: the ``base_url`` setting, else ``https://{shop}.myshopify.com``."""
    override = account.setting("base_url")
    if override:
        url = override.strip().rstrip("/")
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ConfigError(f"{account.label}: base_url must be an http(s) URL, got '{url}'")
        return url
    return f"https://{shop_domain(account)}"


def api_version(account: Account) -> str:
    """The pinned API version (setting ``api_version``, default 2026-07)."""
    version = (account.setting("api_version") or DEFAULT_API_VERSION).strip()
    if not _VERSION.match(version):
        raise ConfigError(f"{account.label}: api_version must look like 2026-07, got '{version}'")
    return version


def version_at_least(version: str, minimum: str) -> bool:
    """Whether ``version`` is ``minimum`` or newer (``unstable`` is newest)."""
    return version == "unstable" or version >= minimum


def static_token(account: Account) -> str | None:
    """A custom app's admin token from the settings, or None."""
    token = account.setting("access_token")
    if token:
        register_secret(token)
    return token


@dataclass
class Result:
    """A GraphQL answer: ``data``, paths the shop denied (protected data), and its cost."""

    data: dict[str, Any]
    denied: list[Path] = field(default_factory=list)
    cost: dict[str, Any] | None = None


def _body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _errors(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = body.get("errors")
    if isinstance(errors, str):
        return [{"message": errors}]
    if isinstance(errors, list):
        return [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
    if isinstance(errors, dict):
        return [{"message": f"{k}: {v}"} for k, v in errors.items()]
    return []


def _code(error: Mapping[str, Any]) -> str | None:
    extensions = error.get("extensions")
    return extensions.get("code") if isinstance(extensions, dict) else None


def throttle_status(body: Mapping[str, Any]) -> dict[str, float] | None:
    """``extensions.cost.throttleStatus`` with ``requestedQueryCost`` added, or None."""
    extensions = body.get("extensions")
    cost_info = extensions.get("cost") if isinstance(extensions, dict) else None
    if not isinstance(cost_info, dict):
        return None
    status = cost_info.get("throttleStatus")
    if not isinstance(status, dict):
        return None
    try:
        out = {key: float(status[key]) for key in
               ("maximumAvailable", "currentlyAvailable", "restoreRate")}
    except (KeyError, TypeError, ValueError):
        return None
    requested = cost_info.get("requestedQueryCost")
    if isinstance(requested, int | float):
        out["requestedQueryCost"] = float(requested)
    return out


def classify(response: httpx.Response) -> Resolution | None:
    """Shopify's answers the status code alone does not explain.

    ``THROTTLED`` -> wait until the bucket holds the requested cost;
    ``MAX_COST_EXCEEDED`` -> fail (the query must shrink); 402/423 -> fail
    (shop frozen or locked); 404 -> fail (no such shop or API version).
    """
    status = response.status_code
    if status == 402:
        return Resolution(Action.FAIL, message="the shop is frozen (Payment Required)")
    if status == 423:
        return Resolution(Action.FAIL, message="the shop is locked")
    if status == 404:
        return Resolution(Action.FAIL, message="no such shop or API version (404)")
    if status != 200:
        return None
    body = _body(response)
    if body is None:
        return None
    codes = {_code(e) for e in _errors(body)}
    if "THROTTLED" in codes:
        throttle = throttle_status(body) or {}
        rate = throttle.get("restoreRate") or INITIAL_RESTORE_RATE
        needed = throttle.get("requestedQueryCost", 0.0) - throttle.get("currentlyAvailable", 0.0)
        return Resolution(Action.RATE_LIMITED, retry_after=max(needed, 1.0) / rate,
                          message="Throttled: the shop's query cost bucket is empty")
    if "MAX_COST_EXCEEDED" in codes:
        first = next(e for e in _errors(body) if _code(e) == "MAX_COST_EXCEEDED")
        return Resolution(Action.FAIL, message=str(first.get("message", "MAX_COST_EXCEEDED")))
    return None


class ShopifyClient:
    """The GraphQL Admin API of one account's shop, over the account's :class:`hub.HttpClient`."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.origin = shop_url(account)
        self.version = api_version(account)
        self.path = f"/admin/api/{self.version}/graphql.json"
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        token = static_token(account)
        if token:
            headers[TOKEN_HEADER] = token
        elif not account.credentials.get("access_token"):
            raise ConfigError(f"{account.label} has no access token",
                              hint=f"run: hub accounts authorize {account.name}")
        self.http = account.client(self.origin, api=API, headers=headers,
                                   rate=INITIAL_RESTORE_RATE, burst=MAX_QUERY_COST,
                                   classify=classify, on_response=self._pace,
                                   token_header=None if token else TOKEN_HEADER,
                                   token_scheme=None)

    @property
    def memo(self) -> dict[str, Any]:
        """Values read once per account runtime (shop currency, location, inventory items)."""
        return self.account.runtime.memo("shopify")

    def _pace(self, response: httpx.Response) -> None:
        """Align the account's limiter with the shop's bucket after every answer.

        An answer without ``throttleStatus`` (401, 5xx, a proxy's 429) was not
        charged by Shopify, so the points taken for it are given back.
        """
        limiter = self.http.limiter
        if limiter is None or not response.request.url.path.endswith("graphql.json"):
            return
        body = _body(response) if response.status_code == 200 else None
        status = throttle_status(body) if body else None
        if status is not None:
            limiter.sync(available=status["currentlyAvailable"],
                         capacity=status["maximumAvailable"], rate=status["restoreRate"])
            return
        try:
            sent = json.loads(response.request.content)
            points = cost.requested_cost(sent["query"], sent.get("variables") or {})
        except (ValueError, KeyError, TypeError):
            return
        limiter.sync(available=limiter.available + points)

    async def graphql(self, query: str, variables: Mapping[str, Any] | None = None, *,
                      idempotent: bool | None = None, what: str = "query") -> Result:
        """Run one query or mutation; return its data (PlatformError on errors).

        :param idempotent: may a 5xx or dropped connection be retried (default:
            queries yes, mutations no).
        """
        variables = dict(variables or {})
        points = cost.requested_cost(query, variables)
        if points > MAX_QUERY_COST:
            raise PlatformError(f"{self.account.label}: {what} would cost {points} points, over "
                                f"Shopify's single-query maximum of {MAX_QUERY_COST}")
        mutation = query.lstrip().startswith("mutation")
        response = await self.http.post(self.path, json={"query": query, "variables": variables},
                                        cost=points,
                                        idempotent=(not mutation) if idempotent is None
                                        else idempotent)
        body = _body(response)
        if body is None:
            raise DataError(f"{self.account.label}: {what}: the answer is not a JSON object")
        data = body.get("data")
        errors = _errors(body)
        denied: list[Path] = []
        other: list[dict[str, Any]] = []
        for error in errors:
            path = error.get("path")
            if _code(error) == "ACCESS_DENIED" and isinstance(path, list) and len(path) > 1:
                denied.append(tuple(path))
            else:
                other.append(error)
        if other or not isinstance(data, dict):
            first = other[0] if other else {"message": "no data in the answer"}
            message = f"{self.account.label}: {what}: {first.get('message')}"
            if _code(first) == "ACCESS_DENIED":
                raise AuthError(message, hint="grant the app the missing access scope, then "
                                f"run: hub accounts authorize {self.account.name}")
            raise PlatformError(message)
        extensions = body.get("extensions")
        return Result(data=data, denied=denied,
                      cost=extensions.get("cost") if isinstance(extensions, dict) else None)

    async def currency(self) -> str:
        """The shop's currency: the ``currency`` setting, else ``shop { currencyCode }`` (cached)."""
        configured = self.account.setting("currency")
        if configured:
            return configured.upper()
        cached = self.memo.get("currency")
        if cached is None:
            result = await self.graphql(_CURRENCY, what="shop currency")
            code = (result.data.get("shop") or {}).get("currencyCode")
            if not isinstance(code, str) or len(code) != 3:
                raise DataError(f"{self.account.label}: the shop's currency is unreadable")
            cached = self.memo["currency"] = code.upper()
        return str(cached)


def user_errors(payload: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A mutation payload's ``userErrors`` (empty when absent)."""
    errors = (payload or {}).get("userErrors") or []
    return [e for e in errors if isinstance(e, dict)]


def describe(errors: list[dict[str, Any]]) -> str:
    """``userErrors`` as one line: ``message (field.path)``, joined by ``; ``."""
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("field") or [])
        parts.append(f"{error.get('message')}" + (f" ({where})" if where else ""))
    return "; ".join(parts) or "rejected"


def dumps(value: Any) -> str:
    """Compact JSON (for idempotency keys built from a request's content)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_CURRENCY = "query Currency { shop { currencyCode } }"
