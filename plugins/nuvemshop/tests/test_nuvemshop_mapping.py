"""Mapping, on the documented order shape (resources/order.md's GET /orders example, trimmed)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

import hub
from hub_nuvemshop.mapping import hub_status, parse_order, peek_order

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


@pytest.mark.parametrize(("status", "payment", "shipping", "expected"), [
    ("open", "paid", "unpacked", "paid"),
    ("open", "pending", "unpacked", "pending"),
    ("open", "paid", "unshipped", "packed"),
    ("open", "paid", "unfulfilled", "packed"),
    ("open", "paid", "shipped", "fulfilled"),
    ("open", "paid", "fulfilled", "fulfilled"),
    ("closed", "paid", "shipped", "closed"),
    ("cancelled", "paid", "unpacked", "cancelled"),
    ("open", "refunded", "shipped", "refunded"),
    ("open", "voided", "unpacked", "voided"),
])
def test_one_hub_status_from_the_three(status: str, payment: str, shipping: str,
                                       expected: str) -> None:
    payload = order(status=status, payment_status=payment, shipping_status=shipping)
    assert hub_status(payload) == expected == parse_order(payload).status


def test_a_bad_payload_is_a_data_error() -> None:
    with pytest.raises(hub.DataError, match="quantity"):
        parse_order(order(products=[{**ORDER["products"][0], "quantity": "two"}]))
    with pytest.raises(hub.DataError, match="currency"):
        parse_order(order(currency=None))
    without_customer = order(customer=None, contact_email="buyer@example.com")
    assert parse_order(without_customer).customer.email == "buyer@example.com"  # type: ignore[union-attr]
