"""Shopify orders and products -> the hub's canonical types (one mapping for both shapes).

* Status: ``cancelled`` when cancelled, else ``<financial>/<fulfillment>``
  (see :mod:`hub_shopify.info`).
* Customer: the order's customer, e-mail and phone (the order's own contact
  fields first, then the customer's, then the addresses' phones) and the
  billing address (seed 001: Shopify transfers the customer's address). When
  Shopify withholds customer data (plans without protected customer data
  access), the order is imported with an *unspecified* customer (seed 001:
  "Not specified") instead of failing the contact-data rule.
* Lines: SKU, variant and product ids (numeric, from the gids), the current
  quantity (after edits), the original unit price, and a line total net of the
  line's discounts. Lines whose current quantity is 0 were removed by an edit.
* Delivery: the shipping line's title, the shipping cost and the shipping
  address, which the core turns into an event-feed comment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from hub import (
    Address,
    Customer,
    DataError,
    Delivery,
    Money,
    Order,
    OrderLine,
    Product,
    Variant,
    parse_datetime,
    parse_decimal,
)
from hub_shopify.info import CANCELLED
from hub_shopify.views import LineView, OrderView, PersonView, order_view, product_view, text

REDACTED_FLAG = "customer data withheld by Shopify (protected customer data)"
DEFAULT_VARIANT = "Default Title"
_TAGS = re.compile(r"<[^>]+>")


def status(view: OrderView) -> str:
    """The canonical status: ``cancelled`` or ``<financial>/<fulfillment>``."""
    if view.cancelled:
        return CANCELLED
    return f"{view.financial or 'pending'}/{view.fulfillment}"


def address(data: Mapping[str, Any] | None) -> Address | None:
    """A view address as an :class:`hub.Address` (codes preferred to names)."""
    if not data:
        return None
    name = data.get("name") or " ".join(
        p for p in (data.get("first_name"), data.get("last_name")) if p) or None
    return Address(name=name, company=data.get("company"), line1=data.get("address1"),
                   line2=data.get("address2"), city=data.get("city"),
                   state=data.get("province_code") or data.get("province"),
                   postcode=data.get("zip"),
                   country=data.get("country_code") or data.get("country"),
                   phone=data.get("phone"))


def customer(view: OrderView) -> Customer | None:
    """The buyer, an *unspecified* one when Shopify withheld the data, or None for nobody."""
    person = view.customer or PersonView()
    billing = view.billing_address or {}
    shipping = view.shipping_address or {}
    first = person.first_name or billing.get("first_name") or shipping.get("first_name")
    last = person.last_name or billing.get("last_name") or shipping.get("last_name")
    email = view.email or person.email
    phone = view.phone or person.phone or billing.get("phone") or shipping.get("phone")
    known = any((first, last, email, phone, billing, shipping))
    # Withheld: the query was denied the fields, or a customer exists whose every personal
    # field came back empty (what webhook bodies carry on plans without access).
    if view.customer_redacted or (view.customer is not None and not known):
        return Customer(unspecified=True, flags=[REDACTED_FLAG])
    if not known and view.customer is None:
        return None
    return Customer(platform_id=person.platform_id, first_name=first, last_name=last,
                    email=email, phone=phone,
                    address=address(view.billing_address or view.shipping_address))


def _money(value: Any, currency: str, field: str) -> Money:
    return Money(amount=parse_decimal(value, field=field), currency=currency)


def _line(line: LineView, currency: str) -> OrderLine | None:
    quantity = parse_decimal(line.quantity, field="line quantity")
    if quantity <= 0:
        return None
    unit = parse_decimal(line.unit_price, field="line unit price")
    discount = parse_decimal(line.discount, field="line discount")
    return OrderLine(platform_line_id=line.platform_line_id, platform_product_id=line.product_id,
                     platform_variant_id=line.variant_id, sku=line.sku,
                     name=line.name or line.sku or f"product {line.product_id}",
                     quantity=quantity, unit_price=Money(amount=unit, currency=currency),
                     total=Money(amount=unit * quantity - discount, currency=currency))


def _order(view: OrderView, payload: Mapping[str, Any]) -> Order:
    currency = view.currency
    if currency is None or len(currency) != 3:
        raise DataError(f"currency {currency!r} is not an ISO 4217 code")
    currency = currency.upper()
    lines = [line for line in (_line(item, currency) for item in view.lines) if line]
    shipping = address(view.shipping_address)
    shipping_cost = _money(view.shipping_cost, currency, "shipping price")
    delivery = None
    if view.shipping_title or shipping is not None:
        delivery = Delivery(service=view.shipping_title, cost=shipping_cost, address=shipping)
    return Order(
        platform_order_id=view.order_id,
        number=view.number or view.order_id,
        status=status(view),
        created_at=parse_datetime(view.created_at, field="created_at"),
        updated_at=parse_datetime(view.updated_at, field="updated_at"),
        currency=currency,
        customer=customer(view),
        billing_address=address(view.billing_address),
        shipping_address=shipping,
        lines=lines,
        subtotal=_money(view.subtotal, currency, "subtotal"),
        shipping_total=shipping_cost,
        discount_total=_money(view.discounts, currency, "discounts"),
        tax_total=_money(view.tax, currency, "tax"),
        total=_money(view.total, currency, "total"),
        delivery=delivery,
        raw=dict(payload),
    )


def parse_order(payload: Mapping[str, Any]) -> Order:
    """A GraphQL order node or a REST/webhook order body as a canonical :class:`hub.Order`.

    :raises hub.DataError: the payload is not a Shopify order (the message names
        the order and the field).
    """
    if not isinstance(payload, Mapping):
        raise DataError("order payload is not a JSON object")
    try:
        view = order_view(payload)
        if not view.order_id:
            raise DataError("order payload has no id")
        return _order(view, payload)
    except DataError as exc:
        raise DataError(f"Shopify order {_label(payload)}: {exc.message}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise DataError(f"Shopify order {_label(payload)}: {where}: {first.get('msg')}") from None


def _label(payload: Mapping[str, Any]) -> str:
    return str(payload.get("name") or payload.get("id") or "?")


# --- products ----------------------------------------------------------------------

def _updated(payload: Mapping[str, Any]) -> datetime | None:
    """When the shop last changed the product (GraphQL ``updatedAt``, REST ``updated_at``)."""
    value = payload.get("updatedAt") or payload.get("updated_at")
    return parse_datetime(value, field="updatedAt") if value else None


def _description(value: str | None, is_html: bool) -> str | None:
    if value is None or not is_html:
        return value
    return text(html.unescape(_TAGS.sub(" ", value)).replace("\xa0", " "))


def _price(value: Any, currency: str | None, field: str) -> Money | None:
    if currency is None or value in (None, ""):
        return None
    return Money(amount=parse_decimal(value, field=field), currency=currency)


def map_product(payload: Mapping[str, Any], currency: str | None = None) -> Product:
    """A GraphQL product node or REST/webhook product body as a :class:`hub.Product`.

    SKU -> ``sku`` (a product's SKU is its only variant's; a product with
    several variants is sold through them), numeric product id ->
    ``platform_product_id`` (the hub's code), ``productType`` (else the
    taxonomy category) -> ``category``. Prices need the shop's currency
    (``currency``, else the ``_hub.currency`` fetch_products adds).
    """
    if not isinstance(payload, Mapping):
        raise DataError("product payload is not a JSON object")
    try:
        view = product_view(payload)
        if not view.product_id:
            raise DataError("product payload has no id")
        money = (currency or view.currency or "").upper() or None
        variants = [Variant(
            platform_variant_id=v.variant_id, sku=v.sku,
            name=None if v.title in (None, DEFAULT_VARIANT) else v.title,
            price=_price(v.price, money, "variant price"),
            quantity=None if v.quantity is None else Decimal(int(v.quantity)),
            barcode=v.barcode) for v in view.variants if v.variant_id]
        single = variants[0] if len(variants) == 1 else None
        name = view.title or (single.sku if single else None) or f"product {view.product_id}"
        return Product(
            platform_product_id=view.product_id, sku=single.sku if single else None, name=name,
            description=_description(view.description, view.is_html),
            category=view.product_type or view.category,
            price=single.price if single else None,
            quantity=single.quantity if single else None,
            barcode=single.barcode if single else None,
            updated_at=_updated(payload),
            variants=variants, raw=dict(payload))
    except (DataError, ValidationError, TypeError, ValueError) as exc:
        detail = exc.message if isinstance(exc, DataError) else str(exc).splitlines()[0]
        raise DataError(f"Shopify product {payload.get('id')}: {detail}") from None
