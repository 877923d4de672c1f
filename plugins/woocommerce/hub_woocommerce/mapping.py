"""WooCommerce payloads -> the hub's canonical orders and products.

Money comes from the platform's strings through :func:`hub.parse_decimal`
(never through a float); the ``*_gmt`` datetimes carry no offset and are UTC
by definition. Line names are HTML-unescaped (the API sends ``&ndash;``).

Product payloads may carry a ``_hub`` object that ``fetch_products`` adds,
because :func:`map_product` cannot make requests: ``variations`` (the
``/products/{id}/variations`` items), ``categories`` (``id``, ``name``,
``parent`` of the product's categories and their ancestors) and ``currency``
(the store's currency code).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from hub import (
    Address,
    Customer,
    DataError,
    Money,
    Order,
    OrderPeek,
    Product,
    Variant,
    parse_datetime,
    parse_decimal,
)
from hub_woocommerce.categories import CategoryTree, pick_category

EXTRA = "_hub"
"""The key ``fetch_products`` adds to product payloads (see the module docstring)."""

_TAGS = re.compile(r"<[^>]+>")
_MAX_UNIT_DECIMALS = 6


def _text(value: Any) -> str | None:
    """A trimmed string, or None for empty/missing values."""
    if value.__class__ is str:  # the usual case, without the str() call
        return value.strip() or None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _name(value: Any) -> str | None:
    text = _text(value)
    return html.unescape(text) if text else None


def _id(value: Any) -> str | None:
    """A platform id as text; ``0``/empty (WooCommerce's "none") become None."""
    if value in (None, "", 0, "0"):
        return None
    return str(value)


def _object(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(f"'{key}' is not an object")
    return value


def _list(payload: Mapping[str, Any], key: str) -> list[Any]:
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(f"'{key}' is not a list")
    return value


def _address(data: Mapping[str, Any], phone: str | None = None) -> dict[str, str | None] | None:
    """The fields of :func:`address` as plain data (None when every field is empty).

    The Brazilian Market plugin keeps the house ``number`` and the ``neighborhood`` (bairro)
    out of ``address_1``/``address_2``, in fields of their own that it adds to the REST
    order's ``billing`` and ``shipping`` (see :func:`_document`): they join the first and the
    second line, as the other plugins' addresses hold them. A plain store has neither.
    """
    name = " ".join(p for p in (_text(data.get("first_name")), _text(data.get("last_name"))) if p)
    line1 = _text(data.get("address_1"))
    line2 = _text(data.get("address_2"))
    number, neighborhood = _text(data.get("number")), _text(data.get("neighborhood"))
    if number:
        line1 = f"{line1} {number}" if line1 else number
    if neighborhood:
        line2 = f"{line2}, {neighborhood}" if line2 else neighborhood
    fields = {
        "name": name or None,
        "company": _text(data.get("company")),
        "line1": line1,
        "line2": line2,
        "city": _text(data.get("city")),
        "state": _text(data.get("state")),
        "postcode": _text(data.get("postcode")),
        "country": _text(data.get("country")),
        "phone": phone if phone is not None else _text(data.get("phone")),
    }
    return fields if any(fields.values()) else None


def address(data: Mapping[str, Any], phone: str | None = None) -> Address | None:
    """A billing/shipping object as an :class:`hub.Address` (None when every field is empty)."""
    fields = _address(data, phone)
    return Address(**fields) if fields else None


def _customer(payload: Mapping[str, Any],
              billing_address: dict[str, str | None] | None = None) -> dict[str, Any] | None:
    """The fields of :func:`customer` as plain data.

    :param billing_address: ``_address(billing)`` when the caller has it already (the
        customer's address is the same with the customer's phone).
    """
    billing = _object(payload, "billing")
    shipping = _object(payload, "shipping")
    first, last = _text(billing.get("first_name")), _text(billing.get("last_name"))
    email = _text(billing.get("email"))
    billing_phone = _text(billing.get("phone"))
    phone = billing_phone or _text(shipping.get("phone"))
    if not (first or last or email or phone):
        return None
    if billing_address is None or phone != billing_phone:
        address = _address(billing, phone)
    else:  # _address(billing, phone) gives the same fields when the phone is billing's own
        address = billing_address
    return {"platform_id": _id(payload.get("customer_id")), "first_name": first,
            "last_name": last, "email": email, "phone": phone, "document": _document(billing),
            "address": address}


def _document(billing: Mapping[str, Any]) -> str | None:
    """The CPF/CNPJ the Brazilian Market plugin (Extra Checkout Fields for Brazil) adds to
    the REST order's ``billing`` (``cpf``, ``cnpj``, ``persontype`` ``F``/``J``, from its
    protected ``_billing_cpf``/``_billing_cnpj`` meta, which ``meta_data`` never lists).
    A plain store has none of them: None."""
    cpf, cnpj = _text(billing.get("cpf")), _text(billing.get("cnpj"))
    return (cnpj or cpf) if billing.get("persontype") == "J" else (cpf or cnpj)


def customer(payload: Mapping[str, Any]) -> Customer | None:
    """The buyer: billing name and email, phone from billing else shipping.

    ``None`` when the order names nobody and gives no email and no phone: the
    core then skips it with "no customer".
    """
    fields = _customer(payload)
    return Customer.model_validate(fields) if fields else None


def unit_price(item: Mapping[str, Any], quantity: Decimal) -> Decimal:
    """A line's unit price.

    ``subtotal / quantity`` (before coupons) when that division is exact, from
    the platform's own strings; otherwise the ``price`` number the API sends
    (``total / quantity``, after coupons), read through ``str`` so ``0.1``
    stays ``0.1``; without one, ``subtotal / quantity`` to six decimals.
    """
    subtotal = item.get("subtotal")
    division: Decimal | None = None
    if subtotal not in (None, "") and quantity:
        total = parse_decimal(subtotal, field="line subtotal")
        division = total / quantity
        exponent = division.as_tuple().exponent
        if (division * quantity == total and isinstance(exponent, int)
                and exponent >= -_MAX_UNIT_DECIMALS):
            return division
    if item.get("price") not in (None, ""):
        return parse_decimal(item.get("price"), field="line price")
    if division is not None:
        return division.quantize(Decimal(1).scaleb(-_MAX_UNIT_DECIMALS))
    raise DataError(f"line {item.get('id')}: neither a subtotal nor a price")


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def _line(item: Any, currency: str) -> dict[str, Any]:
    """One ``line_items`` entry as the data of an :class:`hub.OrderLine`."""
    if not isinstance(item, Mapping):
        raise DataError("a line item is not an object")
    quantity = parse_decimal(item.get("quantity"), field="line quantity")
    name = _name(item.get("name")) or _text(item.get("sku")) or f"product {item.get('product_id')}"
    return {
        "platform_line_id": _id(item.get("id")),
        "platform_product_id": _id(item.get("product_id")),
        "platform_variant_id": _id(item.get("variation_id")),
        "sku": _text(item.get("sku")),
        "name": name,
        "quantity": quantity,
        "unit_price": _money(unit_price(item, quantity), currency),
        "total": _money(parse_decimal(item.get("total"), field="line total"), currency),
        "tax": _money(parse_decimal(item.get("total_tax"), field="line total_tax"), currency),
    }


def _delivery(payload: Mapping[str, Any], shipping: dict[str, Any] | None,
              cost: dict[str, Any]) -> dict[str, Any] | None:
    titles = [_name(line.get("method_title")) for line in _list(payload, "shipping_lines")
              if isinstance(line, Mapping)]
    service = " + ".join(t for t in titles if t) or None
    if service is None and shipping is None:
        return None
    return {"service": service, "cost": cost, "address": shipping}


def parse_order(payload: Mapping[str, Any]) -> Order:
    """A WooCommerce order (REST ``/orders`` item or webhook body) as a canonical :class:`hub.Order`.

    :raises hub.DataError: the payload is not a WooCommerce order (the message
        names the order id and the field).
    """
    if not isinstance(payload, Mapping):
        raise DataError("order payload is not a JSON object")
    order_id = payload.get("id")
    if isinstance(order_id, bool) or not isinstance(order_id, int | str) or not str(order_id):
        raise DataError("order payload has no id")
    try:
        return _order(payload, str(order_id))
    except DataError as exc:
        raise DataError(f"WooCommerce order {order_id}: {exc.message}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise DataError(f"WooCommerce order {order_id}: {where}: {first.get('msg')}") from None


def peek_order(payload: Any) -> OrderPeek | None:
    """The id and status :func:`parse_order` would give, read without parsing the rest."""
    if not isinstance(payload, Mapping):
        return None
    order_id, status = payload.get("id"), _text(payload.get("status"))
    if isinstance(order_id, bool) or not isinstance(order_id, int | str) or not str(order_id) \
            or status is None:
        return None
    return OrderPeek(str(order_id), status)


def _order(payload: Mapping[str, Any], order_id: str) -> Order:
    """The canonical order, built as plain data and validated once (one pydantic call per order)."""
    currency = _text(payload.get("currency"))
    if currency is None or len(currency) != 3:
        raise DataError(f"currency {payload.get('currency')!r} is not an ISO 4217 code")
    created = parse_datetime(payload.get("date_created_gmt"), field="date_created_gmt",
                             assume_utc=True)
    modified = payload.get("date_modified_gmt")
    updated = (parse_datetime(modified, field="date_modified_gmt", assume_utc=True)
               if modified else created)
    status = _text(payload.get("status"))
    if status is None:
        raise DataError("order has no status")

    def money(key: str) -> dict[str, Any]:
        return _money(parse_decimal(payload.get(key), field=key), currency)

    items = _list(payload, "line_items")
    lines = [_line(item, currency) for item in items]
    shipping = _address(_object(payload, "shipping"))
    billing = _address(_object(payload, "billing"))
    shipping_total = money("shipping_total")
    subtotal = sum((parse_decimal(item.get("subtotal"), field="line subtotal") for item in items),
                   Decimal("0"))
    return Order.model_validate({
        "platform_order_id": order_id,
        "number": _text(payload.get("number")) or order_id,
        "status": status,
        "created_at": created,
        "updated_at": updated,
        "currency": currency.upper(),
        "customer": _customer(payload, billing),
        "billing_address": billing,
        "shipping_address": shipping,
        "lines": lines,
        "subtotal": _money(subtotal, currency),
        "shipping_total": shipping_total,
        "discount_total": money("discount_total"),
        "tax_total": money("total_tax"),
        "total": money("total"),
        "delivery": _delivery(payload, shipping, shipping_total),
        "raw": dict(payload),
    })


# --- products --------------------------------------------------------------------

def _description(payload: Mapping[str, Any]) -> str | None:
    text = _text(payload.get("short_description")) or _text(payload.get("description"))
    if text is None:
        return None
    return _text(html.unescape(_TAGS.sub(" ", text)).replace("\xa0", " "))


def _price(value: Any, currency: str | None, field: str) -> Money | None:
    if currency is None or value in (None, ""):
        return None
    return Money(amount=parse_decimal(value, field=field), currency=currency)


def _stock(payload: Mapping[str, Any]) -> Decimal | None:
    quantity = payload.get("stock_quantity")
    if not payload.get("manage_stock") or quantity is None:
        return None
    return parse_decimal(quantity, field="stock_quantity")


def _variant(item: Mapping[str, Any], parent_name: str, currency: str | None) -> Variant:
    options = [str(a.get("option")) for a in item.get("attributes") or []
               if isinstance(a, Mapping) and a.get("option")]
    name = _name(item.get("name")) or " - ".join([parent_name, ", ".join(options)]).strip(" -")
    return Variant(
        platform_variant_id=str(item["id"]),
        sku=_text(item.get("sku")),
        name=name or None,
        price=_price(item.get("regular_price") or item.get("price"), currency,
                     "variation regular_price"),
        quantity=_stock(item),
        barcode=_text(item.get("global_unique_id")),
    )


def map_product(payload: Mapping[str, Any], currency: str | None = None) -> Product:
    """A WooCommerce product (simple or variable, with ``_hub`` extras) as a :class:`hub.Product`.

    SKU -> ``sku``; product id -> ``platform_product_id`` (the hub's code);
    category by the seed-001 rule (:func:`hub_woocommerce.categories.pick_category`);
    price = ``regular_price``; quantity = ``stock_quantity`` when stock is managed.

    :param currency: the store's currency; defaults to ``_hub.currency``. Without
        one, prices are left out (a product payload does not name its currency).
    :raises hub.DataError: the payload is not a WooCommerce product.
    """
    if not isinstance(payload, Mapping) or payload.get("id") in (None, ""):
        raise DataError("product payload has no id")
    product_id = str(payload["id"])
    try:
        extra = _object(payload, EXTRA)
        currency = currency or _text(extra.get("currency"))
        name = _name(payload.get("name")) or _text(payload.get("sku")) or f"product {product_id}"
        tree = CategoryTree.from_payloads(extra.get("categories") or []) if extra else None
        variations = [v for v in extra.get("variations") or [] if isinstance(v, Mapping)]
        return Product(
            platform_product_id=product_id,
            sku=_text(payload.get("sku")),
            name=name,
            description=_description(payload),
            category=pick_category(_list(payload, "categories"), tree),
            price=_price(payload.get("regular_price") or payload.get("price"), currency,
                         "regular_price"),
            quantity=_stock(payload),
            barcode=_text(payload.get("global_unique_id")),
            variants=[_variant(v, name, currency) for v in variations],
            updated_at=parse_datetime(payload["date_modified_gmt"], field="date_modified_gmt",
                                      assume_utc=True) if payload.get("date_modified_gmt") else None,
            raw=dict(payload),
        )
    except (DataError, KeyError, TypeError, ValueError) as exc:
        detail = exc.message if isinstance(exc, DataError) else str(exc)
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            detail = f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
        raise DataError(f"WooCommerce product {product_id}: {detail}") from None
