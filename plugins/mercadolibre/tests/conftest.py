"""Payloads, accounts and a served sandbox for the Mercado Libre plugin's tests.

Tests get them through fixtures (``meli`` is this module: payload builders and
constants; ``served`` is a running sandbox): with pytest's importlib mode, test
modules cannot import a sibling. Payloads are written from the documented
shapes (developers.mercadolibre.*), not copied from any published file.
"""

from __future__ import annotations

import asyncio
import copy
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import hub
from hub.auth import Callback, pkce_challenge
from hub.sandbox import SandboxOptions
from hub_mercadolibre import plugin
from hub_mercadolibre.sandbox import MercadoLibreSandbox

API = "https://api.mercadolibre.com"
SELLER = 123456789
CLIENT_ID = "5555444433332222"
CLIENT_SECRET = "secret-client-abcdef123456"


def settings(**changes: str | None) -> dict[str, str]:
    """Settings of an account on the real API host (requests are mocked with respx)."""
    values: dict[str, str | None] = {"site": "AR", "client_id": CLIENT_ID,
                                     "client_secret": CLIENT_SECRET, "requests_per_second": "0"}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def credentials(**changes: Any) -> dict[str, Any]:
    """Stored credentials as ``authorize`` returns them."""
    values = {"access_token": "APP_USR-5555-test-access-123456789",
              "refresh_token": "TG-test-refresh-123456789",
              "expires_at": (datetime.now(UTC) + timedelta(hours=5)).isoformat(),
              "seller_id": str(SELLER), "nickname": "TIENDA_TEST"}
    values.update(changes)
    return values


def account(settings_: dict[str, str] | None = None, creds: dict[str, Any] | None = None, *,
            refreshing: bool = True) -> hub.Account:
    """A Mercado Libre account; with ``refreshing``, its tokens refresh through the plugin."""
    acct = hub.Account(name="main", platform="mercadolibre",
                       settings=settings_ if settings_ is not None else settings(),
                       credentials=creds if creds is not None else credentials())
    if refreshing:
        acct.runtime.refresher = hub.TokenRefresher.in_memory(
            acct.credentials, refresh=lambda c: plugin.refresh_credentials(acct, c))
    return acct


def order(order_id: int = 2000000011, **changes: Any) -> dict[str, Any]:
    """An order as ``GET /orders/{id}`` returns it (one item, paid, ME2 shipment 4100)."""
    payload: dict[str, Any] = {
        "id": order_id, "status": "paid", "status_detail": None,
        "date_created": "2026-10-02T11:23:45.000-04:00",
        "date_closed": "2026-10-02T11:24:10.000-04:00",
        "last_updated": "2026-10-02T15:00:00.000-04:00",
        "date_last_updated": "2026-10-02T15:00:00.000-04:00",
        "currency_id": "ARS", "total_amount": 31998.0, "paid_amount": 35497.0,
        "order_items": [{
            "item": {"id": "MLA1400000010", "title": "Remera algodón", "category_id": "MLA1430",
                     "variation_id": 17000000021,
                     "variation_attributes": [{"id": "COLOR", "name": "Color", "value_id": None,
                                               "value_name": "Negro"},
                                              {"id": "SIZE", "name": "Talle", "value_id": None,
                                               "value_name": "M"}],
                     "seller_sku": "REM-NEGRO-M", "seller_custom_field": None},
            "quantity": 2, "unit_price": 15999.0, "full_unit_price": 15999.0,
            "currency_id": "ARS", "sale_fee": 2079.87}],
        "buyer": {"id": 300000001, "nickname": "COMPRADOR1", "first_name": "Lucía",
                  "last_name": "González"},
        "seller": {"id": SELLER}, "payments": [{"id": 1, "status": "approved"}],
        "shipping": {"id": 4100}, "pack_id": None, "coupon": {"id": None, "amount": 0},
        "tags": ["paid", "not_delivered"],
    }
    payload.update(changes)
    return payload


def shipment(shipment_id: int = 4100, **changes: Any) -> dict[str, Any]:
    """A shipment as ``GET /shipments/{id}`` returns it (ME2, ready to ship)."""
    payload: dict[str, Any] = {
        "id": shipment_id, "mode": "me2", "status": "ready_to_ship",
        "substatus": "ready_to_print", "logistic_type": "drop_off",
        "date_created": "2026-10-02T11:24:00.000-04:00",
        "last_updated": "2026-10-02T16:30:00.000-04:00", "tracking_number": None,
        "sender_id": SELLER, "receiver_id": 300000001, "order_id": 2000000011,
        "receiver_address": {
            "address_line": "Av. Corrientes 1234", "street_name": "Av. Corrientes",
            "street_number": "1234", "comment": "Depto 4B", "zip_code": "C1043",
            "city": {"id": None, "name": "Capital Federal"},
            "state": {"id": "AR-C", "name": "Capital Federal"},
            "country": {"id": "AR", "name": "Argentina"}, "receiver_name": "Lucía González",
            "receiver_phone": "01155551234"},
        "shipping_option": {"id": 1, "name": "Normal a domicilio", "currency_id": "ARS",
                            "list_cost": 3499.0, "cost": 3499.0},
    }
    payload.update(changes)
    return payload


def sale(orders: list[dict[str, Any]], ship: dict[str, Any] | None,
         pack_id: int | None = None) -> dict[str, Any]:
    """The plugin's sale payload."""
    key = f"pack:{pack_id}" if pack_id else str(orders[0]["id"])
    return {"id": key, "pack_id": pack_id, "orders": copy.deepcopy(orders), "shipment": ship}


def item(item_id: str = "MLA1400000010", **changes: Any) -> dict[str, Any]:
    """An item with two variations (SKUs in SELLER_SKU attributes), as with include_attributes=all."""
    payload: dict[str, Any] = {
        "id": item_id, "site_id": "MLA", "title": "Remera algodón", "seller_id": SELLER,
        "category_id": "MLA1430", "price": 15999.0, "currency_id": "ARS",
        "available_quantity": 9, "status": "active", "seller_custom_field": None,
        "attributes": [{"id": "BRAND", "name": "Marca", "value_name": "Hub"}],
        "variations": [
            {"id": 17000000021, "price": 15999.0, "available_quantity": 4,
             "attribute_combinations": [{"id": "COLOR", "name": "Color", "value_name": "Negro"},
                                        {"id": "SIZE", "name": "Talle", "value_name": "M"}],
             "attributes": [{"id": "SELLER_SKU", "name": "SKU", "value_name": "REM-NEGRO-M"},
                            {"id": "GTIN", "name": "GTIN", "value_name": "7791234567890"}],
             "seller_custom_field": None},
            {"id": 17000000022, "price": 15999.0, "available_quantity": 5,
             "attribute_combinations": [{"id": "COLOR", "name": "Color", "value_name": "Negro"},
                                        {"id": "SIZE", "name": "Talle", "value_name": "L"}],
             "attributes": [], "seller_custom_field": "REM-NEGRO-L-LEGACY"},
        ],
    }
    payload.update(changes)
    return payload


class BrowserSession:
    """An AuthSession that opens the authorization URL like a browser, without following the
    redirect to the loopback callback: it reads ``code`` and ``state`` from ``Location``."""

    def __init__(self, state: str = "state-123", verifier: str = "v" * 64) -> None:
        self.redirect_uri = "http://127.0.0.1:8765/callback"
        self.state = state
        self.pkce_verifier = verifier
        self.opened: list[str] = []

    @property
    def pkce_challenge(self) -> str:
        return pkce_challenge(self.pkce_verifier)

    async def wait_for_callback(self, url: str) -> Callback:
        self.opened.append(url)
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        location = response.headers["location"]
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert params.pop("state") == self.state
        return Callback(params=params)

    def prompt(self, label: str, *, secret: bool = True) -> str:
        raise AssertionError("Mercado Libre never prompts")


def run(coro: Any) -> Any:
    """``asyncio.run`` for sync tests."""
    return asyncio.run(coro)


async def scan(acct: hub.Account, days: int = 60, pause: Any = None) -> list[hub.Order]:
    """Every order ``fetch_orders`` yields for the last ``days``, parsed, after the last page.

    ``pause`` (a callable) runs after the first page (to change the sandbox mid-scan).
    """
    found: list[hub.Order] = []
    checkpoints = []
    pages = 0
    async for page in plugin.fetch_orders(acct, datetime.now(UTC) - timedelta(days=days), None):
        pages += 1
        found += [plugin.parse_order(acct, p) for p in page.payloads if not p.get("incomplete")]
        checkpoints.append(page.checkpoint)
        if pages == 1 and pause is not None:
            pause()
    assert all(c is None for c in checkpoints[:-1]) and checkpoints[-1] is not None
    await acct.aclose()
    return found


def eligible(orders: list[hub.Order]) -> set[str]:
    """What the core's default rules keep of ``orders`` (hub currency ARS)."""
    return {o.platform_order_id for o in orders if o.status == "paid/ready_to_ship"
            and not o.ineligible_reason and o.currency == "ARS"}


@pytest.fixture
def meli() -> ModuleType:
    """This module: payload builders, account factory and constants."""
    return sys.modules[__name__]


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[MercadoLibreSandbox, str]]:
    """A running sandbox (options from ``@pytest.mark.parametrize('served', [opts], indirect=True)``)."""
    options = getattr(request, "param", None) or SandboxOptions(seed=11, orders=60)
    sandbox = MercadoLibreSandbox(options)
    with sandbox.serve() as url:
        yield sandbox, url


def sandbox_account(sandbox: MercadoLibreSandbox, url: str, **changes: str) -> hub.Account:
    """An account connected to ``sandbox`` (credentials issued directly), refreshing tokens."""
    return account({**sandbox.account_settings(url), **changes}, sandbox.credentials())
