"""SkyHub payloads as canonical hub types.

An order (``GET /queues/orders``, ``GET /orders``, ``GET /orders/{code}`` all serve the same
shape) is read as SkyHub documents it: ``code`` (``"Lojas Americanas-1517940500554-01"``: the
channel, a dash, the marketplace's number), ``channel``, ``placed_at``/``updated_at`` (ISO 8601
with offset), ``status.code``, ``total_ordered``, ``shipping_cost``, ``interest``, ``discount``
(not in every documented sample: zero when absent), ``customer`` (``name``, ``email``,
``vat_number``, ``phones``), ``billing_address``/``shipping_address`` (``full_name``,
``street``, ``number``, ``detail``, ``neighborhood``, ``city``, ``region``, ``postcode``,
``country``, ``phone``) and ``items`` (``id``: the SKU sold, ``product_id``, ``name``, ``qty``,
``original_price``, ``special_price``: the unit price paid). Amounts are JSON numbers in the
marketplace's currency (reais); SkyHub's order carries no currency field.
"""

from __future__ import annotations

from decimal import Decimal
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


def object_of(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def status_of(payload: dict[str, Any]) -> str:
    """The order's status code (``status.code``; a bare string is accepted too)."""
    status = payload.get("status")
    code = object_of(status).get("code") if isinstance(status, dict) else status
    text = _text(code)
    if text is None:
        raise DataError(f"SkyHub order {payload.get('code')!r} has no status code")
    return text


def code_of(payload: dict[str, Any]) -> str:
    """The order's code, SkyHub's key for it."""
    code = _text(payload.get("code"))
    if code is None:
        raise DataError("a SkyHub order has no code")
    return code


def peek_order(payload: dict[str, Any]) -> OrderPeek | None:
    """Code and status, read exactly as :func:`parse_order` reads them."""
    try:
        return OrderPeek(code_of(payload), status_of(payload))
    except DataError:
        return None


def _address(value: Any, phone: str | None = None) -> Address | None:
    data = object_of(value)
    if not data:
        return None
    street = " ".join(p for p in (_text(data.get("street")), _text(data.get("number"))) if p)
    extra = ", ".join(p for p in (_text(data.get("detail")) or _text(data.get("complement")),
                                  _text(data.get("neighborhood"))) if p)
    return Address(name=_text(data.get("full_name")), line1=street or None, line2=extra or None,
                   city=_text(data.get("city")), state=_text(data.get("region")),
                   postcode=_text(data.get("postcode")), country=_text(data.get("country")) or "BR",
                   phone=_text(data.get("phone")) or phone)


def _money(value: Any, currency: str, field: str) -> Money:
    return Money(amount=parse_decimal(value, field=field), currency=currency)


def _customer(payload: dict[str, Any], shipping: Address | None) -> Customer:
    data = object_of(payload.get("customer"))
    name = _text(data.get("name")) or ""
    first, _, last = name.partition(" ")
    phones = [p for p in (_text(x) for x in (data.get("phones") or [])) if p]
    phone = phones[0] if phones else (shipping.phone if shipping else None)
    return Customer(platform_id=_text(data.get("vat_number")), first_name=first or None,
                    last_name=last.strip() or None, email=_text(data.get("email")), phone=phone,
                    document=_text(data.get("vat_number")), address=shipping)


def _line(item: Any, currency: str, code: str) -> OrderLine:
    data = object_of(item)
    sku = _text(data.get("id"))
    if sku is None:
        raise DataError(f"SkyHub order {code}: an item has no id (SKU)")
    quantity = parse_decimal(data.get("qty"), field=f"{code} item {sku} qty")
    if quantity <= 0:
        raise DataError(f"SkyHub order {code}: item {sku} has quantity {quantity}")
    unit = parse_decimal(data.get("special_price"), field=f"{code} item {sku} special_price")
    return OrderLine(platform_line_id=sku, platform_product_id=_text(data.get("product_id")),
                     platform_variant_id=sku, sku=sku, name=_text(data.get("name")) or sku,
                     quantity=quantity, unit_price=Money(amount=unit, currency=currency),
                     total=Money(amount=unit * quantity, currency=currency))


def parse_order(payload: dict[str, Any], currency: str) -> Order:
    """A SkyHub order as a canonical order (amounts exact; SkyHub prices include taxes)."""
    code = code_of(payload)
    status = status_of(payload)
    items = payload.get("items")
    if not isinstance(items, list) or not items:
        raise DataError(f"SkyHub order {code} has no items")
    lines = [_line(item, currency, code) for item in items]
    shipping = _address(payload.get("shipping_address"))
    billing = _address(payload.get("billing_address"))
    subtotal = sum((line.total.amount for line in lines if line.total), Decimal("0"))
    shipping_cost = _money(payload.get("shipping_cost"), currency, f"{code} shipping_cost")
    discount = _money(payload.get("discount"), currency, f"{code} discount")
    created = parse_datetime(payload.get("placed_at"), field=f"{code} placed_at")
    updated_at = payload.get("updated_at")
    updated = parse_datetime(updated_at, field=f"{code} updated_at") if updated_at else created
    _, _, number = code.partition("-")
    return Order(
        platform_order_id=code, number=number or code, status=status, created_at=created,
        updated_at=max(updated, created), currency=currency,
        customer=_customer(payload, shipping), billing_address=billing, shipping_address=shipping,
        lines=lines, subtotal=Money(amount=subtotal, currency=currency),
        shipping_total=shipping_cost, discount_total=discount,
        tax_total=Money(amount=Decimal("0"), currency=currency),
        total=_money(payload.get("total_ordered"), currency, f"{code} total_ordered"),
        delivery=Delivery(service=_text(payload.get("shipping_method")), cost=shipping_cost,
                          address=shipping),
        flags=[f"channel:{payload['channel']}"] if _text(payload.get("channel")) else [],
        raw=payload,
    )


def map_product(payload: dict[str, Any], currency: str) -> Product:
    """A SkyHub product (``sku``, ``name``, ``qty``, ``price``, ``promotional_price``, ``ean``,
    ``variations`` with their own ``sku``/``qty``/``ean``) as a canonical product; the product
    id is its SKU, SkyHub's key for it."""
    sku = _text(payload.get("sku"))
    if sku is None:
        raise DataError("a SkyHub product has no sku")

    def price(data: dict[str, Any]) -> Money | None:
        value = data.get("promotional_price") or data.get("price")
        return Money(amount=parse_decimal(value, field=f"product {sku} price"),
                     currency=currency) if value not in (None, "") else None

    variants = []
    for raw in payload.get("variations") or []:
        data = object_of(raw)
        vsku = _text(data.get("sku"))
        if vsku is None:
            continue
        variants.append(Variant(platform_variant_id=vsku, sku=vsku, price=price(data) or price(payload),
                                quantity=parse_decimal(data.get("qty"), field=f"variation {vsku} qty"),
                                barcode=_text(data.get("ean"))))
    return Product(platform_product_id=sku, sku=None if variants else sku,
                   name=_text(payload.get("name")) or sku,
                   description=_text(payload.get("description")), price=price(payload),
                   quantity=None if variants else parse_decimal(payload.get("qty"),
                                                                field=f"product {sku} qty"),
                   barcode=_text(payload.get("ean")), variants=variants, raw=payload)
