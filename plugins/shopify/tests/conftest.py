"""Payloads, accounts and a served sandbox for the Shopify plugin's tests.

Payloads are written from Shopify's documented shapes: :data:`GRAPHQL_ORDER`
(an Admin API ``Order`` node as the plugin's query selects it) and
:data:`REST_ORDER` (the same order as an ``orders/create`` webhook body).
Tests get them through the ``shop`` fixture (with pytest's importlib mode a
test module cannot import a sibling).
"""

from __future__ import annotations

import asyncio
import copy
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import hub
from hub.sandbox import SandboxOptions
from hub_shopify import connect
from hub_shopify.sandbox import ShopifySandbox

ORIGIN = "https://acme.myshopify.com"
GRAPHQL = f"{ORIGIN}/admin/api/2026-07/graphql.json"
TOKEN = "shpat_test_0123456789abcdef"
SECRET = "app-secret-fedcba987654"


def account(**settings: str | None) -> hub.Account:
    """A custom-app account on acme.myshopify.com (fixed token, app secret, location)."""
    values: dict[str, str | None] = {"shop": "acme", "access_token": TOKEN, "client_id": "cid-1",
                                     "client_secret": SECRET, "location_id": "655441491"}
    values.update(settings)
    return hub.Account(name="main", platform="shopify",
                       settings={k: v for k, v in values.items() if v is not None})


def cost_ext(requested: int = 10, available: float = 990.0, rate: float = 100.0) -> dict[str, Any]:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested,
                     "throttleStatus": {"maximumAvailable": 1000.0,
                                        "currentlyAvailable": available, "restoreRate": rate}}}


def bag(amount: str, presentment: str | None = None, currency: str = "EUR") -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"},
            "presentmentMoney": {"amount": presentment or amount, "currencyCode": currency}}


def rest_set(amount: str, presentment: str | None = None, currency: str = "EUR"
             ) -> dict[str, Any]:
    return {"shop_money": {"amount": amount, "currency_code": "USD"},
            "presentment_money": {"amount": presentment or amount, "currency_code": currency}}


# One order, two shapes: paid, nothing shipped, bought in EUR, booked in USD; a discounted
# line, a line removed by an edit, Express shipping to Ottawa.
GRAPHQL_ORDER: dict[str, Any] = {
    "id": "gid://shopify/Order/5500000123", "legacyResourceId": "5500000123", "name": "#1123",
    "createdAt": "2026-10-01T12:00:00Z", "updatedAt": "2026-10-02T08:30:00Z",
    "cancelledAt": None, "displayFinancialStatus": "PAID",
    "displayFulfillmentStatus": "UNFULFILLED", "currencyCode": "USD",
    "email": "ana.silva@example.com", "phone": None,
    "customer": {"id": "gid://shopify/Customer/7100000001", "firstName": "Ana",
                 "lastName": "Silva", "defaultEmailAddress": {"emailAddress":
                                                              "ana.silva@example.com"},
                 "defaultPhoneNumber": {"phoneNumber": "+1 613 555 0101"}},
    "shippingAddress": {"firstName": "Ana", "lastName": "Silva", "name": "Ana Silva",
                        "company": None, "address1": "12 Elm St.", "address2": "Apt 4",
                        "city": "Ottawa", "province": "Ontario", "provinceCode": "ON",
                        "zip": "K2P 1L4", "country": "Canada", "countryCodeV2": "CA",
                        "phone": "+1 613 555 0101"},
    "billingAddress": {"firstName": "Ana", "lastName": "Silva", "name": "Ana Silva",
                       "company": "Silva Ltd", "address1": "9 Oak St.", "address2": None,
                       "city": "Ottawa", "province": "Ontario", "provinceCode": "ON",
                       "zip": "K2P 1L5", "country": "Canada", "countryCodeV2": "CA",
                       "phone": None},
    "shippingLine": {"title": "Express"},
    "currentSubtotalPriceSet": bag("168.78", "155.28"),
    "currentTotalDiscountsSet": bag("9.80", "9.02"),
    "currentTotalTaxSet": bag("13.50", "12.42"),
    "currentTotalPriceSet": bag("197.18", "181.41"),
    "currentShippingPriceSet": bag("14.90", "13.71"),
    "lineItems": {"pageInfo": {"hasNextPage": False, "endCursor": "x"}, "nodes": [
        {"id": "gid://shopify/LineItem/13000000001", "sku": "SHIRT-LIN-M",
         "name": "Linen shirt - M", "title": "Linen shirt", "variantTitle": "M", "quantity": 2,
         "currentQuantity": 2, "variant": {"id": "gid://shopify/ProductVariant/44000000002"},
         "product": {"id": "gid://shopify/Product/8000000002"},
         "originalUnitPriceSet": bag("49.00", "45.08"), "totalDiscountSet": bag("9.80", "9.02")},
        {"id": "gid://shopify/LineItem/13000000002", "sku": "TOTE-CNV", "name": "Canvas tote",
         "title": "Canvas tote", "variantTitle": None, "quantity": 3, "currentQuantity": 3,
         "variant": {"id": "gid://shopify/ProductVariant/44000000005"},
         "product": {"id": "gid://shopify/Product/8000000003"},
         "originalUnitPriceSet": bag("26.86", "24.71"), "totalDiscountSet": bag("0.00")},
        {"id": "gid://shopify/LineItem/13000000003", "sku": "NOTE-A5", "name": "Notebook A5",
         "title": "Notebook A5", "variantTitle": None, "quantity": 1, "currentQuantity": 0,
         "variant": {"id": "gid://shopify/ProductVariant/44000000009"},
         "product": {"id": "gid://shopify/Product/8000000007"},
         "originalUnitPriceSet": bag("9.90", "9.11"), "totalDiscountSet": bag("0.00")},
    ]},
}

REST_ORDER: dict[str, Any] = {
    "id": 5500000123, "admin_graphql_api_id": "gid://shopify/Order/5500000123",
    "name": "#1123", "order_number": 1123,
    "created_at": "2026-10-01T08:00:00-04:00", "updated_at": "2026-10-02T04:30:00-04:00",
    "cancelled_at": None, "financial_status": "paid", "fulfillment_status": None,
    "currency": "USD", "presentment_currency": "EUR",
    "email": "ana.silva@example.com", "contact_email": "ana.silva@example.com", "phone": None,
    "customer": {"id": 7100000001, "admin_graphql_api_id": "gid://shopify/Customer/7100000001",
                 "first_name": "Ana", "last_name": "Silva", "email": "ana.silva@example.com",
                 "phone": "+1 613 555 0101", "state": "enabled"},
    "shipping_address": {"first_name": "Ana", "last_name": "Silva", "name": "Ana Silva",
                         "company": None, "address1": "12 Elm St.", "address2": "Apt 4",
                         "city": "Ottawa", "province": "Ontario", "province_code": "ON",
                         "zip": "K2P 1L4", "country": "Canada", "country_code": "CA",
                         "phone": "+1 613 555 0101", "latitude": None, "longitude": None},
    "billing_address": {"first_name": "Ana", "last_name": "Silva", "name": "Ana Silva",
                        "company": "Silva Ltd", "address1": "9 Oak St.", "address2": None,
                        "city": "Ottawa", "province": "Ontario", "province_code": "ON",
                        "zip": "K2P 1L5", "country": "Canada", "country_code": "CA",
                        "phone": None},
    "shipping_lines": [
        {"id": 1, "title": "Ground (removed)", "is_removed": True, "price": "5.00"},
        {"id": 2, "title": "Express", "is_removed": False, "price": "14.90",
         "price_set": rest_set("14.90", "13.71")}],
    "current_subtotal_price": "168.78", "current_subtotal_price_set": rest_set("168.78", "155.28"),
    "current_total_discounts": "9.80", "current_total_discounts_set": rest_set("9.80", "9.02"),
    "current_total_tax": "13.50", "current_total_tax_set": rest_set("13.50", "12.42"),
    "current_total_price": "197.18", "current_total_price_set": rest_set("197.18", "181.41"),
    "current_shipping_price_set": rest_set("14.90", "13.71"),
    "total_price": "207.30", "subtotal_price": "178.88",
    "line_items": [
        {"id": 13000000001, "admin_graphql_api_id": "gid://shopify/LineItem/13000000001",
         "product_id": 8000000002, "variant_id": 44000000002, "sku": "SHIRT-LIN-M",
         "name": "Linen shirt - M", "title": "Linen shirt", "variant_title": "M",
         "quantity": 2, "current_quantity": 2, "price": "49.00",
         "price_set": rest_set("49.00", "45.08"), "total_discount": "9.80",
         "total_discount_set": rest_set("9.80", "9.02")},
        {"id": 13000000002, "admin_graphql_api_id": "gid://shopify/LineItem/13000000002",
         "product_id": 8000000003, "variant_id": 44000000005, "sku": "TOTE-CNV",
         "name": "Canvas tote", "title": "Canvas tote", "variant_title": None, "quantity": 3,
         "current_quantity": 3, "price": "26.86", "price_set": rest_set("26.86", "24.71"),
         "total_discount": "0.00", "total_discount_set": rest_set("0.00")},
        {"id": 13000000003, "admin_graphql_api_id": "gid://shopify/LineItem/13000000003",
         "product_id": 8000000007, "variant_id": 44000000009, "sku": "NOTE-A5",
         "name": "Notebook A5", "title": "Notebook A5", "variant_title": None, "quantity": 1,
         "current_quantity": 0, "price": "9.90", "price_set": rest_set("9.90", "9.11"),
         "total_discount": "0.00", "total_discount_set": rest_set("0.00")},
    ],
}


def graphql_order(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(GRAPHQL_ORDER)
    payload.update(changes)
    return payload


def rest_order(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(REST_ORDER)
    payload.update(changes)
    return payload


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def sandbox_account(sandbox: ShopifySandbox, url: str, **settings: str) -> hub.Account:
    return hub.Account(name="main", platform="shopify",
                       settings={**sandbox.account_settings(url), **settings})


def oauth_account(sandbox: ShopifySandbox, url: str, credentials: dict[str, Any],
                  **settings: str) -> hub.Account:
    """An OAuth account whose refresher calls the plugin's refresh (as the core wires it)."""
    acct = hub.Account(name="main", platform="shopify",
                       settings={**sandbox.oauth_settings(url), **settings},
                       credentials=connect.credentials_from(credentials))

    async def refresh(creds: dict[str, Any]) -> dict[str, Any]:
        return await connect.refresh(acct, creds)

    acct.runtime.refresher = hub.TokenRefresher.in_memory(acct.credentials, refresh)
    return acct


@pytest.fixture
def shop() -> ModuleType:
    """This module: payloads, account factories, helpers."""
    return sys.modules[__name__]


@pytest.fixture
def served() -> Iterator[tuple[ShopifySandbox, str]]:
    """A sandbox (80 orders, a fast Plus-plan bucket) served on 127.0.0.1."""
    sandbox = ShopifySandbox(SandboxOptions(seed=11, orders=80), restore_rate=5000.0,
                             bucket_size=2000.0)
    with sandbox.serve() as url:
        yield sandbox, url
