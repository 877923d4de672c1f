"""Publishing hub products as Mercado Libre items: category, required attributes, pictures.

Before anything is sent the item is checked the way Mercado Libre will check
it, so a refusal names what to fix in the hub:

* the category comes from the account's mapping (``hub categories map
  CATEGORY MLA1055 --account NAME``);
* every attribute the category requires (``GET /categories/{id}/attributes``,
  ``tags.required``; read once per account runtime) must have a value: ``BRAND``
  from the brand, ``GTIN`` from the barcode, ``SELLER_SKU`` from the SKU, any
  other from the product's attributes (by the attribute's id or its name, e.g.
  ``--attr MODEL=X`` or ``--attr Modelo=X``);
* a price (sent in its own currency: Mercado Libre refuses one its site or
  category does not take), at least one picture, and a quantity (the hub's
  stock of the SKU) for a new item.

An item the hub has not linked is first looked up by ``seller_sku`` and
updated when found. New items go to ``POST /items`` with the account's
``listing_type`` (default ``gold_special``) and then their description;
updates send only changed fields (title, pictures, attributes, description;
price and stock stay with their own flows). A variant added in the hub becomes
a new variation of the item, and a variant's changed barcode its variation's
``GTIN``, in the same ``PUT /items/{id}``, whose ``variations`` list every
existing variation by id (Mercado Libre deletes those left out). A refusal is
reported with Mercado Libre's causes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from hub import ListingDraft, PlatformError, PushResult, VariantDraft, json_object
from hub_mercadolibre.client import MeliClient

DEFAULT_LISTING_TYPE = "gold_special"
FIXED = {"BRAND": "brand", "GTIN": "barcode", "SELLER_SKU": "sku"}


def refusal_text(response: httpx.Response) -> str:
    """Mercado Libre's error body as ``message: cause; cause``."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    causes = [str(c.get("message") or c.get("code")) for c in body.get("cause") or []
              if isinstance(c, dict)]
    return "; ".join(causes) or str(body.get("message") or body.get("error") or response.status_code)


async def required_attributes(client: MeliClient, category: str) -> list[tuple[str, str]] | None:
    """(id, name) of the attributes ``category`` requires (read once per account runtime);
    None when Mercado Libre has no such category."""
    memo = client.account.runtime.memo("mercadolibre.required_attributes")
    if category not in memo:
        response = await client.get(f"/categories/{category}/attributes", expect={404})
        memo[category] = None if response.status_code == 404 else [
            (str(a["id"]), str(a.get("name") or a["id"])) for a in response.json()
            if isinstance(a, dict) and (a.get("tags") or {}).get("required")]
    found: list[tuple[str, str]] | None = memo[category]
    return found


def _value(draft: ListingDraft, attribute: str, name: str) -> str | None:
    if attribute in FIXED:
        return getattr(draft, FIXED[attribute]) or None
    lowered = {k.lower(): v for k, v in draft.attributes.items()}
    return lowered.get(attribute.lower()) or lowered.get(name.lower())


def _attributes(draft: ListingDraft, required: list[tuple[str, str]]) -> list[dict[str, str]]:
    wanted = {**{a: n for a, n in required}, "SELLER_SKU": "SKU"}
    if draft.brand:
        wanted.setdefault("BRAND", "Marca")
    if draft.barcode:
        wanted.setdefault("GTIN", "GTIN")
    values = [{"id": a, "value_name": v} for a, n in wanted.items() if (v := _value(draft, a, n))]
    named = {a for a in wanted}
    values += [{"id": k.upper(), "value_name": v} for k, v in sorted(draft.attributes.items())
               if k.upper() not in named and k.lower() not in {n.lower() for n in wanted.values()}]
    if draft.variants:  # the variant's own SKU goes on the variation
        values = [v for v in values if v["id"] != "SELLER_SKU"]
    return values


def _problems(draft: ListingDraft, required: list[tuple[str, str]], creating: bool) -> list[str]:
    problems = []
    missing = [f"{name} ({attribute})" for attribute, name in required
               if not _value(draft, attribute, name)
               and not (attribute == "SELLER_SKU" and draft.variants)]
    if missing:
        problems.append(f"category {draft.platform_category} requires {', '.join(missing)} "
                        "(set --brand, --barcode or --attr ID=VALUE)")
    prices = [draft.price] if not draft.variants else [v.price or draft.price for v in draft.variants]
    if creating and any(p is None for p in prices):
        problems.append("it has no price (hub prices set SKU PRICE)")
    if creating and not draft.images:
        problems.append("it has no picture (--image URL)")
    quantities = [draft.quantity] if not draft.variants else [v.quantity for v in draft.variants]
    if creating and (any(q is None for q in quantities) or sum(q or 0 for q in quantities) < 1):
        problems.append("it has no stock to sell (hub stock set SKU N --warehouse W)")
    return problems


def _price(amount: Decimal) -> float | int:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _new_item(draft: ListingDraft, account_type: str, currency: str,
              attributes: list[dict[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": draft.name, "category_id": draft.platform_category, "currency_id": currency,
        "buying_mode": "buy_it_now", "listing_type_id": account_type, "condition": "new",
        "pictures": [{"source": url} for url in draft.images], "attributes": attributes}
    if draft.variants:
        body["price"] = max(_price((v.price or draft.price).amount)  # type: ignore[union-attr]
                            for v in draft.variants)
        body["variations"] = [_new_variation(draft, v) for v in draft.variants]
    else:
        body["price"] = _price(draft.price.amount)  # type: ignore[union-attr]
        body["available_quantity"] = draft.quantity
    return body


def _new_variation(draft: ListingDraft, variant: VariantDraft) -> dict[str, Any]:
    """A variation as ``POST /items`` (or a ``PUT`` adding it to an item) takes it."""
    return {"attribute_combinations": [{"name": k, "value_name": val} for k, val in variant.options.items()],
            "price": _price((variant.price or draft.price).amount),  # type: ignore[union-attr]
            "available_quantity": variant.quantity or 0,
            "attributes": [{"id": "SELLER_SKU", "value_name": variant.sku},
                           *([{"id": "GTIN", "value_name": variant.barcode}] if variant.barcode else [])]}


def _variations(draft: ListingDraft, item: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """The ``variations`` of a ``PUT /items/{id}`` adding the hub's new variants and the changed
    barcodes of existing ones (None when neither), and the new variants that have no price.
    Every existing variation is listed (by id): Mercado Libre deletes the ones a ``variations``
    list leaves out."""
    existing = [str(v["id"]) for v in item.get("variations") or [] if v.get("id") is not None]
    by_sku = _variation_ids(item)
    for variant in draft.variants:  # linked by the hub, whatever SELLER_SKU the item shows
        if variant.platform_variant_id in existing:
            by_sku.setdefault(variant.sku, variant.platform_variant_id)
    changed = {by_sku[v.sku]: v.barcode for v in draft.variants
               if v.sku in by_sku and v.barcode and v.sends("barcode")}
    fresh = [v for v in draft.variants if v.sku not in by_sku]
    unpriced = [v.sku for v in fresh if (v.price or draft.price) is None]
    if unpriced or (not changed and not fresh):
        return None, unpriced
    return [{"id": int(vid) if vid.isdigit() else vid,
             **({"attributes": [{"id": "GTIN", "value_name": changed[vid]}]} if vid in changed else {})}
            for vid in existing] + [_new_variation(draft, v) for v in fresh], []


async def _find(client: MeliClient, sku: str) -> dict[str, Any] | None:
    response = await client.get(f"/users/{client.seller_id}/items/search", {"seller_sku": sku})
    ids = json_object(response, "items by SKU").get("results") or []
    if not ids:
        return None
    return await client.get_object(f"/items/{ids[0]}", {"include_attributes": "all"})


def _variation_ids(item: dict[str, Any]) -> dict[str, str]:
    found = {}
    for variation in item.get("variations") or []:
        for attribute in variation.get("attributes") or []:
            if attribute.get("id") == "SELLER_SKU" and attribute.get("value_name"):
                found[str(attribute["value_name"])] = str(variation["id"])
    return found


async def push_product(client: MeliClient, draft: ListingDraft) -> PushResult:
    """Create or update ``draft``'s item (see the module docstring)."""
    if not draft.platform_category:
        return PushResult.failed(draft.sku, f"Mercado Libre needs a category for {draft.sku}: run "
                                 f"hub categories map {draft.category or 'CATEGORY'} ML_CATEGORY_ID "
                                 f"--account {client.account.name}", retryable=False)
    required = await required_attributes(client, draft.platform_category)
    if required is None:
        return PushResult.failed(draft.sku, f"Mercado Libre has no category "
                                 f"{draft.platform_category} (mapped from {draft.category}); fix: "
                                 f"hub categories map {draft.category or 'CATEGORY'} ML_CATEGORY_ID "
                                 f"--account {client.account.name}", retryable=False)
    item_id = draft.platform_product_id
    found: dict[str, Any] | None = None
    if item_id is None:
        found = await _find(client, draft.variants[0].sku if draft.variants else draft.sku)
        if found is not None:
            item_id = str(found["id"])
            draft = draft.everything()
    problems = _problems(draft, required, creating=item_id is None)
    if problems:
        return PushResult.failed(draft.sku, f"Mercado Libre cannot list {draft.sku}: "
                                 + "; ".join(problems), retryable=False)
    attributes = _attributes(draft, required)
    if item_id is None:
        listing_type = client.account.setting("listing_type", DEFAULT_LISTING_TYPE) or \
            DEFAULT_LISTING_TYPE
        currency = (draft.price or draft.variants[0].price).currency  # type: ignore[union-attr]
        response = await client.http.post("/items", json=_new_item(draft, listing_type, currency,
                                                                   attributes), expect={400})
        if response.status_code == 400:
            return PushResult.failed(draft.sku, f"Mercado Libre refused {draft.sku}: "
                                     f"{refusal_text(response)}", retryable=False)
        item = json_object(response, "POST /items")
        if draft.description:
            await client.http.post(f"/items/{item['id']}/description",
                                   json={"plain_text": draft.description})
        return PushResult.ok(draft.sku, action="created").model_copy(update={
            "platform_id": str(item["id"]), "variant_ids": _variation_ids(item)})
    body: dict[str, Any] = {}
    if draft.sends("name"):
        body["title"] = draft.name
    if draft.sends("images") and draft.images:
        body["pictures"] = [{"source": url} for url in draft.images]
    if any(draft.sends(n) for n in ("brand", "barcode", "attributes")):
        body["attributes"] = attributes
    if draft.variants and draft.sends("variants"):  # new variations are created, changed ones updated
        if found is None:
            found = await client.get_object(f"/items/{item_id}", {"include_attributes": "all"}) or {}
        variations, unpriced = _variations(draft, found)
        if unpriced:
            return PushResult.failed(draft.sku, f"Mercado Libre cannot add {', '.join(unpriced)} "
                                     "to its item: no price (hub prices set SKU PRICE)",
                                     retryable=False)
        if variations is not None:
            body["variations"] = variations
    try:
        item = await client.put(f"/items/{item_id}", body) if body else (
            found or await client.get_object(f"/items/{item_id}", {"include_attributes": "all"})
            or {})
        if draft.sends("description"):
            await client.http.put(f"/items/{item_id}/description",
                                  json={"plain_text": draft.description or ""})
        if "variations" in body and not {v.sku for v in draft.variants} <= set(_variation_ids(found or {})):
            # the variations' SELLER_SKU (hence the new ones' ids) shows with include_attributes
            item = await client.get_object(f"/items/{item_id}", {"include_attributes": "all"}) or item
    except PlatformError as exc:
        return PushResult.failed(draft.sku, f"Mercado Libre refused {draft.sku}: {exc.message}",
                                 retryable=False)
    ids = _variation_ids(found or {}) | _variation_ids(item)
    return PushResult.ok(draft.sku, action="updated").model_copy(update={
        "platform_id": str(item_id), "variant_ids": {**{v.sku: v.platform_variant_id for v in
                                                         draft.variants if v.platform_variant_id},
                                                      **ids}})
