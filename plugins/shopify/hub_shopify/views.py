"""One neutral view of an order or product, read from either shape Shopify sends.

Orders and products reach the plugin in two shapes: GraphQL nodes (camelCase,
money in ``MoneyBag``s, global ids) from the Admin API and bulk exports, and
REST-shaped JSON (snake_case, ``*_set`` money, numeric ids) in webhook bodies.
:func:`order_view` reads either into an :class:`OrderView`, so
:mod:`hub_shopify.mapping` has one canonical mapping and both paths produce the
same :class:`hub.Order` for the same data.

Money is always the shop's (``shopMoney`` / ``shop_money``): the hub books in
the shop's currency, whatever currency the buyer saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub import DataError
from hub_shopify.ids import legacy_id

EXTRA = "_hub"
"""Key the plugin adds to GraphQL payloads: ``customer_redacted``, ``currency``."""

FULFILLMENT = {"PARTIALLY_FULFILLED": "partially_fulfilled", "FULFILLED": "fulfilled",
               "RESTOCKED": "restocked", "partial": "partially_fulfilled",
               "fulfilled": "fulfilled", "restocked": "restocked"}


@dataclass
class PersonView:
    platform_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class LineView:
    platform_line_id: str | None
    product_id: str | None
    variant_id: str | None
    sku: str | None
    name: str | None
    quantity: Any
    unit_price: Any
    discount: Any


@dataclass
class OrderView:
    order_id: str
    number: str | None
    created_at: Any
    updated_at: Any
    cancelled: bool
    financial: str | None
    fulfillment: str
    currency: str | None
    email: str | None
    phone: str | None
    customer: PersonView | None
    customer_redacted: bool
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    shipping_title: str | None
    subtotal: Any
    discounts: Any
    tax: Any
    total: Any
    shipping_cost: Any
    lines: list[LineView] = field(default_factory=list)


@dataclass
class VariantView:
    variant_id: str
    title: str | None
    sku: str | None
    barcode: str | None
    price: Any
    compare_at_price: Any
    quantity: Any


@dataclass
class ProductView:
    product_id: str
    title: str | None
    description: str | None
    is_html: bool
    product_type: str | None
    category: str | None
    currency: str | None
    variants: list[VariantView] = field(default_factory=list)


def text(value: Any) -> str | None:
    """A trimmed string, or None for empty/missing values."""
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def obj(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``data[key]`` as a mapping ({} when missing or null); DataError for another type."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(f"'{key}' is not an object")
    return value


def items(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The elements of a list, or of a connection's ``nodes`` / ``edges[].node``."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, Mapping):
        if isinstance(value.get("nodes"), list):
            value = value["nodes"]
        elif isinstance(value.get("edges"), list):
            value = [edge.get("node") for edge in value["edges"] if isinstance(edge, Mapping)]
        else:
            raise DataError(f"'{key}' is neither a list nor a connection")
    if not isinstance(value, list):
        raise DataError(f"'{key}' is not a list")
    return [item for item in value if isinstance(item, Mapping)]


def is_graphql(payload: Mapping[str, Any]) -> bool:
    """Whether ``payload`` is a GraphQL node (global id, camelCase) rather than a REST body."""
    return isinstance(payload.get("id"), str) and payload["id"].startswith("gid://") \
        and "admin_graphql_api_id" not in payload


def _bag(data: Mapping[str, Any], key: str) -> tuple[Any, str | None]:
    """``(amount, currency)`` of a GraphQL MoneyBag's ``shopMoney``."""
    money = obj(obj(data, key), "shopMoney")
    return money.get("amount"), text(money.get("currencyCode"))


def _set(data: Mapping[str, Any], key: str, *fallbacks: str) -> Any:
    """A REST ``*_set``'s ``shop_money.amount``, else the first present plain field."""
    money = obj(obj(data, key), "shop_money")
    if money.get("amount") not in (None, ""):
        return money.get("amount")
    for name in fallbacks:
        if data.get(name) not in (None, ""):
            return data.get(name)
    return None


# --- addresses -----------------------------------------------------------------

def _address(data: Mapping[str, Any], graphql: bool) -> dict[str, Any] | None:
    if not data:
        return None
    if graphql:
        keys = {"first_name": "firstName", "last_name": "lastName", "name": "name",
                "company": "company", "address1": "address1", "address2": "address2",
                "city": "city", "province_code": "provinceCode", "province": "province",
                "zip": "zip", "country_code": "countryCodeV2", "country": "country",
                "phone": "phone"}
    else:
        keys = {k: k for k in ("first_name", "last_name", "name", "company", "address1", "address2",
                               "city", "province_code", "province", "zip", "country_code",
                               "country", "phone")}
    out = {ours: text(data.get(theirs)) for ours, theirs in keys.items()}
    return out if any(out.values()) else None


# --- orders ----------------------------------------------------------------------

def _graphql_order(p: Mapping[str, Any]) -> OrderView:
    customer_data = obj(p, "customer")
    customer = None
    if customer_data:
        customer = PersonView(
            platform_id=legacy_id(customer_data.get("id")),
            first_name=text(customer_data.get("firstName")),
            last_name=text(customer_data.get("lastName")),
            email=text(obj(customer_data, "defaultEmailAddress").get("emailAddress")),
            phone=text(obj(customer_data, "defaultPhoneNumber").get("phoneNumber")))
    total, currency = _bag(p, "currentTotalPriceSet")
    lines = []
    for line in items(p, "lineItems"):
        quantity = line.get("currentQuantity")
        lines.append(LineView(
            platform_line_id=legacy_id(line.get("id")),
            product_id=legacy_id(obj(line, "product").get("id")),
            variant_id=legacy_id(obj(line, "variant").get("id")),
            sku=text(line.get("sku")),
            name=text(line.get("name")) or text(line.get("title")),
            quantity=line.get("quantity") if quantity is None else quantity,
            unit_price=_bag(line, "originalUnitPriceSet")[0],
            discount=_bag(line, "totalDiscountSet")[0]))
    financial = text(p.get("displayFinancialStatus"))
    return OrderView(
        order_id=legacy_id(p.get("legacyResourceId")) or legacy_id(p.get("id")) or "",
        number=text(p.get("name")),
        created_at=p.get("createdAt"),
        updated_at=p.get("updatedAt") or p.get("createdAt"),
        cancelled=bool(p.get("cancelledAt")),
        financial=financial.lower() if financial else None,
        fulfillment=FULFILLMENT.get(str(p.get("displayFulfillmentStatus")), "unfulfilled"),
        currency=text(p.get("currencyCode")) or currency,
        email=text(p.get("email")),
        phone=text(p.get("phone")),
        customer=customer,
        customer_redacted=bool(obj(p, EXTRA).get("customer_redacted")),
        shipping_address=_address(obj(p, "shippingAddress"), graphql=True),
        billing_address=_address(obj(p, "billingAddress"), graphql=True),
        shipping_title=text(obj(p, "shippingLine").get("title")),
        subtotal=_bag(p, "currentSubtotalPriceSet")[0],
        discounts=_bag(p, "currentTotalDiscountsSet")[0],
        tax=_bag(p, "currentTotalTaxSet")[0],
        total=total,
        shipping_cost=_bag(p, "currentShippingPriceSet")[0],
        lines=lines,
    )


def _rest_order(p: Mapping[str, Any]) -> OrderView:
    customer_data = obj(p, "customer")
    customer = None
    if customer_data:
        customer = PersonView(
            platform_id=legacy_id(customer_data.get("admin_graphql_api_id"))
            or legacy_id(customer_data.get("id")),
            first_name=text(customer_data.get("first_name")),
            last_name=text(customer_data.get("last_name")),
            email=text(customer_data.get("email")),
            phone=text(customer_data.get("phone")))
    lines = []
    for line in items(p, "line_items"):
        quantity = line.get("current_quantity")
        lines.append(LineView(
            platform_line_id=legacy_id(line.get("admin_graphql_api_id"))
            or legacy_id(line.get("id")),
            product_id=legacy_id(line.get("product_id")),
            variant_id=legacy_id(line.get("variant_id")),
            sku=text(line.get("sku")),
            name=text(line.get("name")) or text(line.get("title")),
            quantity=line.get("quantity") if quantity is None else quantity,
            unit_price=_set(line, "price_set", "price"),
            discount=_set(line, "total_discount_set", "total_discount")))
    shipping_lines = [s for s in items(p, "shipping_lines") if not s.get("is_removed")]
    financial = text(p.get("financial_status"))
    return OrderView(
        order_id=legacy_id(p.get("admin_graphql_api_id")) or legacy_id(p.get("id")) or "",
        number=text(p.get("name")),
        created_at=p.get("created_at"),
        updated_at=p.get("updated_at") or p.get("created_at"),
        cancelled=bool(p.get("cancelled_at")),
        financial=financial.lower() if financial else None,
        fulfillment=FULFILLMENT.get(str(p.get("fulfillment_status")), "unfulfilled"),
        currency=text(p.get("currency")),
        email=text(p.get("email")) or text(p.get("contact_email")),
        phone=text(p.get("phone")),
        customer=customer,
        customer_redacted=bool(obj(p, EXTRA).get("customer_redacted")),
        shipping_address=_address(obj(p, "shipping_address"), graphql=False),
        billing_address=_address(obj(p, "billing_address"), graphql=False),
        shipping_title=text(shipping_lines[0].get("title")) if shipping_lines else None,
        subtotal=_set(p, "current_subtotal_price_set", "current_subtotal_price",
                      "subtotal_price"),
        discounts=_set(p, "current_total_discounts_set", "current_total_discounts",
                       "total_discounts"),
        tax=_set(p, "current_total_tax_set", "current_total_tax", "total_tax"),
        total=_set(p, "current_total_price_set", "current_total_price", "total_price"),
        shipping_cost=_set(p, "current_shipping_price_set")
        or _set(p, "total_shipping_price_set"),
        lines=lines,
    )


def order_view(payload: Mapping[str, Any]) -> OrderView:
    """Read a GraphQL order node or a REST/webhook order body."""
    return _graphql_order(payload) if is_graphql(payload) else _rest_order(payload)


# --- products ----------------------------------------------------------------------

def _graphql_product(p: Mapping[str, Any]) -> ProductView:
    variants = [VariantView(
        variant_id=legacy_id(v.get("legacyResourceId")) or legacy_id(v.get("id")) or "",
        title=text(v.get("title")), sku=text(v.get("sku")), barcode=text(v.get("barcode")),
        price=v.get("price"), compare_at_price=v.get("compareAtPrice"),
        quantity=v.get("inventoryQuantity")) for v in items(p, "variants")]
    return ProductView(
        product_id=legacy_id(p.get("legacyResourceId")) or legacy_id(p.get("id")) or "",
        title=text(p.get("title")), description=text(p.get("description")), is_html=False,
        product_type=text(p.get("productType")), category=text(obj(p, "category").get("name")),
        currency=text(obj(p, EXTRA).get("currency")), variants=variants)


def _rest_product(p: Mapping[str, Any]) -> ProductView:
    variants = [VariantView(
        variant_id=legacy_id(v.get("admin_graphql_api_id")) or legacy_id(v.get("id")) or "",
        title=text(v.get("title")), sku=text(v.get("sku")), barcode=text(v.get("barcode")),
        price=v.get("price"), compare_at_price=v.get("compare_at_price"),
        quantity=v.get("inventory_quantity")) for v in items(p, "variants")]
    return ProductView(
        product_id=legacy_id(p.get("admin_graphql_api_id")) or legacy_id(p.get("id")) or "",
        title=text(p.get("title")), description=text(p.get("body_html")), is_html=True,
        product_type=text(p.get("product_type")), category=text(obj(p, "category").get("name")),
        currency=text(obj(p, EXTRA).get("currency")), variants=variants)


def product_view(payload: Mapping[str, Any]) -> ProductView:
    """Read a GraphQL product node or a REST/webhook product body."""
    return _graphql_product(payload) if is_graphql(payload) else _rest_product(payload)
