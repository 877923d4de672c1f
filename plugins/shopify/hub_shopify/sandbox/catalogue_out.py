"""The sandbox's publishing and contact resolvers: ``productSet``, ``productVariants(query:)``,
``customers(query:)``, ``customerCreate`` and ``customerUpdate``.

``productSet`` behaves as Shopify documents it: list fields (``variants``,
``files``) are replaced (variants without an ``id`` are created, existing ones
left out are deleted), other fields change only when given. Refused with
``userErrors``: a new product without a title (``BLANK``), an ``identifier``
naming no product (``PRODUCT_DOES_NOT_EXIST``), a variant naming an option or
value the product does not declare (``OPTION_DOES_NOT_EXIST``,
``OPTION_VALUE_DOES_NOT_EXIST``), two variants with the same option values
(``DUPLICATED_OPTION_VALUE``), a variant id of another product
(``PRODUCT_VARIANT_DOES_NOT_EXIST``) and a negative price (``INVALID_PRICE``).
Customers: an e-mail or phone already taken is refused ("Email has already
been taken"), as is a customer with neither.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from hub_shopify.sandbox.data import iso
from hub_shopify.sandbox.mutations import MUTATIONS
from hub_shopify.sandbox.resolvers import RESOLVERS, connection, ctx

_SKU = re.compile(r"""sku:(?:"([^"]*)"|'([^']*)'|(\S+))""")
_EMAIL = re.compile(r"""email:(?:"([^"]*)"|'([^']*)'|(\S+))""")


def _terms(pattern: re.Pattern[str], query: str | None) -> set[str]:
    return {next(g for g in m.groups() if g is not None) for m in pattern.finditer(query or "")}


def q_variants(_: Any, info: Any, query: str | None = None, **page: Any) -> dict[str, Any]:
    skus = _terms(_SKU, query)
    items = sorted((v for v in ctx(info).shop.store.variants.values()
                    if not skus or v.get("sku") in skus), key=lambda v: int(v["legacyResourceId"]))
    return connection(info, items, lambda v: int(v["legacyResourceId"]), **page)


def _error(field: list[str], message: str, code: str) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}


def _check(input: dict[str, Any], product: dict[str, Any] | None, store: Any) -> list[dict[str, Any]]:
    errors = []
    if product is None and not (input.get("title") or "").strip():
        errors.append(_error(["input", "title"], "Title can't be blank", "BLANK"))
    options = {o.get("name"): {v.get("name") for v in o.get("values") or []}
               for o in input.get("productOptions") or []}
    seen: set[tuple[tuple[str, str], ...]] = set()
    for index, variant in enumerate(input.get("variants") or []):
        where = ["input", "variants", str(index)]
        combo = tuple(sorted((v.get("optionName") or "", v.get("name") or "")
                             for v in variant.get("optionValues") or []))
        for name, value in combo:
            if name not in options:
                errors.append(_error(where, f"Option '{name}' does not exist", "OPTION_DOES_NOT_EXIST"))
            elif value not in options[name]:
                errors.append(_error(where, f"Option value '{value}' does not exist",
                                     "OPTION_VALUE_DOES_NOT_EXIST"))
        if combo in seen:
            errors.append(_error(where, "The variant '" + " / ".join(v for _, v in combo)
                                 + "' already exists.", "DUPLICATED_OPTION_VALUE"))
        seen.add(combo)
        vid = variant.get("id")
        if vid and (vid not in store.variants or product is None
                    or store.variants[vid]["_product"] != product["id"]):
            errors.append(_error(where, "Product variant does not exist",
                                 "PRODUCT_VARIANT_DOES_NOT_EXIST"))
        try:
            if variant.get("price") is not None and Decimal(str(variant["price"])) < 0:
                errors.append(_error([*where, "price"], "Price must be greater than or equal to 0",
                                     "INVALID_PRICE"))
        except InvalidOperation:
            errors.append(_error([*where, "price"], "Price is invalid", "INVALID_PRICE"))
    return errors


def product_set(_: Any, info: Any, input: dict[str, Any], synchronous: bool = True,
                identifier: dict[str, Any] | None = None) -> dict[str, Any]:
    shop = ctx(info).shop
    store = shop.store
    product = None
    if identifier:
        wanted = identifier.get("id")
        product = store.products.get(wanted) if wanted else next(
            (p for p in store.products.values() if p["handle"] == identifier.get("handle")), None)
        if product is None:
            return {"product": None, "userErrors": [_error(["identifier"], "Product does not exist",
                                                           "PRODUCT_DOES_NOT_EXIST")]}
    errors = _check(input, product, store)
    if errors:
        return {"product": None, "userErrors": errors}
    now = iso(shop.now())
    if product is None:
        gid, legacy = store.new_id("Product", 8_000_000_000)
        title = input["title"]
        product = {"__typename": "Product", "id": gid, "legacyResourceId": legacy, "title": title,
                   "handle": input.get("handle") or title.lower().replace(" ", "-"),
                   "descriptionHtml": "", "description": "", "productType": "", "vendor": "",
                   "status": "ACTIVE", "createdAt": now, "updatedAt": now, "category": None,
                   "_variants": [], "_files": [], "_options": []}
        store.products[gid] = product
    for name in ("title", "vendor", "productType", "handle", "status"):
        if input.get(name) is not None:
            product[name] = input[name]
    if input.get("descriptionHtml") is not None:
        product["descriptionHtml"] = input["descriptionHtml"]
        product["description"] = re.sub(r"<[^>]+>", "", input["descriptionHtml"])
    if input.get("productOptions") is not None:
        product["_options"] = input["productOptions"]
    if input.get("files") is not None:
        product["_files"] = [f.get("originalSource") for f in input["files"]]
    if input.get("variants") is not None:
        _replace_variants(shop, product, input["variants"])
    product["updatedAt"] = now
    return {"product": product, "userErrors": []}


def _replace_variants(shop: Any, product: dict[str, Any], variants: list[dict[str, Any]]) -> None:
    store = shop.store
    kept = []
    for variant in variants:
        item_input = variant.get("inventoryItem") or {}
        title = " / ".join(v.get("name") or "" for v in variant.get("optionValues") or [])
        if variant.get("id"):
            row = store.variants[variant["id"]]
        else:
            vgid, vlegacy = store.new_id("ProductVariant", 44_000_000_000)
            igid, ilegacy = store.new_id("InventoryItem", 49_000_000_000)
            store.items[igid] = {"__typename": "InventoryItem", "id": igid, "legacyResourceId": ilegacy,
                                 "sku": None, "tracked": False, "_variant": vgid,
                                 "_levels": {shop.main_location["id"]: {"available": 0}}}
            row = {"__typename": "ProductVariant", "id": vgid, "legacyResourceId": vlegacy,
                   "sku": None, "barcode": None, "price": "0.00", "compareAtPrice": None,
                   "_product": product["id"], "_item": igid}
            store.variants[vgid] = row
        row["title"] = title or "Default Title"
        for name in ("price", "compareAtPrice", "barcode"):
            if name in variant:
                row[name] = variant[name]
        if "sku" in item_input:
            row["sku"] = store.items[row["_item"]]["sku"] = item_input["sku"]
        weight = (item_input.get("measurement") or {}).get("weight")
        if weight:
            row["_weight"] = weight
        kept.append(row["id"])
    for gone in set(product["_variants"]) - set(kept):
        store.items.pop(store.variants[gone]["_item"], None)
        store.variants.pop(gone, None)
    product["_variants"] = kept


# --- customers -----------------------------------------------------------------------

def _contacts(shop: Any) -> dict[str, dict[str, Any]]:
    contacts: dict[str, dict[str, Any]] = shop.contacts
    return contacts


def q_customers(_: Any, info: Any, query: str | None = None, **page: Any) -> dict[str, Any]:
    emails = {e.lower() for e in _terms(_EMAIL, query)}
    items = sorted((c for c in _contacts(ctx(info).shop).values()
                    if not emails or (c["defaultEmailAddress"] or {}).get("emailAddress") in emails),
                   key=lambda c: int(c["legacyResourceId"]))
    return connection(info, items, lambda c: int(c["legacyResourceId"]), **page)


def _taken(shop: Any, input: dict[str, Any], own: str | None) -> list[dict[str, Any]]:
    errors = []
    for name, key, field in (("Email", "defaultEmailAddress", "emailAddress"),
                             ("Phone", "defaultPhoneNumber", "phoneNumber")):
        value = input.get(name.lower())
        if value and any((c[key] or {}).get(field) == value and c["id"] != own
                         for c in _contacts(shop).values()):
            errors.append({"field": [name.lower()], "message": f"{name} has already been taken"})
    return errors


def _store_contact(row: dict[str, Any], input: dict[str, Any]) -> None:
    if input.get("email") is not None:
        row["defaultEmailAddress"] = {"emailAddress": input["email"].lower()}
    if input.get("phone") is not None:
        row["defaultPhoneNumber"] = {"phoneNumber": input["phone"]}
    for name in ("firstName", "lastName"):
        if input.get(name) is not None:
            row[name] = input[name]
    row["displayName"] = " ".join(p for p in (row.get("firstName"), row.get("lastName")) if p) or \
        (row["defaultEmailAddress"] or {}).get("emailAddress") or ""


def customer_create(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    shop = ctx(info).shop
    if not input.get("email") and not input.get("phone"):
        return {"customer": None, "userErrors": [
            {"field": ["email"], "message": "A name, phone number, or email address must be present"}]}
    errors = _taken(shop, input, None)
    if errors:
        return {"customer": None, "userErrors": errors}
    gid, legacy = shop.store.new_id("Customer", 72_000_000_000)
    row: dict[str, Any] = {"__typename": "Customer", "id": gid, "legacyResourceId": legacy,
                           "firstName": None, "lastName": None, "defaultEmailAddress": None,
                           "defaultPhoneNumber": None}
    _store_contact(row, input)
    _contacts(shop)[gid] = row
    return {"customer": row, "userErrors": []}


def customer_update(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    shop = ctx(info).shop
    row = _contacts(shop).get(input.get("id") or "")
    if row is None:
        return {"customer": None, "userErrors": [{"field": ["id"], "message": "Customer does not exist"}]}
    errors = _taken(shop, input, row["id"])
    if errors:
        return {"customer": None, "userErrors": errors}
    _store_contact(row, input)
    return {"customer": row, "userErrors": []}


RESOLVERS[("Query", "productVariants")] = q_variants
RESOLVERS[("Query", "customers")] = q_customers
MUTATIONS.update({"productSet": product_set, "customerCreate": customer_create,
                  "customerUpdate": customer_update})
