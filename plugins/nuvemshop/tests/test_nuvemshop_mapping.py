"""Mapping, on the documented order shape (resources/order.md's GET /orders example, trimmed)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

import hub
from hub_nuvemshop.info import INFO
from hub_nuvemshop.mapping import hub_status, map_customer, parse_order, peek_order
from hub_nuvemshop.states import ORDER_STATES

ORDER: dict[str, Any] = {
    "id": 450789469, "number": 10872, "store_id": "271146", "currency": "USD",
    "status": "open", "payment_status": "paid", "shipping_status": "unpacked",
    "created_at": "2022-02-23T12:25:18+0000", "updated_at": "2022-02-23T19:58:44+0000",
    "subtotal": "5190.00", "discount": "0.00", "total": "5660.00",
    "shipping_cost_customer": "470.00", "shipping_option": "Synthetics",
    "customer": {"id": 101, "name": "John Doe", "email": "john.doe@example.com",
                 "phone": "+5491126653230"},
    "shipping_address": {"address": "Evergreen Terrace", "number": "742", "floor": None,
                         "locality": None, "city": "Springfield", "province": "Oregon",
                         "zipcode": "97475", "country": "US", "name": "John Doe",
                         "phone": "555-123-0413"},
    "products": [{"id": 972900182, "name": "Pokeball", "price": "5190.00", "product_id": 58208779,
                  "quantity": "1", "variant_id": "169164456", "sku": "12331471"}],
}


def order(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(ORDER)
    payload.update(changes)
    return payload


def test_the_documented_order_maps_exactly() -> None:
    parsed = parse_order(order())
    assert (parsed.platform_order_id, parsed.number, parsed.status) == ("450789469", "10872", "paid")
    assert parsed.total.amount == Decimal("5660.00") and parsed.total.currency == "USD"
    assert parsed.shipping_total is not None and parsed.shipping_total.amount == Decimal("470.00")
    assert parsed.created_at.utcoffset() is not None
    [line] = parsed.lines
    assert (line.sku, line.quantity, line.unit_price.amount) == ("12331471", Decimal(1),
                                                                 Decimal("5190.00"))
    assert (line.platform_product_id, line.platform_variant_id) == ("58208779", "169164456")
    assert parsed.customer is not None and parsed.customer.email == "john.doe@example.com"
    assert (parsed.customer.first_name, parsed.customer.last_name) == ("John", "Doe")
    assert parsed.shipping_address is not None
    assert parsed.shipping_address.line1 == "Evergreen Terrace 742"
    assert peek_order(order()) == hub.OrderPeek("450789469", "paid")


# Every documented value of each of the three statuses (resources/order.md: the property table
# and GET /orders' filters), with the spellings the documented answers use (pack: "unshipped",
# fulfill: "shipped"). Eligible: the hub status "paid" (PlatformInfo.eligible_statuses).
SHIPPING = [  # shipping_status of a paid, open order -> hub status, eligible
    ("unpacked", "paid", True),
    (None, "paid", True),  # no shipping status yet: not packed
    ("unfulfilled", "packed", False),  # the docs: "means unshipped"
    ("unshipped", "packed", False),  # POST /orders/{id}/pack's documented answer
    ("fulfilled", "fulfilled", False),  # the docs: "means shipped"
    ("shipped", "fulfilled", False),  # POST /orders/{id}/fulfill's documented answer
    ("partially_packed", "packed", False),  # not in the official docs: never new work
    ("partially_fulfilled", "packed", False),
]
PAYMENT = [  # payment_status of an open, unpacked order -> hub status, eligible
    ("paid", "paid", True),
    ("pending", "pending", False),
    ("authorized", "authorized", False),
    ("abandoned", "abandoned", False),
    ("refunded", "refunded", False),
    ("voided", "voided", False),
]
STATUS = [  # status of a paid, unpacked order -> hub status, eligible
    ("open", "paid", True),
    ("closed", "closed", False),
    ("cancelled", "cancelled", False),
]


def _eligible(status: str) -> bool:
    """Whether the core imports an order of this hub status; every one is declared and has a
    lifecycle state."""
    assert status in ORDER_STATES
    assert (status in INFO.eligible_statuses) != (status in INFO.excluded_statuses), status
    return status in INFO.eligible_statuses


@pytest.mark.parametrize(("shipping", "expected", "eligible"), SHIPPING)
def test_each_shipping_status(shipping: str | None, expected: str, eligible: bool) -> None:
    payload = order(shipping_status=shipping)
    assert hub_status(payload) == expected == parse_order(payload).status
    assert _eligible(expected) is eligible


@pytest.mark.parametrize(("payment", "expected", "eligible"), PAYMENT)
def test_each_payment_status(payment: str, expected: str, eligible: bool) -> None:
    payload = order(payment_status=payment)
    assert hub_status(payload) == expected == parse_order(payload).status
    assert _eligible(expected) is eligible


@pytest.mark.parametrize(("status", "expected", "eligible"), STATUS)
def test_each_order_status(status: str, expected: str, eligible: bool) -> None:
    payload = order(status=status)
    assert hub_status(payload) == expected == parse_order(payload).status
    assert _eligible(expected) is eligible


@pytest.mark.parametrize(("status", "payment", "shipping", "expected"), [
    ("cancelled", "paid", "shipped", "cancelled"),  # cancelled wins over everything
    ("open", "refunded", "shipped", "refunded"),  # money given back wins over shipping
    ("closed", "voided", "unpacked", "voided"),
    ("closed", "paid", "shipped", "closed"),  # closed wins over shipping
    ("open", "pending", "unshipped", "packed"),  # packed before paid: not new work either
    ("open", "authorized", "fulfilled", "fulfilled"),
])
def test_the_order_of_precedence(status: str, payment: str, shipping: str, expected: str) -> None:
    payload = order(status=status, payment_status=payment, shipping_status=shipping)
    assert hub_status(payload) == expected == parse_order(payload).status
    assert not _eligible(expected)


def test_a_bad_payload_is_a_data_error() -> None:
    with pytest.raises(hub.DataError, match="quantity"):
        parse_order(order(products=[{**ORDER["products"][0], "quantity": "two"}]))
    with pytest.raises(hub.DataError, match="currency"):
        parse_order(order(currency=None))
    without_customer = order(customer=None, contact_email="buyer@example.com")
    assert parse_order(without_customer).customer.email == "buyer@example.com"  # type: ignore[union-attr]


# resources/customer.md's GET /customers record (trimmed), as an order's ``customer`` carries it
CUSTOMER: dict[str, Any] = {
    "id": 101, "name": "John Doe", "email": "john.doe@example.com", "phone": None,
    "identification": "28776255670", "billing_address": "Evergreen Terrace",
    "billing_number": "742", "billing_floor": None, "billing_locality": None,
    "billing_zipcode": "97475", "billing_city": "Springfield", "billing_province": "Oregon",
    "billing_country": "US", "billing_phone": "555-123-0413",
    "default_address": {"address": "Evergreen Terrace", "number": "742", "floor": "2",
                        "locality": "Centro", "city": "Springfield", "province": "Oregon",
                        "zipcode": "97475", "country": "US", "phone": "555-123-0413",
                        "default": True, "id": 1234},
    "updated_at": "2013-03-11T09:14:11-03:00",
}


def test_the_order_imports_with_its_customer_and_both_addresses() -> None:
    payload = order(customer=CUSTOMER, contact_identification="28776255670",
                    billing_name="John Doe", billing_address="Billing Street",
                    billing_number="10", billing_floor="3", billing_locality="Downtown",
                    billing_zipcode="97401", billing_city="Eugene", billing_province="Oregon",
                    billing_country="US")
    parsed = parse_order(payload)
    customer = parsed.customer
    assert customer is not None
    assert (customer.platform_id, customer.first_name, customer.last_name, customer.email) == (
        "101", "John", "Doe", "john.doe@example.com")
    assert customer.phone == "555-123-0413"  # the record's own phone is null: its billing phone
    assert customer.address is not None and customer.address.line1 == "Evergreen Terrace 742"
    assert customer.address.line2 == "2, Centro" and customer.address.name == "John Doe"
    assert parsed.billing_address is not None
    assert (parsed.billing_address.line1, parsed.billing_address.line2,
            parsed.billing_address.city, parsed.billing_address.postcode) == (
        "Billing Street 10", "3, Downtown", "Eugene", "97401")
    assert parsed.shipping_address is not None and parsed.shipping_address.city == "Springfield"
    assert parsed.raw["customer"]["identification"] == "28776255670"


def test_the_buyers_document_is_the_customers_identification_else_the_orders() -> None:
    with_record = parse_order(order(customer=CUSTOMER, contact_identification="999"))
    assert with_record.customer is not None and with_record.customer.document == "28776255670"
    without = parse_order(order(customer=None, contact_email="b@example.com",
                                contact_identification="123.456.789-09"))
    assert without.customer is not None and without.customer.document == "123.456.789-09"
    neither = parse_order(order(customer=None, contact_email="b@example.com"))
    assert neither.customer is not None and neither.customer.document is None


def test_without_the_customers_scope_the_contact_fields_stand_in() -> None:
    payload = order(customer=None, contact_email="buyer@example.com", contact_phone="+5511999",
                    billing_name="Maria Silva", billing_address="Rua A", billing_city="Recife",
                    billing_zipcode="50000-000")
    customer = parse_order(payload).customer
    assert customer is not None and customer.platform_id is None
    assert (customer.first_name, customer.last_name, customer.email, customer.phone) == (
        "Maria", "Silva", "buyer@example.com", "+5511999")
    assert customer.address is not None and customer.address.city == "Recife"  # billing's


def test_a_customer_record_maps_with_its_default_address_else_its_billing_one() -> None:
    found = map_customer(CUSTOMER)
    assert (found.platform_id, found.email, found.first_name) == ("101", "john.doe@example.com",
                                                                   "John")
    assert found.address is not None and found.address.line2 == "2, Centro"
    billing_only = map_customer({**CUSTOMER, "default_address": None, "phone": "911"})
    assert billing_only.phone == "911"
    assert billing_only.address is not None and billing_only.address.line1 == "Evergreen Terrace 742"
    assert map_customer({"id": 5, "name": "Solo", "email": None}).address is None


def test_the_total_is_never_read_as_zero() -> None:
    # The v1 page (TiendaNube/api-docs resources/order.md, GET /orders/450789469) names the
    # order's total ``price`` ("subtotal": "38.00" + "shipping_cost_customer": "20.00" =
    # "price": "58.00") and has no ``total``; the current API names it ``total``.
    legacy = order(subtotal="38.00", shipping_cost_customer="20.00", price="58.00")
    del legacy["total"]
    assert parse_order(legacy).total.amount == Decimal("58.00")
    assert parse_order(order(price="1.00")).total.amount == Decimal("5660.00")  # total first
    bare = order()
    del bare["total"]
    with pytest.raises(hub.DataError, match="no total"):
        parse_order(bare)
