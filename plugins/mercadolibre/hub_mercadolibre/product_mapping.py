"""Mercado Libre listings (items) as canonical products.

An item (``MLA…``) is a product; its ``variations`` are variants. The SKU is
the ``SELLER_SKU`` attribute (read with ``include_attributes=all``), else the
legacy ``seller_custom_field``, at item and at variation level; ``GTIN`` is the
barcode. Sellers on *user products* (tag ``user_product_seller``) have no
variations: every variant is its own item, carrying ``user_product_id`` and
``family_id``; each maps to its own product.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hub import DataError, Money, Product, Variant, parse_datetime, parse_decimal

SKU_ATTRIBUTE = "SELLER_SKU"
BARCODE_ATTRIBUTE = "GTIN"


def attribute(attributes: Any, attribute_id: str) -> str | None:
    """The ``value_name`` of attribute ``attribute_id`` in a list of attributes, or None."""
    for entry in attributes or []:
        if isinstance(entry, Mapping) and entry.get("id") == attribute_id:
            value = entry.get("value_name")
            return str(value) if value not in (None, "") else None
    return None


def sku_of(listing: Mapping[str, Any]) -> str | None:
    """An item's or variation's SKU: ``SELLER_SKU``, else ``seller_custom_field``."""
    value = attribute(listing.get("attributes"), SKU_ATTRIBUTE) or listing.get("seller_custom_field")
    return str(value) if value not in (None, "") else None


def variation_name(variation: Mapping[str, Any]) -> str | None:
    """``Color: Rojo / Talle: M`` from a variation's ``attribute_combinations``."""
    parts = [f"{c.get('name')}: {c.get('value_name')}"
             for c in variation.get("attribute_combinations") or [] if c.get("value_name")]
    return " / ".join(parts) or None


def _quantity(value: Any) -> Decimal | None:
    return None if value is None else parse_decimal(value, field="available_quantity")


def map_product(payload: Mapping[str, Any]) -> Product:
    """An item payload (``GET /items/{id}``, optionally with ``category_name``) as a product."""
    item_id = payload.get("id")
    if not item_id or not payload.get("title"):
        raise DataError(f"item {item_id}: no id or title")
    currency = str(payload.get("currency_id") or "")
    price = payload.get("price")
    money = (Money(amount=parse_decimal(price, field="price"), currency=currency)
             if price is not None and currency else None)
    variants = []
    for variation in payload.get("variations") or []:
        vprice = variation.get("price")
        variants.append(Variant(
            platform_variant_id=str(variation.get("id")), sku=sku_of(variation),
            name=variation_name(variation),
            price=Money(amount=parse_decimal(vprice, field="variation price"), currency=currency)
            if vprice is not None and currency else money,
            quantity=_quantity(variation.get("available_quantity")),
            barcode=attribute(variation.get("attributes"), BARCODE_ATTRIBUTE)))
    return Product(
        platform_product_id=str(item_id), sku=sku_of(payload), name=str(payload["title"]),
        category=payload.get("category_name") or payload.get("category_id") or None,
        price=money, quantity=_quantity(payload.get("available_quantity")),
        barcode=attribute(payload.get("attributes"), BARCODE_ATTRIBUTE),
        # when the seller last changed the item: the products flow's "newer change wins"
        updated_at=parse_datetime(payload["last_updated"], field="last_updated")
        if payload.get("last_updated") else None,
        variants=variants, raw=dict(payload))
