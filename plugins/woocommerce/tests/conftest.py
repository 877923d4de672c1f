"""Payloads and accounts for the WooCommerce plugin's tests (written from the documented shapes).

Tests get them through the ``woo`` fixture (``woo.account()``, ``woo.order()``,
``woo.KEY``...): with pytest's importlib mode, test modules cannot import a sibling.
"""

from __future__ import annotations

import copy
import sys
from types import ModuleType
from typing import Any

import pytest

import hub

STORE = "https://shop.example.com"
API = f"{STORE}/wp-json/wc/v3"
KEY = "ck_test_0123456789abcdef"
SECRET = "cs_test_fedcba9876543210"


def account(**settings: str) -> hub.Account:
    """A WooCommerce account on the fake https store, with keys and a webhook secret."""
    values = {"base_url": STORE, "consumer_key": KEY, "consumer_secret": SECRET,
              "webhook_secret": "whsec-test-1234"}
    values.update(settings)
    return hub.Account(name="main", platform="woocommerce",
                       settings={k: v for k, v in values.items() if v is not None})


ORDER: dict[str, Any] = {
    "id": 5001, "parent_id": 0, "number": "5001", "status": "processing", "currency": "USD",
    "date_created": "2024-03-10T09:15:00", "date_created_gmt": "2024-03-10T12:15:00",
    "date_modified": "2024-03-10T09:20:00", "date_modified_gmt": "2024-03-10T12:20:00",
    "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "5.00",
    "shipping_tax": "0.00", "cart_tax": "0.00", "total": "5.30", "total_tax": "0.00",
    "prices_include_tax": False, "customer_id": 7,
    "billing": {"first_name": "Ana", "last_name": "Silva", "company": "", "address_1": "Rua A 1",
                "address_2": "", "city": "Recife", "state": "PE", "postcode": "50000-000",
                "country": "BR", "email": "ana@example.com", "phone": "+55 81 5555-0000"},
    "shipping": {"first_name": "Ana", "last_name": "Silva", "company": "",
                 "address_1": "Rua B 2", "address_2": "apto 3", "city": "Recife", "state": "PE",
                 "postcode": "50000-001", "country": "BR", "phone": ""},
    "line_items": [
        {"id": 11, "name": "Sticker &ndash; small", "product_id": 108, "variation_id": 0,
         "quantity": 1, "subtotal": "0.10", "subtotal_tax": "0.00", "total": "0.10",
         "total_tax": "0.00", "sku": "STK-S", "price": 0.1, "meta_data": []},
        {"id": 12, "name": "Hoodie - M", "product_id": 102, "variation_id": 202, "quantity": 1,
         "subtotal": "0.20", "subtotal_tax": "0.00", "total": "0.20", "total_tax": "0.00",
         "sku": "HOODIE-M", "price": 0.2, "meta_data": [{"id": 1, "key": "size", "value": "M"}]},
    ],
    "shipping_lines": [{"id": 13, "method_title": "Flat Rate", "method_id": "flat_rate",
                        "total": "5.00", "total_tax": "0.00"}],
    "coupon_lines": [], "fee_lines": [], "tax_lines": [], "refunds": [], "meta_data": [],
}


def order(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`ORDER` with top-level ``changes``."""
    payload = copy.deepcopy(ORDER)
    payload.update(changes)
    return payload


def orders(first: int, count: int) -> list[dict[str, Any]]:
    """``count`` orders with consecutive ids from ``first``."""
    return [order(id=i, number=str(i)) for i in range(first, first + count)]


@pytest.fixture
def woo() -> ModuleType:
    """This module: the test payloads, account factory and constants."""
    return sys.modules[__name__]
