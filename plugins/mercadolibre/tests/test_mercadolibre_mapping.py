"""Sales and items as canonical orders and products."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

import hub
from hub_mercadolibre import plugin


def test_a_single_order_sale_maps_every_field(meli: Any) -> None:
    acct = meli.account()
    order = plugin.parse_order(acct, meli.sale([meli.order()], meli.shipment()))
    assert order.platform_order_id == "2000000011" and order.number == "2000000011"
    assert order.status == "paid/ready_to_ship"
    assert order.created_at == datetime(2026, 10, 2, 15, 23, 45, tzinfo=UTC)
    assert order.updated_at == datetime(2026, 10, 2, 20, 30, tzinfo=UTC)  # the shipment's
    assert order.currency == "ARS"
    line = order.lines[0]
    assert (line.platform_line_id, line.platform_product_id, line.platform_variant_id) == \
        ("2000000011:MLA1400000010:17000000021", "MLA1400000010", "17000000021")
    assert line.sku == "REM-NEGRO-M"
    assert line.name == "Remera algodón (Color: Negro, Talle: M)"
    assert line.quantity == Decimal(2) and line.unit_price.amount == Decimal("15999.0")
    assert line.total is not None and line.total.amount == Decimal("31998.0")
    assert order.subtotal is not None and order.subtotal.amount == Decimal("31998.0")
    assert order.shipping_total is not None and order.shipping_total.amount == Decimal("3499.0")
    assert order.total.amount == Decimal("35497.0")
    customer = order.customer
    assert customer is not None
    assert (customer.platform_id, customer.first_name, customer.last_name) == \
        ("300000001", "Lucía", "González")
    assert customer.email is None and customer.phone is None
    address = order.shipping_address
    assert address is not None
    assert address.line1 == "Av. Corrientes 1234" and address.line2 == "Depto 4B"
    assert (address.city, address.state, address.postcode, address.country) == \
        ("Capital Federal", "Capital Federal", "C1043", "AR")
    assert address.name == "Lucía González" and address.phone == "01155551234"
    assert order.delivery is not None
    assert order.delivery.service == "Mercado Envíos (drop_off): Normal a domicilio"
    assert order.ineligible_reason is None
    assert order.raw["id"] == "2000000011"


def test_customers_are_matched_by_platform_id(meli: Any) -> None:
    info = plugin.platform_info()
    assert info.customer_match == "platform_id"
    assert info.eligible_statuses == ["paid/ready_to_ship"]
    assert info.setting("client_secret") is not None and info.setting("client_secret").secret
    assert info.setting("notification_secret").secret  # type: ignore[union-attr]


def test_a_cart_becomes_one_order_with_every_line(meli: Any) -> None:
    first = meli.order(2000000021, pack_id=2100000005, total_amount=15999.0,
                       order_items=[{**meli.order()["order_items"][0], "quantity": 1}])
    second = meli.order(2000000022, pack_id=2100000005, total_amount=8999.9, order_items=[{
        "item": {"id": "MLA1400000001", "title": "Mate de calabaza", "variation_id": None,
                 "variation_attributes": [], "seller_sku": None, "seller_custom_field": "MATE-CAL"},
        "quantity": 1, "unit_price": 8999.9, "full_unit_price": 8999.9, "currency_id": "ARS"}],
        last_updated="2026-10-03T09:00:00.000-04:00")
    order = plugin.parse_order(meli.account(), meli.sale([second, first], meli.shipment(),
                                                         pack_id=2100000005))
    assert order.platform_order_id == "pack:2100000005" and order.number == "2100000005"
    assert [ln.sku for ln in order.lines] == ["REM-NEGRO-M", "MATE-CAL"]
    assert [ln.platform_line_id for ln in order.lines] == [
        "2000000021:MLA1400000010:17000000021", "2000000022:MLA1400000001"]
    assert order.subtotal is not None and order.subtotal.amount == Decimal("24998.9")
    assert order.total.amount == Decimal("28497.9")
    assert order.updated_at == datetime(2026, 10, 3, 13, 0, tzinfo=UTC)


def test_a_cancelled_order_inside_a_paid_cart_leaves_its_lines_out(meli: Any) -> None:
    paid = meli.order(2000000031, pack_id=77)
    cancelled = meli.order(2000000032, pack_id=77, status="cancelled", total_amount=1000.0)
    order = plugin.parse_order(meli.account(), meli.sale([paid, cancelled], meli.shipment(),
                                                         pack_id=77))
    assert order.status == "paid/ready_to_ship"
    assert len(order.lines) == 1 and order.subtotal is not None
    assert order.subtotal.amount == Decimal("31998.0")


def test_fraud_tagged_sales_are_ineligible(meli: Any) -> None:
    tagged = meli.order(tags=["paid", "fraud_risk_detected"])
    order = plugin.parse_order(meli.account(), meli.sale([tagged], meli.shipment()))
    assert order.status == "paid/ready_to_ship"
    assert order.ineligible_reason == "Mercado Libre tagged the sale fraud_risk_detected"
    assert order.flags == ["fraud_risk_detected"]


@pytest.mark.parametrize(("status", "mode", "shipment_status", "setting", "expected"), [
    ("paid", "me2", "handling", None, "paid/handling"),
    ("paid", "me2", "shipped", None, "paid/shipped"),
    ("cancelled", "me2", "cancelled", None, "cancelled"),
    ("payment_required", "me2", "pending", None, "payment_required"),
    ("paid", "custom", "ready_to_ship", None, "paid/ready_to_ship"),
    ("paid", "me1", "handling", None, "paid/handling"),
    ("paid", "me1", "handling", "ready_to_ship,handling", "paid/ready_to_ship"),
    ("paid", "custom", "pending", "pending", "paid/ready_to_ship"),
    ("paid", "me2", "handling", "handling", "paid/handling"),  # ME2 is never self-shipped
])
def test_composed_statuses(meli: Any, status: str, mode: str, shipment_status: str,
                           setting: str | None, expected: str) -> None:
    acct = meli.account(meli.settings(self_shipping_ready_statuses=setting))
    payload = meli.sale([meli.order(status=status)],
                        meli.shipment(mode=mode, status=shipment_status))
    assert plugin.parse_order(acct, payload).status == expected


def test_a_sale_without_a_mercado_libre_shipment_is_to_be_agreed(meli: Any) -> None:
    order = plugin.parse_order(meli.account(), meli.sale([meli.order(shipping={"id": None})], None))
    assert order.status == "paid/to_be_agreed"
    assert order.shipping_address is None and order.shipping_total is None
    assert order.delivery is not None and order.delivery.service == "to be agreed"


def test_a_buyer_without_a_name_is_named_by_nickname(meli: Any) -> None:
    buyer = {"id": 9, "nickname": "COMPRA_X", "first_name": None, "last_name": None}
    order = plugin.parse_order(meli.account(), meli.sale([meli.order(buyer=buyer)], None))
    assert order.customer is not None
    assert (order.customer.platform_id, order.customer.first_name) == ("9", "COMPRA_X")


def test_a_bare_order_outside_a_cart_is_accepted(meli: Any) -> None:
    order = plugin.parse_order(meli.account(), meli.order(shipping={"id": 5, "status": "ready_to_ship"}))
    assert order.platform_order_id == "2000000011" and order.status == "paid/ready_to_ship"


def test_a_bare_order_of_a_cart_is_refused(meli: Any) -> None:
    with pytest.raises(hub.DataError, match="belongs to cart 2100000005"):
        plugin.parse_order(meli.account(), meli.order(pack_id=2100000005))


@pytest.mark.parametrize("payload", [
    {"id": "x"},
    {"id": "pack:1", "pack_id": 1, "orders": [], "shipment": None},
    {"id": "pack:1", "pack_id": 1, "orders": [{"id": 1}], "shipment": None,
     "incomplete": "shipment 5 was not found"},
])
def test_payloads_that_cannot_be_read_are_data_errors(meli: Any, payload: dict[str, Any]) -> None:
    with pytest.raises(hub.DataError):
        plugin.parse_order(meli.account(), payload)


def test_an_item_with_variations_maps_to_variants(meli: Any) -> None:
    product = plugin.map_product(meli.account(), {**meli.item(), "category_name": "Remeras"})
    assert product.platform_product_id == "MLA1400000010"
    assert product.sku is None and product.name == "Remera algodón"
    assert product.category == "Remeras"
    assert product.price is not None and product.price.amount == Decimal("15999.0")
    assert product.quantity == Decimal(9)
    first, second = product.variants
    assert (first.platform_variant_id, first.sku, first.name, first.barcode, first.quantity) == (
        "17000000021", "REM-NEGRO-M", "Color: Negro / Talle: M", "7791234567890", Decimal(4))
    assert second.sku == "REM-NEGRO-L-LEGACY"  # the legacy seller_custom_field


def test_a_user_product_item_is_its_own_product(meli: Any) -> None:
    payload = meli.item("MLA1500000001", title="Campera Negro", variations=[],
                        user_product_id="MLAU123", family_id=55, available_quantity=3,
                        attributes=[{"id": "SELLER_SKU", "value_name": "CAMP-NEGRO"}])
    product = plugin.map_product(meli.account(), payload)
    assert (product.platform_product_id, product.sku, product.variants) == \
        ("MLA1500000001", "CAMP-NEGRO", [])
    assert product.category == "MLA1430"  # no category name read: the id


def test_the_receivers_neighborhood_is_kept_in_the_second_line(meli: Any) -> None:
    # A Brazilian receiver_address names its bairro in ``neighborhood`` ({"id", "name"}), as the
    # shipments page shows it (developers.mercadolibre.com.ar/en_us/shipment-handling) and the
    # address API answers it (developers.mercadolivre.com.br/en_us/users-addresses).
    ship = meli.shipment()
    ship["receiver_address"].update({
        "address_line": "Rua Augusta 1500", "comment": "Apto 42", "zip_code": "01304001",
        "city": {"id": "BR-SP-44", "name": "São Paulo"}, "state": {"id": "BR-SP", "name": "São Paulo"},
        "country": {"id": "BR", "name": "Brasil"},
        "neighborhood": {"id": "TUxCQkNPTjQ1ODg", "name": "Consolação"}})
    address = plugin.parse_order(meli.account(), meli.sale([meli.order()], ship)).shipping_address
    assert address is not None and address.line2 == "Apto 42, Consolação"
    ship["receiver_address"]["comment"] = None
    address = plugin.parse_order(meli.account(), meli.sale([meli.order()], ship)).shipping_address
    assert address is not None and address.line2 == "Consolação"
    ship["receiver_address"]["neighborhood"] = {"id": None, "name": None}  # as Argentina's often are
    address = plugin.parse_order(meli.account(), meli.sale([meli.order()], ship)).shipping_address
    assert address is not None and address.line2 is None
