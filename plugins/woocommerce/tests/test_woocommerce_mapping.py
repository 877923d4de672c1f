"""Payload -> canonical: orders (money, customer, lines, dates), products, the category rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import hub
from hub_woocommerce import plugin
from hub_woocommerce.categories import CategoryTree, pick_category
from hub_woocommerce.mapping import unit_price


def _parse(woo: Any, payload: dict[str, Any]) -> hub.Order:
    return plugin.parse_order(woo.account(), payload)


def test_money_is_exact(woo: Any) -> None:
    order = _parse(woo, woo.order())
    first, second = order.lines
    assert first.unit_price.amount + second.unit_price.amount == Decimal("0.30")
    assert first.total is not None and first.total.amount == Decimal("0.10")
    assert order.subtotal is not None and order.subtotal.amount == Decimal("0.30")
    assert order.total.amount == Decimal("5.30")
    assert order.total.currency == "USD"
    assert order.shipping_total is not None and order.shipping_total.amount == Decimal("5.00")
    assert all(isinstance(line.unit_price.amount, Decimal) for line in order.lines)


def test_order_fields(woo: Any) -> None:
    payload = woo.order()
    order = _parse(woo, payload)
    assert (order.platform_order_id, order.number, order.status) == ("5001", "5001", "processing")
    assert order.created_at == datetime(2024, 3, 10, 12, 15, tzinfo=UTC)  # the *_gmt field
    assert order.updated_at == datetime(2024, 3, 10, 12, 20, tzinfo=UTC)
    simple, variation = order.lines
    assert (simple.platform_line_id, simple.platform_product_id, simple.platform_variant_id,
            simple.sku, simple.name) == ("11", "108", None, "STK-S", "Sticker \u2013 small")
    assert (variation.platform_product_id, variation.platform_variant_id) == ("102", "202")
    assert order.customer is not None
    assert (order.customer.platform_id, order.customer.email, order.customer.phone) == (
        "7", "ana@example.com", "+55 81 5555-0000")
    assert order.shipping_address is not None
    assert order.shipping_address.line2 == "apto 3"
    assert order.delivery is not None
    assert order.delivery.service == "Flat Rate"
    assert order.delivery.cost == hub.Money(amount=Decimal("5.00"), currency="USD")
    assert order.delivery.address == order.shipping_address
    assert order.raw == payload


def test_unit_price_prefers_an_exact_subtotal_then_the_price_number() -> None:
    assert unit_price({"subtotal": "6.00", "price": 2.5}, Decimal(2)) == Decimal("3.00")
    # 10.00 / 3 is not exact: the API's own float, read through str, is the fallback
    assert unit_price({"subtotal": "", "price": 0.1}, Decimal(3)) == Decimal("0.1")
    assert unit_price({"subtotal": "10.00", "price": 3.3333333333333335},
                      Decimal(3)) == Decimal("3.3333333333333335")
    assert unit_price({"subtotal": "10.00"}, Decimal(3)) == Decimal("3.333333")
    with pytest.raises(hub.DataError, match="neither"):
        unit_price({"id": 1, "quantity": 0}, Decimal(0))


def test_phone_falls_back_to_the_shipping_address(woo: Any) -> None:
    payload = woo.order()
    payload["billing"].update(phone="", email="")
    payload["shipping"]["phone"] = "+55 81 4444-1111"
    order = _parse(woo, payload)
    assert order.customer is not None
    assert (order.customer.email, order.customer.phone) == (None, "+55 81 4444-1111")


def test_missing_contact_data_gives_a_customer_without_email_or_phone(woo: Any) -> None:
    payload = woo.order(customer_id=0)
    payload["billing"].update(phone="", email="")
    order = _parse(woo, payload)
    assert order.customer is not None
    assert (order.customer.first_name, order.customer.email, order.customer.phone,
            order.customer.platform_id) == ("Ana", None, None, None)


def test_nobody_at_all_gives_no_customer(woo: Any) -> None:
    payload = woo.order()
    payload["billing"].update(first_name="", last_name="", phone="", email="")
    assert _parse(woo, payload).customer is None


def test_an_order_without_lines_still_parses(woo: Any) -> None:
    order = _parse(woo, woo.order(line_items=[], shipping_lines=[], total="0.00"))
    assert order.lines == []
    assert order.delivery is not None and order.delivery.service is None


@pytest.mark.parametrize(("change", "message"), [
    ({"id": None}, "no id"),
    ({"currency": "US"}, "ISO 4217"),
    ({"total": "12,50"}, "total"),
    ({"date_created_gmt": "yesterday"}, "date_created_gmt"),
    ({"line_items": [{"id": 1, "name": "x", "quantity": "two", "subtotal": "1.00"}]},
     "quantity"),
    ({"billing": "nobody"}, "billing"),
])
def test_bad_payloads_raise_data_error(woo: Any, change: dict[str, Any], message: str) -> None:
    with pytest.raises(hub.DataError, match=message):
        _parse(woo, woo.order(**change))


def test_bad_payload_message_names_the_order(woo: Any) -> None:
    with pytest.raises(hub.DataError, match="WooCommerce order 5001"):
        _parse(woo, woo.order(total="abc"))


# --- products --------------------------------------------------------------------------

TREE = CategoryTree.from_payloads([
    {"id": 1, "name": "Clothing", "parent": 0}, {"id": 2, "name": "T-shirts", "parent": 1},
    {"id": 3, "name": "Accessories", "parent": 1}, {"id": 4, "name": "Hats", "parent": 3},
    {"id": 5, "name": "scarves", "parent": 3}, {"id": 6, "name": "Music", "parent": 0},
    {"id": 7, "name": "Albums", "parent": 6},
])


def _cats(*ids: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": TREE.names[i]} for i in ids]


@pytest.mark.parametrize(("ids", "expected"), [
    ((1, 2), "T-shirts"),  # one branch at two levels: the deepest
    ((1, 3, 4), "Hats"),  # one branch at three levels
    ((5, 4), "Hats"),  # same level: alphabetically first
    ((5, 2), "T-shirts"),  # different levels, unrelated: the most general
    ((7, 4), "Albums"),  # level 1 beats level 2
    ((1, 2, 6), "Music"),  # Clothing>T-shirts collapses to T-shirts (level 1); Music is level 0
    ((2, 7), "Albums"),  # same level across branches: alphabetical
    ((), None),
])
def test_category_rule(ids: tuple[int, ...], expected: str | None) -> None:
    assert pick_category(_cats(*ids), TREE) == expected


def test_category_rule_without_a_hierarchy_is_alphabetical() -> None:
    assert pick_category([{"id": 9, "name": "zebra"}, {"id": 8, "name": "Apple"}], None) == "Apple"


def test_category_tree_survives_cycles() -> None:
    tree = CategoryTree.from_payloads([{"id": 1, "name": "A", "parent": 2},
                                       {"id": 2, "name": "B", "parent": 1}])
    assert tree.depth(1) == 1
    assert pick_category([{"id": 1, "name": "A"}], tree) == "A"


def _variable_product() -> dict[str, Any]:
    return {
        "id": 300, "name": "Logo Hoodie", "type": "variable", "sku": "", "price": "",
        "regular_price": "", "manage_stock": False, "stock_quantity": None,
        "short_description": "<p>Warm &amp; soft.</p>",
        "categories": [{"id": 1, "name": "Clothing"}, {"id": 2, "name": "T-shirts"}],
        "_hub": {
            "currency": "usd",
            "categories": [{"id": 1, "name": "Clothing", "parent": 0},
                           {"id": 2, "name": "T-shirts", "parent": 1}],
            "variations": [
                {"id": 301, "sku": "HD-S", "regular_price": "49.90", "manage_stock": True,
                 "stock_quantity": 4, "attributes": [{"name": "Size", "option": "S"}]},
                {"id": 302, "sku": "HD-M", "regular_price": "0.10", "manage_stock": False,
                 "stock_quantity": None, "attributes": [{"name": "Size", "option": "M"}]},
            ],
        },
    }


def test_map_variable_product(woo: Any) -> None:
    product = plugin.map_product(woo.account(), _variable_product())
    assert (product.platform_product_id, product.sku, product.name) == ("300", None,
                                                                         "Logo Hoodie")
    assert product.category == "T-shirts"
    assert product.description == "Warm & soft."
    assert product.price is None and product.quantity is None
    small, medium = product.variants
    assert (small.platform_variant_id, small.sku, small.name) == ("301", "HD-S",
                                                                  "Logo Hoodie - S")
    assert small.price == hub.Money(amount=Decimal("49.90"), currency="USD")
    assert small.quantity == Decimal(4)
    assert medium.price is not None and medium.price.amount == Decimal("0.10")
    assert medium.quantity is None


def test_map_simple_product_uses_the_currency_setting(woo: Any) -> None:
    payload = {"id": 55, "name": "Mug", "type": "simple", "sku": "MUG-1", "price": "7.00",
               "regular_price": "8.00", "sale_price": "7.00", "manage_stock": True,
               "stock_quantity": 12, "categories": [], "global_unique_id": "7891234567895"}
    product = plugin.map_product(woo.account(currency="EUR"), payload)
    assert (product.sku, product.price, product.quantity, product.barcode) == (
        "MUG-1", hub.Money(amount=Decimal("8.00"), currency="EUR"), Decimal(12),
        "7891234567895")
    assert product.category is None


def test_bad_product_payload_raises_data_error(woo: Any) -> None:
    with pytest.raises(hub.DataError, match="no id"):
        plugin.map_product(woo.account(), {"name": "x"})
    with pytest.raises(hub.DataError, match="product 9"):
        plugin.map_product(woo.account(currency="USD"),
                           {"id": 9, "name": "x", "regular_price": "cheap"})


def test_the_brazilian_market_plugins_cpf_or_cnpj_is_the_document(woo: Any) -> None:
    plain = _parse(woo, woo.order())
    assert plain.customer is not None and plain.customer.document is None
    person = woo.order()
    person["billing"].update(persontype="F", cpf="12345678909", cnpj="")
    company = woo.order()
    company["billing"].update(persontype="J", cpf="12345678909", cnpj="12345678000195")
    for payload, document in ((person, "12345678909"), (company, "12345678000195")):
        buyer = _parse(woo, payload).customer
        assert buyer is not None and buyer.document == document


def test_the_brazilian_market_plugins_number_and_neighborhood_stay_in_the_address(woo: Any) -> None:
    # Its REST filter (includes/class-extra-checkout-fields-for-brazil-api.php, orders_response)
    # adds billing.number, billing.neighborhood, shipping.number and shipping.neighborhood;
    # address_1 then holds the street alone.
    plain = _parse(woo, woo.order())
    payload = woo.order()
    for part in ("billing", "shipping"):
        payload[part].update(address_1="Rua Augusta", address_2="Apto 42", number="1500",
                             neighborhood="Consolação")
    payload["shipping"]["address_2"] = ""
    order = _parse(woo, payload)
    assert order.billing_address is not None and order.shipping_address is not None
    assert (order.billing_address.line1, order.billing_address.line2) == \
        ("Rua Augusta 1500", "Apto 42, Consolação")
    assert (order.shipping_address.line1, order.shipping_address.line2) == \
        ("Rua Augusta 1500", "Consolação")
    assert order.customer is not None and order.customer.address == order.billing_address
    empty = woo.order()  # the plugin answers "" for an order placed before it was installed
    for part in ("billing", "shipping"):
        empty[part].update(number="", neighborhood="")
    assert _parse(woo, empty).billing_address == plain.billing_address
    assert _parse(woo, empty).shipping_address == plain.shipping_address
