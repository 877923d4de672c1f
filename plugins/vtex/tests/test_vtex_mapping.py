"""Order and product mapping: exact cents, totals, customers, masked e-mails, rejections."""

from __future__ import annotations

from decimal import Decimal
from types import ModuleType

import pytest

import hub
from hub_vtex import mapping, plugin


def test_an_order_maps_with_exact_money_and_its_lines(vt: ModuleType) -> None:
    order = plugin.parse_order(vt.account(), vt.order())
    assert order.platform_order_id == order.number == "1234567890123-01"
    assert order.status == "ready-for-handling" and order.currency == "BRL"
    assert order.total.amount == Decimal("124.80")
    assert order.subtotal is not None and order.subtotal.amount == Decimal("129.80")
    assert order.discount_total is not None and order.discount_total.amount == Decimal("20.00")
    assert order.shipping_total is not None and order.shipping_total.amount == Decimal("15.00")
    assert order.tax_total is not None and order.tax_total.amount == Decimal("0.00")
    assert order.created_at.isoformat() == "2024-05-10T12:00:00.123456+00:00"
    first, mug = order.lines
    assert (first.platform_line_id, first.platform_product_id, first.platform_variant_id,
            first.sku) == ("AAAA1111", "100", "1001", "BT-S")
    assert first.quantity == Decimal(2) and first.unit_price.amount == Decimal("49.90")
    assert first.total is not None and first.total.amount == Decimal("79.80")
    assert mug.sku is None and mug.total is not None and mug.total.amount == Decimal("30.00")
    assert order.flags == [] and order.raw["orderId"] == "1234567890123-01"


def test_customer_address_and_delivery(vt: ModuleType) -> None:
    order = plugin.parse_order(vt.account(), vt.order())
    buyer = order.customer
    assert buyer is not None and buyer.platform_id == "profile-1"
    assert (buyer.first_name, buyer.last_name, buyer.email, buyer.phone) == (
        "Ana", "Silva", "ana.silva@example.com.br", "+5511912345678")
    assert order.shipping_address is not None
    assert order.shipping_address.line1 == "Rua Augusta 500"
    assert order.shipping_address.line2 == "apto 12, Consolação"
    assert order.shipping_address.postcode == "01305-000" and order.shipping_address.country == "BRA"
    assert order.delivery is not None and order.delivery.service == "Normal / Correios PAC"
    assert order.delivery.cost is not None and order.delivery.cost.amount == Decimal("15.00")


def test_masked_emails_are_kept_and_flagged(vt: ModuleType) -> None:
    payload = vt.order()
    payload["clientProfileData"]["email"] = "7bf3a59bbc56402c810bda9521ba449e@ct.vtex.com.br"
    order = plugin.parse_order(vt.account(), payload)
    assert order.customer is not None
    assert order.customer.email == "7bf3a59bbc56402c810bda9521ba449e@ct.vtex.com.br"
    assert order.customer.flags == ["masked_email"] and "masked_email" in order.flags
    assert mapping.is_masked_email("ana@example.com-227502454198b.ct.vtex.com.br")
    assert mapping.is_masked_email("90ea3ef8b6a64b2588f4bc6cb8617acd@ct.vtex.com")
    assert not mapping.is_masked_email("someone@vtex.com.br")


def test_corporate_buyers_missing_profiles_and_pickups(vt: ModuleType) -> None:
    payload = vt.order(clientProfileData={"email": None, "phone": None, "firstName": "Loja",
                                          "isCorporate": True, "corporateName": "ACME Ltda"})
    payload["shippingData"]["logisticsInfo"][0]["pickupStoreInfo"] = {
        "isPickupStore": True, "friendlyName": "Loja Centro"}
    order = plugin.parse_order(vt.account(), payload)
    assert order.customer is not None and not order.customer.email and not order.customer.phone
    assert order.customer.address is not None and order.customer.address.company == "ACME Ltda"
    assert order.delivery is not None
    assert order.delivery.service == "pickup at Loja Centro / Correios PAC; Normal / Correios PAC"
    assert plugin.parse_order(vt.account(), vt.order(clientProfileData=None)).customer is None


def test_totals_that_do_not_add_up_are_flagged(vt: ModuleType) -> None:
    order = plugin.parse_order(vt.account(), vt.order(value=99999))
    assert order.total.amount == Decimal("999.99") and "totals_mismatch" in order.flags


@pytest.mark.parametrize("payload, message", [
    ({"orderId": "x-01", "items": None, "status": "invoiced", "totalValue": 10}, "summary"),
    ({"Domain": "Fulfillment", "OrderId": "x-01"}, "no orderId"),
])
def test_non_orders_are_refused(vt: ModuleType, payload: dict[str, object], message: str) -> None:
    with pytest.raises(hub.DataError, match=message):
        plugin.parse_order(vt.account(), payload)


def test_fractional_cents_and_missing_currency_are_data_errors(vt: ModuleType) -> None:
    with pytest.raises(hub.DataError, match="integer cents"):
        plugin.parse_order(vt.account(), vt.order(value=10.5))
    with pytest.raises(hub.DataError, match="currencyCode"):
        plugin.parse_order(vt.account(), vt.order(storePreferencesData={}))


def test_products_map_skus_to_variants(vt: ModuleType) -> None:
    payload = {"productId": "100", "skus": [
        {"Id": 1001, "ProductId": 100, "ProductName": "Basic T-Shirt", "SkuName": "S",
         "ProductDescription": "Cotton.", "ProductRefId": "BT", "ProductCategoryIds": "/1/12/",
         "ProductCategories": {"12": "T-Shirts", "1": "Apparel"},
         "AlternateIds": {"RefId": "BT-S", "Ean": "7891234567895"}},
        {"Id": 1002, "ProductId": 100, "ProductName": "Basic T-Shirt", "SkuName": "M",
         "AlternateIds": {"RefId": "BT-M"}}]}
    product = plugin.map_product(vt.account(), payload)
    assert product.platform_product_id == "100" and product.name == "Basic T-Shirt"
    assert product.category == "T-Shirts" and product.description == "Cotton."
    assert [(v.platform_variant_id, v.sku, v.name, v.barcode) for v in product.variants] == [
        ("1001", "BT-S", "S", "7891234567895"), ("1002", "BT-M", "M", None)]


def test_the_buyers_tax_document_cpf_or_the_companys_cnpj(vt: ModuleType) -> None:
    person = plugin.parse_order(vt.account(), vt.order()).customer
    assert person is not None and person.document == "123.456.789-10"
    company = plugin.parse_order(vt.account(), vt.order(clientProfileData={
        "email": "compras@acme.com.br", "isCorporate": True, "document": "123.456.789-10",
        "corporateDocument": "12.345.678/0001-90"})).customer
    assert company is not None and company.document == "12.345.678/0001-90"
    none = plugin.parse_order(vt.account(), vt.order(clientProfileData={
        "email": "a@example.com", "document": "", "isCorporate": False})).customer
    assert none is not None and none.document is None
