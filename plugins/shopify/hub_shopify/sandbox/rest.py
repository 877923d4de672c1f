"""Webhook bodies: the sandbox's objects rendered in Shopify's REST shape.

Webhooks carry the REST representation (snake_case, numeric ids,
``admin_graphql_api_id``, money as strings plus ``*_set`` objects, times in the
shop's time zone with their offset). Written from the documented shape of
``orders/create`` and ``products/update`` bodies, independently of the plugin's
reader, so the two cannot agree on a mistake by construction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub_shopify.sandbox.data import Store

SHOP_TZ = ZoneInfo("America/New_York")
FULFILLMENT = {"PARTIALLY_FULFILLED": "partial", "FULFILLED": "fulfilled",
               "RESTOCKED": "restocked"}


def local(value: str | None) -> str | None:
    """A ``...Z`` timestamp in the shop's zone: ``2026-10-01T08:00:00-04:00``."""
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(SHOP_TZ).isoformat()


def number(gid: str | None) -> int | None:
    return int(gid.rsplit("/", 1)[-1]) if gid else None


def money_set(bag: dict[str, Any]) -> dict[str, Any]:
    return {"shop_money": {"amount": bag["shopMoney"]["amount"],
                           "currency_code": bag["shopMoney"]["currencyCode"]},
            "presentment_money": {"amount": bag["presentmentMoney"]["amount"],
                                  "currency_code": bag["presentmentMoney"]["currencyCode"]}}


def address(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not data:
        return None
    return {"first_name": data["firstName"], "last_name": data["lastName"],
            "name": data["name"], "company": data["company"], "address1": data["address1"],
            "address2": data["address2"], "city": data["city"], "province": data["province"],
            "province_code": data["provinceCode"], "zip": data["zip"],
            "country": data["country"], "country_code": data["countryCodeV2"],
            "phone": data["phone"], "latitude": None, "longitude": None}


def order_body(store: Store, order: dict[str, Any], *, customer_data: bool = True
               ) -> dict[str, Any]:
    """``order`` as an ``orders/*`` webhook body (personal data nulled without access)."""
    customer = order.get("customer")
    customer_body = None
    if customer:
        email = (customer.get("defaultEmailAddress") or {}).get("emailAddress")
        phone = (customer.get("defaultPhoneNumber") or {}).get("phoneNumber")
        customer_body = {"id": number(customer["id"]), "admin_graphql_api_id": customer["id"],
                         "first_name": customer["firstName"], "last_name": customer["lastName"],
                         "email": email, "phone": phone, "state": "enabled",
                         "currency": order["currencyCode"]}
        if not customer_data:
            customer_body.update(first_name=None, last_name=None, email=None, phone=None)
    lines = []
    for line_gid in order["_lines"]:
        line = store.line_items[line_gid]
        lines.append({
            "id": number(line["id"]), "admin_graphql_api_id": line["id"],
            "product_id": number(line["_product"]), "variant_id": number(line["_variant"]),
            "sku": line["sku"], "name": line["name"], "title": line["title"],
            "variant_title": line["variantTitle"], "quantity": line["quantity"],
            "current_quantity": line["currentQuantity"],
            "fulfillable_quantity": line["currentQuantity"],
            "price": line["originalUnitPriceSet"]["shopMoney"]["amount"],
            "price_set": money_set(line["originalUnitPriceSet"]),
            "total_discount": line["totalDiscountSet"]["shopMoney"]["amount"],
            "total_discount_set": money_set(line["totalDiscountSet"]),
            "requires_shipping": True, "taxable": True, "tax_lines": [],
            "discount_allocations": [], "properties": []})
    shipping_line = order.get("shippingLine")
    fulfillment = FULFILLMENT.get(order["displayFulfillmentStatus"])
    body: dict[str, Any] = {
        "id": number(order["id"]), "admin_graphql_api_id": order["id"], "name": order["name"],
        "order_number": int(order["name"].lstrip("#")),
        "created_at": local(order["createdAt"]), "updated_at": local(order["updatedAt"]),
        "processed_at": local(order["processedAt"]), "cancelled_at": local(order["cancelledAt"]),
        "closed_at": None, "currency": order["currencyCode"],
        "presentment_currency": order["presentmentCurrencyCode"],
        "email": order["email"] if customer_data else None,
        "contact_email": order["email"] if customer_data else None,
        "phone": order["phone"] if customer_data else None,
        "financial_status": (order["displayFinancialStatus"] or "").lower() or None,
        "fulfillment_status": fulfillment,
        "customer": customer_body,
        "billing_address": address(order["billingAddress"]) if customer_data else None,
        "shipping_address": address(order["shippingAddress"]) if customer_data else None,
        "line_items": lines,
        "shipping_lines": [{"id": None, "title": shipping_line["title"],
                            "code": shipping_line["code"], "is_removed": False,
                            "price": shipping_line["originalPriceSet"]["shopMoney"]["amount"],
                            "price_set": money_set(shipping_line["originalPriceSet"]),
                            "discount_allocations": [], "tax_lines": []}]
        if shipping_line else [],
        "tags": ", ".join(order["tags"]), "test": order["test"], "refunds": [],
        "fulfillments": [],
    }
    for ours, theirs in (("currentSubtotalPriceSet", "current_subtotal_price"),
                         ("currentTotalDiscountsSet", "current_total_discounts"),
                         ("currentTotalTaxSet", "current_total_tax"),
                         ("currentTotalPriceSet", "current_total_price"),
                         ("totalPriceSet", "total_price")):
        body[theirs] = order[ours]["shopMoney"]["amount"]
        body[f"{theirs}_set"] = money_set(order[ours])
    body["current_shipping_price_set"] = money_set(order["currentShippingPriceSet"])
    body["total_shipping_price_set"] = money_set(order["currentShippingPriceSet"])
    return body


def product_body(store: Store, product: dict[str, Any]) -> dict[str, Any]:
    """``product`` as a ``products/*`` webhook body."""
    variants = []
    for position, vgid in enumerate(product["_variants"], start=1):
        variant = store.variants[vgid]
        variants.append({"id": number(vgid), "admin_graphql_api_id": vgid,
                         "product_id": number(product["id"]), "title": variant["title"],
                         "sku": variant["sku"], "barcode": variant["barcode"],
                         "price": variant["price"], "compare_at_price": variant["compareAtPrice"],
                         "position": position, "inventory_item_id": number(variant["_item"]),
                         "inventory_quantity": store.available(vgid)})
    return {"id": number(product["id"]), "admin_graphql_api_id": product["id"],
            "title": product["title"], "body_html": product["descriptionHtml"],
            "product_type": product["productType"], "vendor": product["vendor"],
            "handle": product["handle"], "status": product["status"].lower(),
            "created_at": local(product["createdAt"]), "updated_at": local(product["updatedAt"]),
            "category": None, "variants": variants}
