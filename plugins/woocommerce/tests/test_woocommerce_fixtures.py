"""WooCommerce's published examples (woocommerce-rest-api-docs) through the plugin and the sandbox.

The examples are read in place from ``../shared/fixtures`` (never copied into
the project); without that folder these tests skip and say so.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import hub
from hub.sandbox import SandboxOptions
from hub_woocommerce import plugin
from hub_woocommerce.mapping import EXTRA
from hub_woocommerce.sandbox import WooCommerceSandbox

DOCS = (Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "woocommerce"
        / "woocommerce-rest-api-docs" / "wp-api-v3")
BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)


def examples(page: str) -> list[Any]:
    """Every ```json block of one documentation page, parsed."""
    path = DOCS / page
    if not path.is_file():
        pytest.skip(f"published WooCommerce examples not found at {path} "
                    "(the shared fixtures folder is not next to this checkout)")
    return [json.loads(block) for block in BLOCK.findall(path.read_text(encoding="utf-8"))]


def _account() -> hub.Account:
    return hub.Account(name="main", platform="woocommerce",
                       settings={"base_url": "https://example.com", "currency": "USD"})


def test_documented_order_parses_into_the_right_canonical_order() -> None:
    order = plugin.parse_order(_account(), examples("_orders.md")[0])
    assert (order.platform_order_id, order.number, order.status, order.currency) == (
        "727", "727", "processing", "USD")
    assert order.created_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert order.total.amount == Decimal("29.35")
    assert order.tax_total is not None and order.tax_total.amount == Decimal("1.35")
    assert order.shipping_total is not None and order.shipping_total.amount == Decimal("10.00")
    assert order.discount_total is not None and order.discount_total.amount == Decimal("0.00")
    assert order.subtotal is not None and order.subtotal.amount == Decimal("18.00")
    single, variation = order.lines
    assert (single.platform_line_id, single.platform_product_id, single.platform_variant_id,
            single.sku, single.quantity, single.unit_price.amount) == (
        "315", "93", None, None, Decimal(2), Decimal("3.00"))
    assert single.tax is not None and single.tax.amount == Decimal("0.45")
    assert (variation.platform_product_id, variation.platform_variant_id, variation.sku,
            variation.unit_price.amount) == ("22", "23", "Bar3", Decimal("12.00"))
    assert variation.name == "Ship Your Idea \u2013 Color: Black, Size: M Test"
    customer = order.customer
    assert customer is not None
    assert (customer.platform_id, customer.first_name, customer.last_name, customer.email,
            customer.phone) == (None, "John", "Doe", "john.doe@example.com", "(555) 555-5555")
    assert order.delivery is not None and order.delivery.service == "Flat Rate"
    assert order.shipping_address is not None and order.shipping_address.city == "San Francisco"


def test_documented_order_list_parses() -> None:
    listing = next(block for block in examples("_orders.md") if isinstance(block, list))
    orders = [plugin.parse_order(_account(), payload) for payload in listing]
    assert [o.platform_order_id for o in orders] == ["727", "723"]
    assert all(o.total.amount == Decimal(p["total"]) for o, p in zip(orders, listing, strict=True))


def test_documented_products_and_variations_map() -> None:
    listing = next(block for block in examples("_products.md") if isinstance(block, list))
    variable, simple = (plugin.map_product(_account(), payload) for payload in listing)
    assert (simple.platform_product_id, simple.sku, simple.name) == ("794", None,
                                                                     "Premium Quality")
    assert simple.price == hub.Money(amount=Decimal("21.99"), currency="USD")
    assert simple.category == "Clothing"  # no hierarchy given: alphabetical
    variations = next(b for b in examples("_product-variations.md") if isinstance(b, list))
    payload = {**listing[0], EXTRA: {
        "variations": variations,
        "categories": [{"id": 9, "name": "Clothing", "parent": 0},
                       {"id": 14, "name": "T-shirts", "parent": 9}]}}
    product = plugin.map_product(_account(), payload)
    assert (product.platform_product_id, product.category) == ("799", "T-shirts")
    assert [(v.platform_variant_id, v.price) for v in product.variants] == [
        ("733", hub.Money(amount=Decimal("9.00"), currency="USD")),
        ("732", hub.Money(amount=Decimal("9.00"), currency="USD"))]
    assert [v.name for v in product.variants] == ["Ship Your Idea - Green",
                                                  "Ship Your Idea - Black"]
    assert variable.variants == []


def _keys(item: Any) -> set[str]:
    return set(item) if isinstance(item, dict) else set()


def _sandbox_get(*paths: str) -> list[Any]:
    """GET ``/wp-json/wc/v3/<path>`` from an in-process sandbox, as JSON."""
    sandbox = WooCommerceSandbox(SandboxOptions(orders=40))
    settings = sandbox.account_settings("http://127.0.0.1")
    auth = (settings["consumer_key"], settings["consumer_secret"])

    async def go() -> list[Any]:
        transport = httpx.ASGITransport(app=sandbox.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                     auth=auth) as client:
            return [(await client.get(f"/wp-json/wc/v3/{path}")).json() for path in paths]

    return asyncio.run(go())


def test_sandbox_orders_have_the_documented_shape() -> None:
    documented = examples("_orders.md")[0]
    (orders,) = _sandbox_get("orders?per_page=100")
    with_lines = next(o for o in orders if o["line_items"] and o["shipping_lines"])
    assert _keys(documented) <= _keys(with_lines)
    for part in ("billing", "shipping"):
        assert _keys(documented[part]) <= _keys(with_lines[part])
    for part in ("line_items", "shipping_lines", "tax_lines"):
        assert _keys(documented[part][0]) <= _keys(next(o for o in orders if o[part])[part][0])
    for key in ("total", "total_tax", "shipping_total", "discount_total"):
        assert re.fullmatch(r"\d+\.\d\d", with_lines[key])
    line = with_lines["line_items"][0]
    assert isinstance(line["price"], int | float) and isinstance(line["subtotal"], str)


def test_sandbox_products_have_the_documented_shape() -> None:
    product_doc = next(b for b in examples("_products.md") if isinstance(b, list))[1]
    variation_doc = next(b for b in examples("_product-variations.md") if isinstance(b, list))[0]
    product, variations = _sandbox_get("products/101", "products/102/variations")
    assert _keys(product_doc) <= _keys(product)
    assert _keys(variation_doc) <= _keys(variations[0])
