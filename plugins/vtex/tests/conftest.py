"""Payloads, accounts and helpers for the VTEX plugin's tests (written from the documented shapes).

Tests get them through the ``vt`` fixture (``vt.account()``, ``vt.order()``,
``vt.running()``...): with pytest's importlib mode, test modules cannot import a sibling.
"""

from __future__ import annotations

import asyncio
import copy
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest

import hub
from hub.sandbox import SandboxOptions, serve
from hub_vtex import plugin
from hub_vtex.sandbox import VtexSandbox

T = TypeVar("T")
BASE = "https://acme.vtexcommercestable.com.br"
PRICING = "https://api.vtex.com/acme"
KEY = "vtexappkey-acme-TESTKEY1"
TOKEN = "TOKENTOKENTOKENTOKENTOKENTOKEN0123456789"
NOW = datetime(2024, 5, 20, 15, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "vtex"


def account(**settings: str | None) -> hub.Account:
    """A VTEX account named ``acme`` with keys, a warehouse and a hook secret."""
    values: dict[str, str | None] = {"account_name": "acme", "app_key": KEY, "app_token": TOKEN,
                                     "warehouse_id": "1_1", "hook_secret": "hook-secret-123456"}
    values.update(settings)
    return hub.Account(name="main", platform="vtex",
                       settings={k: v for k, v in values.items() if v is not None})


ORDER: dict[str, Any] = {
    "orderId": "1234567890123-01", "sequence": "502556", "status": "ready-for-handling",
    "creationDate": "2024-05-10T12:00:00.1234567+00:00",
    "lastChange": "2024-05-10T12:31:00.5000000+00:00", "value": 12480, "salesChannel": "1",
    "totals": [{"id": "Items", "name": "Total dos Itens", "value": 12980},
               {"id": "Discounts", "name": "Total dos Descontos", "value": -2000},
               {"id": "Shipping", "name": "Total do Frete", "value": 1500},
               {"id": "Tax", "name": "Total da Taxa", "value": 0}],
    "items": [
        {"uniqueId": "AAAA1111", "id": "1001", "productId": "100", "refId": "BT-S",
         "ean": "7891234567895", "name": "Basic T-Shirt S", "quantity": 2, "price": 4990,
         "listPrice": 5990, "sellingPrice": 3990, "tax": 0,
         "priceDefinition": {"total": 7980, "calculatedSellingPrice": 3990,
                             "sellingPrices": [{"value": 3990, "quantity": 2}]}},
        {"uniqueId": "BBBB2222", "id": "1007", "productId": "103", "refId": None, "ean": None,
         "name": "Enamel Mug", "quantity": 1, "price": 3000, "listPrice": 3000,
         "sellingPrice": 3000, "tax": 0},
    ],
    "clientProfileData": {"email": "ana.silva@example.com.br", "firstName": "Ana",
                          "lastName": "Silva", "phone": "+5511912345678",
                          "document": "123.456.789-10", "isCorporate": False,
                          "corporateName": None, "userProfileId": "profile-1"},
    "shippingData": {
        "address": {"receiverName": "Ana Silva", "street": "Rua Augusta", "number": "500",
                    "complement": "apto 12", "neighborhood": "Consolação", "city": "São Paulo",
                    "state": "SP", "postalCode": "01305-000", "country": "BRA"},
        "logisticsInfo": [{"itemIndex": 0, "selectedSla": "Normal",
                           "deliveryCompany": "Correios PAC",
                           "pickupStoreInfo": {"isPickupStore": False}},
                          {"itemIndex": 1, "selectedSla": "Normal",
                           "deliveryCompany": "Correios PAC",
                           "pickupStoreInfo": {"isPickupStore": False}}]},
    "storePreferencesData": {"currencyCode": "BRL"},
    "packageAttachment": {"packages": []},
}


def order(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`ORDER` with top-level ``changes``."""
    payload = copy.deepcopy(ORDER)
    payload.update(changes)
    return payload


def run(acct: hub.Account, work: Callable[[hub.Account], Awaitable[T]]) -> T:
    """Run ``work(acct)`` on a fresh loop, closing the account's clients after."""
    async def go() -> T:
        try:
            return await work(acct)
        finally:
            await acct.aclose()

    return asyncio.run(go())


@contextmanager
def running(sandbox: VtexSandbox | None = None, **options: Any
            ) -> Iterator[tuple[VtexSandbox, hub.Account]]:
    """A served sandbox (made from ``options`` unless given) and an account on it."""
    sandbox = sandbox or plugin.create_sandbox(SandboxOptions(**{"now": NOW, **options}))
    with serve(sandbox.app) as url:
        yield sandbox, hub.Account(name="main", platform="vtex",
                                   settings=sandbox.account_settings(url))


def with_settings(acct: hub.Account, **settings: str) -> hub.Account:
    """A new account with ``acct``'s settings plus ``settings``."""
    return hub.Account(name=acct.name, platform="vtex", settings={**acct.settings, **settings})


async def scan(acct: hub.Account, since: datetime, until: datetime | None = None
               ) -> list[hub.OrderPage]:
    """Every page ``fetch_orders`` yields."""
    return [page async for page in plugin.fetch_orders(acct, since, until)]


def ids(pages: list[hub.OrderPage]) -> list[str]:
    """The order ids of ``pages``, in order, repeats kept."""
    return [str(p["orderId"]) for page in pages for p in page.payloads]


@pytest.fixture
def vt() -> ModuleType:
    """This module: the test payloads, account factory, sandbox helpers and constants."""
    return sys.modules[__name__]
