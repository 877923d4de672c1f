"""Tiendanube payloads as the hub's canonical types.

An order carries three statuses (resources/order.md of TiendaNube/api-docs, and
https://tiendanube.github.io/api-documentation/resources/order):

* ``status``: ``open``, ``closed``, ``cancelled``;
* ``payment_status``: ``authorized``, ``pending``, ``paid``, ``abandoned``,
  ``refunded``, ``voided``;
* ``shipping_status``: ``unpacked``, ``unfulfilled`` ("means unshipped") and
  ``fulfilled`` ("means shipped") in the property table and the listing's filter,
  while the documented answers of ``POST /orders/{id}/pack`` and ``/fulfill`` carry
  ``unshipped`` and ``shipped``. Both spellings are read.

The hub keeps one status per order, :func:`hub_status`, the first that applies of:
cancelled; refunded or voided; closed; fulfilled; packed; then the payment status
(``paid`` is what is ready to fulfil). Only ``unpacked`` (or no shipping status)
counts as not yet packed: any other value, documented or not (third-party tools
list ``partially_packed`` and ``partially_fulfilled``, which the official docs do
not), reads as packed, so a paid order whose handling may have begun is never
imported as new work. Money comes as decimal strings
and is read exactly.
"""

from __future__ import annotations

from typing import Any

from hub import (
    Address,
    Customer,
    DataError,
    Delivery,
    Money,
    Order,
    OrderLine,
    OrderPeek,
    Product,
    Variant,
    parse_datetime,
    parse_decimal,
)

#: ``shipping_status`` values: not yet packed; shipped (both documented spellings)
UNPACKED = frozenset({"unpacked"})
SHIPPED = frozenset({"shipped", "fulfilled"})
UNDONE = frozenset({"refunded", "voided"})


def hub_status(payload: dict[str, Any]) -> str:
    """The one status the hub keeps for an order (see the module's docstring)."""
    status = str(payload.get("status") or "open")
    payment = str(payload.get("payment_status") or "pending")
    shipping = str(payload.get("shipping_status") or "unpacked")
    if status == "cancelled":
        return "cancelled"
    if payment in UNDONE:
        return payment
    if status == "closed":
        return "closed"
    if shipping in SHIPPED:
        return "fulfilled"
    if shipping not in UNPACKED:
        return "packed"  # unshipped / unfulfilled, or a value the docs do not list
    return payment


def peek_order(payload: dict[str, Any]) -> OrderPeek | None:
    """Id and hub status, exactly what :func:`parse_order` gives."""
    if payload.get("id") in (None, ""):
        return None
    return OrderPeek(str(payload["id"]), hub_status(payload))


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value not in (None, "") else None


def _address(data: Any, fallback_name: str | None = None) -> Address | None:
    if not isinstance(data, dict) or not any(data.get(k) for k in ("address", "city", "zipcode")):
        return None
    street = " ".join(p for p in (_text(data.get("address")), _text(data.get("number"))) if p)
    extra = ", ".join(p for p in (_text(data.get("floor")), _text(data.get("locality"))) if p)
    return Address(name=_text(data.get("name")) or fallback_name, line1=street or None,
                   line2=extra or None, city=_text(data.get("city")),
                   state=_text(data.get("province")), postcode=_text(data.get("zipcode")),
                   country=_text(data.get("country")), phone=_text(data.get("phone")))


BILLING_FIELDS = ("name", "phone", "address", "number", "floor", "locality", "zipcode", "city",
                  "province", "country")


def billing_address(data: dict[str, Any], fallback_name: str | None = None) -> Address | None:
    """The flat ``billing_*`` fields an order or a customer carries, as one address."""
    return _address({k: data.get(f"billing_{k}") for k in BILLING_FIELDS}, fallback_name)


def customer_address(buyer: dict[str, Any]) -> Address | None:
    """A customer record's address: its ``default_address``, else its billing fields."""
    return _address(buyer.get("default_address"), _text(buyer.get("name"))) \
        or billing_address(buyer, _text(buyer.get("name")))


def map_customer(buyer: dict[str, Any]) -> Customer:
    """A ``/customers`` record (or an order's ``customer``) as a canonical customer."""
    first, last = _split(_text(buyer.get("name")))
    address = customer_address(buyer)
    return Customer(platform_id=_text(buyer.get("id")), first_name=first, last_name=last,
                    email=_text(buyer.get("email")),
                    phone=_text(buyer.get("phone")) or _text(buyer.get("billing_phone")),
                    document=_text(buyer.get("identification")), address=address)


def _split(name: str | None) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    first, _, last = name.strip().partition(" ")
    return first or None, last.strip() or None


def parse_order(payload: dict[str, Any]) -> Order:
    """A REST order payload (the listing's or ``GET /orders/{id}``'s) as a canonical order."""
    order_id = payload.get("id")
    if order_id in (None, ""):
        raise DataError("Tiendanube order without an id")
    currency = _text(payload.get("currency"))
    if currency is None or len(currency) != 3:
        raise DataError(f"Tiendanube order {order_id}: no currency")

    def money(value: Any, field: str) -> Money:
        return Money(amount=parse_decimal(value, field=f"order {order_id} {field}"),
                     currency=currency)

    found = payload.get("customer")
    buyer = map_customer(found) if isinstance(found, dict) else Customer()
    shipping_address = _address(payload.get("shipping_address"))
    name = _text(payload.get("billing_name")) or (shipping_address.name if shipping_address else None)
    billing = billing_address(payload, name)
    first, last = (buyer.first_name, buyer.last_name) if buyer.first_name else _split(name)
    customer = buyer.model_copy(update={  # the contact fields stand in for what the record lacks
        "first_name": first, "last_name": last,
        "email": buyer.email or _text(payload.get("contact_email")),
        "phone": buyer.phone or _text(payload.get("contact_phone")),
        "document": buyer.document or _text(payload.get("contact_identification")),
        "address": buyer.address or billing or shipping_address})
    lines = []
    for item in payload.get("products") or []:
        if not isinstance(item, dict):
            raise DataError(f"Tiendanube order {order_id}: a product line is not an object")
        lines.append(OrderLine(
            platform_line_id=_text(item.get("id")), platform_product_id=_text(item.get("product_id")),
            platform_variant_id=_text(item.get("variant_id")), sku=_text(item.get("sku")),
            name=_text(item.get("name")) or "?",
            quantity=parse_decimal(item.get("quantity"), field=f"order {order_id} quantity"),
            unit_price=money(item.get("price"), "price")))
    shipping = money(payload.get("shipping_cost_customer"), "shipping_cost_customer")
    # ``total`` today; the v1 page's examples name the same amount ``price``. An order with
    # neither is refused rather than imported as free (a missing amount reads as zero).
    total_field = next((f for f in ("total", "price") if payload.get(f) not in (None, "")), None)
    if total_field is None:
        raise DataError(f"Tiendanube order {order_id}: no total")
    return Order(
        platform_order_id=str(order_id), number=_text(payload.get("number")),
        status=hub_status(payload),
        created_at=parse_datetime(payload.get("created_at"), field=f"order {order_id} created_at"),
        updated_at=parse_datetime(payload.get("updated_at"), field=f"order {order_id} updated_at"),
        currency=currency, customer=customer, billing_address=billing,
        shipping_address=shipping_address,
        lines=lines, subtotal=money(payload.get("subtotal"), "subtotal"),
        shipping_total=shipping, discount_total=money(payload.get("discount"), "discount"),
        total=money(payload[total_field], total_field),
        delivery=Delivery(service=_text(payload.get("shipping_option")), cost=shipping,
                          address=shipping_address),
        raw=payload)


def _name(value: Any) -> str | None:
    """A product name: a plain string, or one per language (the store's first)."""
    if isinstance(value, dict):
        return next((str(v) for v in value.values() if v), None)
    return _text(value)


def map_product(payload: dict[str, Any], currency: str) -> Product:
    """A product with its variants (stock and price per variant)."""
    product_id = payload.get("id")
    if product_id in (None, ""):
        raise DataError("Tiendanube product without an id")
    variants = []
    for variant in payload.get("variants") or []:
        values = [_name(v) for v in variant.get("values") or []]
        price = variant.get("price")
        stock = variant.get("stock")
        variants.append(Variant(
            platform_variant_id=str(variant["id"]), sku=_text(variant.get("sku")),
            name=" / ".join(v for v in values if v) or None,
            price=None if price in (None, "") else Money(amount=parse_decimal(price),
                                                        currency=currency),
            quantity=None if stock is None else parse_decimal(stock),
            barcode=_text(variant.get("barcode"))))
    categories = [_name(c.get("name")) for c in payload.get("categories") or [] if isinstance(c, dict)]
    single = variants[0] if len(variants) == 1 else None
    updated = payload.get("updated_at")
    return Product(
        platform_product_id=str(product_id), sku=single.sku if single else None,
        name=_name(payload.get("name")) or f"product {product_id}",
        category=next((c for c in categories if c), None),
        price=single.price if single else None, quantity=single.quantity if single else None,
        barcode=single.barcode if single else None, variants=variants,
        updated_at=parse_datetime(updated) if updated else None, raw=payload)
