"""The sandbox seller's listings: plain items, items with variations, user-product items.

Shapes follow ``GET /items/{id}``: ``attributes`` with ``SELLER_SKU`` and
``GTIN``; ``variations`` with ``attribute_combinations`` and their own
``attributes`` (served only with ``include_attributes=all``); a legacy
``seller_custom_field`` on some listings; user-product sellers' items carry
``user_product_id`` and ``family_id`` and no variations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CATEGORIES = {
    "MLA1055": "Celulares y Smartphones",
    "MLA1430": "Ropa y Accesorios",
    "MLA109276": "Zapatillas",
    "MLA1574": "Hogar, Muebles y Jardín",
    "MLA407134": "Mates",
    "MLA3697": "Auriculares",
}

# (title, category, base price, SKU, how the SKU is given, variations)
PLAIN = [
    ("Mate de calabaza forrado", "MLA407134", "8999.90", "MATE-CAL", "attribute"),
    ("Termo acero inoxidable 1 L", "MLA1574", "45999.00", "TERMO-1L", "attribute"),
    ("Bombilla alpaca pico de loro", "MLA407134", "5499.50", "BOMB-ALP", "custom_field"),
    ("Auriculares bluetooth in-ear", "MLA3697", "32999.99", "AUR-BT", "attribute"),
    ("Cargador USB-C 20 W", "MLA1055", "12500.00", "CARG-20W", "attribute"),
    ("Lámpara LED de escritorio", "MLA1574", "27800.00", None, "none"),
]
WITH_VARIATIONS = [
    ("Remera algodón peinado", "MLA1430", "15999.00", "REM",
     [("Color", ["Negro", "Blanco"]), ("Talle", ["S", "M", "L"])]),
    ("Zapatillas running urbanas", "MLA109276", "89999.00", "ZAP",
     [("Talle", ["39", "40", "41", "42"])]),
    ("Funda para celular antigolpes", "MLA1055", "6999.00", "FUNDA",
     [("Modelo", ["A15", "A25", "S24"])]),
]
USER_PRODUCT_FAMILY = ("Campera inflable liviana", "MLA1430", "74999.00", "CAMP",
                       ["Negro", "Azul", "Verde"])


@dataclass
class Sellable:
    """One thing a buyer can order: an item, or one variation of it."""

    item_id: str
    title: str
    category_id: str
    price: float
    sku: str | None
    sku_in_custom_field: bool
    variation_id: int | None = None
    variation_attributes: list[dict[str, Any]] | None = None


def _attribute(attribute_id: str, name: str, value: str) -> dict[str, Any]:
    return {"id": attribute_id, "name": name, "value_id": None, "value_name": value,
            "values": [{"id": None, "name": value, "struct": None}], "value_type": "string"}


def _gtin(rng: random.Random) -> str:
    return "779" + "".join(str(rng.randrange(10)) for _ in range(10))


def _item(item_id: str, title: str, category: str, price: str, site_id: str, seller_id: int,
          created: str, currency: str) -> dict[str, Any]:
    return {
        "id": item_id, "site_id": site_id, "title": title, "subtitle": None,
        "seller_id": seller_id, "category_id": category, "official_store_id": None,
        "price": float(price), "base_price": float(price), "original_price": None,
        "currency_id": currency, "initial_quantity": 0, "available_quantity": 0,
        "sold_quantity": 0, "buying_mode": "buy_it_now", "listing_type_id": "gold_special",
        "condition": "new", "permalink": f"https://articulo.mercadolibre.com.ar/{item_id}",
        "thumbnail": f"http://http2.mlstatic.com/D_{item_id}-I.jpg", "pictures": [],
        "accepts_mercadopago": True,
        "shipping": {"mode": "me2", "local_pick_up": False, "free_shipping": False,
                     "logistic_type": "drop_off", "tags": []},
        "seller_custom_field": None, "attributes": [], "variations": [], "status": "active",
        "sub_status": [], "tags": ["good_quality_thumbnail"], "catalog_listing": False,
        "date_created": created, "last_updated": created,
    }


def build(rng: random.Random, site_id: str, seller_id: int, created: datetime,
          currency: str) -> dict[str, dict[str, Any]]:
    """The seller's items by id (deterministic for ``rng``)."""
    stamp = created.isoformat(timespec="milliseconds")
    items: dict[str, dict[str, Any]] = {}
    number = 1400000000 + rng.randrange(100000) * 10

    def next_id() -> str:
        nonlocal number
        number += 1
        return f"{site_id}{number}"

    for title, category, price, sku, how in PLAIN:
        item = _item(next_id(), title, category, price, site_id, seller_id, stamp, currency)
        item["available_quantity"] = item["initial_quantity"] = rng.randint(0, 40)
        if how == "attribute":
            item["attributes"].append(_attribute("SELLER_SKU", "SKU", sku or ""))
        elif how == "custom_field":
            item["seller_custom_field"] = sku
        item["attributes"].append(_attribute("GTIN", "Código universal de producto", _gtin(rng)))
        items[item["id"]] = item
    variation_id = 170000000000 + rng.randrange(100000) * 100
    for title, category, price, prefix, axes in WITH_VARIATIONS:
        item = _item(next_id(), title, category, price, site_id, seller_id, stamp, currency)
        combos: list[list[tuple[str, str]]] = [[]]
        for axis, values in axes:
            combos = [[*c, (axis, v)] for c in combos for v in values]
        for combo in combos:
            variation_id += 1
            quantity = rng.randint(0, 15)
            sku = "-".join([prefix, *(v.upper() for _, v in combo)])
            item["variations"].append({
                "id": variation_id, "price": float(price),
                "attribute_combinations": [{"id": axis.upper(), "name": axis, "value_id": None,
                                            "value_name": value} for axis, value in combo],
                "available_quantity": quantity, "sold_quantity": 0, "picture_ids": [],
                "seller_custom_field": None,
                "attributes": [_attribute("SELLER_SKU", "SKU", sku),
                               _attribute("GTIN", "Código universal de producto", _gtin(rng))],
            })
        item["available_quantity"] = sum(v["available_quantity"] for v in item["variations"])
        item["initial_quantity"] = item["available_quantity"]
        items[item["id"]] = item
    title, category, price, prefix, colors = USER_PRODUCT_FAMILY
    family = rng.randrange(10**9)
    for color in colors:
        item = _item(next_id(), f"{title} {color}", category, price, site_id, seller_id, stamp,
                     currency)
        item["user_product_id"] = f"{site_id}U{rng.randrange(10**9)}"
        item["family_id"] = family
        item["tags"].append("user_product_listing")
        item["available_quantity"] = item["initial_quantity"] = rng.randint(1, 20)
        item["attributes"] += [_attribute("SELLER_SKU", "SKU", f"{prefix}-{color.upper()}"),
                               _attribute("COLOR", "Color", color)]
        items[item["id"]] = item
    for item in items.values():
        item["status"] = "active" if item["available_quantity"] > 0 else "paused"
        item["sub_status"] = [] if item["available_quantity"] > 0 else ["out_of_stock"]
    return items


def sellables(items: dict[str, dict[str, Any]]) -> list[Sellable]:
    """Every item or variation a buyer can order."""
    out: list[Sellable] = []
    for item in items.values():
        sku_attr = next((a["value_name"] for a in item["attributes"] if a["id"] == "SELLER_SKU"),
                        None)
        if not item["variations"]:
            out.append(Sellable(item["id"], item["title"], item["category_id"], item["price"],
                                sku_attr or item["seller_custom_field"],
                                sku_attr is None and item["seller_custom_field"] is not None))
            continue
        for variation in item["variations"]:
            sku = next(a["value_name"] for a in variation["attributes"] if a["id"] == "SELLER_SKU")
            out.append(Sellable(
                item["id"], item["title"], item["category_id"], variation["price"], sku, False,
                variation_id=variation["id"],
                variation_attributes=[{"id": c["id"], "name": c["name"], "value_id": None,
                                       "value_name": c["value_name"]}
                                      for c in variation["attribute_combinations"]]))
    return out
