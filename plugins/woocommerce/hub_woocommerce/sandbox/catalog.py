"""The sandbox store's catalogue: nested categories, simple and variable products.

Fixed data (only stock levels depend on the seed), shaped like the REST API's
``/products``, ``/products/{id}/variations`` and ``/products/categories`` items.
Category assignments cover each branch of the seed-001 category rule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from hub_woocommerce.sandbox.formats import dates

# id, name, parent
CATEGORIES: list[tuple[int, str, int]] = [
    (15, "Clothing", 0),
    (16, "T-shirts", 15),
    (17, "Hoodies", 15),
    (18, "Accessories", 15),
    (19, "Hats", 18),
    (20, "Scarves", 18),
    (21, "Music", 0),
    (22, "Albums", 21),
    (23, "Singles", 21),
    (24, "Decor", 0),
    (25, "Posters", 24),
]


@dataclass(frozen=True)
class ProductSpec:
    id: int
    name: str
    sku: str
    price: str
    categories: tuple[int, ...]
    # variable products: (variation id, sku, attribute name, option, price)
    variations: tuple[tuple[int, str, str, str, str], ...] = ()


PRODUCTS: list[ProductSpec] = [
    ProductSpec(101, "Basic Tee", "TEE-BASIC", "19.90", (15, 16)),  # one branch: deepest
    ProductSpec(102, "Logo Hoodie", "HOODIE", "49.00", (17,), (
        (201, "HOODIE-S", "Size", "S", "49.00"),
        (202, "HOODIE-M", "Size", "M", "49.00"),
        (203, "HOODIE-L", "Size", "L", "52.50"),
    )),
    ProductSpec(103, "Beanie", "HAT-BEANIE", "12.50", (20, 19)),  # same level: alphabetical
    ProductSpec(104, "Greatest Hits", "ALB-GH", "9.99", (22, 24)),  # levels differ: general
    ProductSpec(105, "Gig Poster", "POSTER-GIG", "15.00", (25,)),
    ProductSpec(106, "Vinyl Single", "SGL-7", "0.10", (23,)),
    ProductSpec(107, "Wool Scarf", "", "22.00", (20, 18), (  # no parent SKU
        (204, "SCARF-RED", "Color", "Red", "22.00"),
        (205, "SCARF-BLUE", "Color", "Blue", "22.00"),
    )),
    ProductSpec(108, "Sticker", "STICKER", "0.20", (24,)),
    ProductSpec(109, "Gift Card", "", "25.00", ()),  # no SKU, no category
]


def category_payloads() -> list[dict[str, Any]]:
    """``GET /products/categories`` items."""
    counts: dict[int, int] = {}
    for spec in PRODUCTS:
        for cid in spec.categories:
            counts[cid] = counts.get(cid, 0) + 1
    return [{"id": cid, "name": name, "slug": name.lower().replace(" ", "-"), "parent": parent,
             "description": "", "display": "default", "image": None, "menu_order": 0,
             "count": counts.get(cid, 0)} for cid, name, parent in CATEGORIES]


def _base(item_id: int, sku: str, price: str, stock: int, created: datetime) -> dict[str, Any]:
    created_local, created_gmt = dates(created)
    return {
        "id": item_id, "date_created": created_local, "date_created_gmt": created_gmt,
        "date_modified": created_local, "date_modified_gmt": created_gmt,
        "description": "", "sku": sku, "price": price, "regular_price": price,
        "sale_price": "", "date_on_sale_from": None, "date_on_sale_from_gmt": None,
        "date_on_sale_to": None, "date_on_sale_to_gmt": None, "on_sale": False,
        "status": "publish", "purchasable": True, "virtual": False, "downloadable": False,
        "tax_status": "taxable", "tax_class": "", "manage_stock": True, "stock_quantity": stock,
        "stock_status": "instock" if stock > 0 else "outofstock", "backorders": "no",
        "backorders_allowed": False, "backordered": False, "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""}, "shipping_class": "",
        "shipping_class_id": 0, "menu_order": 0, "meta_data": [], "downloads": [],
        "download_limit": -1, "download_expiry": -1,
    }


def build(rng: random.Random, created: datetime
          ) -> tuple[dict[int, dict[str, Any]], dict[int, dict[int, dict[str, Any]]]]:
    """Products by id and variations by parent id, with seeded stock levels."""
    names = {cid: name for cid, name, _ in CATEGORIES}
    products: dict[int, dict[str, Any]] = {}
    variations: dict[int, dict[int, dict[str, Any]]] = {}
    for spec in PRODUCTS:
        variable = bool(spec.variations)
        product = _base(spec.id, spec.sku, spec.price, rng.randint(0, 60), created)
        product.update({
            "name": spec.name, "slug": spec.name.lower().replace(" ", "-"),
            "permalink": f"https://sandbox.example/product/{spec.id}/",
            "type": "variable" if variable else "simple", "featured": False,
            "catalog_visibility": "visible",
            "short_description": f"<p>{spec.name} from the sandbox store.</p>",
            "categories": [{"id": c, "name": names[c], "slug": names[c].lower()}
                           for c in spec.categories],
            "tags": [], "images": [], "attributes": [], "default_attributes": [],
            "variations": [v[0] for v in spec.variations], "grouped_products": [],
            "parent_id": 0, "total_sales": 0, "related_ids": [], "upsell_ids": [],
            "cross_sell_ids": [], "external_url": "", "button_text": "",
            "price_html": f"<span class=\"amount\">&#36;{spec.price}</span>",
            "sold_individually": False, "shipping_required": True, "shipping_taxable": True,
            "reviews_allowed": True, "average_rating": "0.00", "rating_count": 0,
            "purchase_note": "",
        })
        if variable:
            product.update({"manage_stock": False, "stock_quantity": None, "price": "",
                            "regular_price": "", "stock_status": "instock"})
            attribute = spec.variations[0][2]
            product["attributes"] = [{"id": 0, "name": attribute, "position": 0, "visible": True,
                                      "variation": True,
                                      "options": [v[3] for v in spec.variations]}]
            variations[spec.id] = {}
            for vid, sku, attr, option, price in spec.variations:
                variation = _base(vid, sku, price, rng.randint(0, 40), created)
                variation.update({
                    "permalink": f"https://sandbox.example/product/{spec.id}/?attribute={option}",
                    "attributes": [{"id": 0, "name": attr, "option": option}],
                    "image": None, "parent_id": spec.id,
                })
                variations[spec.id][vid] = variation
        products[spec.id] = product
    return products, variations


def sellable(products: dict[int, dict[str, Any]],
             variations: dict[int, dict[int, dict[str, Any]]]
             ) -> list[tuple[int, int, str, str, Decimal, list[tuple[str, str]]]]:
    """What an order line can hold: (product id, variation id or 0, name, sku, price, attributes)."""
    items: list[tuple[int, int, str, str, Decimal, list[tuple[str, str]]]] = []
    for pid, product in products.items():
        if product["type"] == "variable":
            for vid, variation in variations[pid].items():
                attrs = [(a["name"].lower(), a["option"]) for a in variation["attributes"]]
                name = f"{product['name']} - {', '.join(o for _, o in attrs)}"
                items.append((pid, vid, name, variation["sku"],
                              Decimal(variation["regular_price"]), attrs))
        else:
            items.append((pid, 0, product["name"], product["sku"],
                          Decimal(product["regular_price"]), []))
    return items

