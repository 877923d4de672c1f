"""Publishing hub products as SkyHub products (``push_product``).

A product is looked up by SKU first (``GET /products/{sku}``), so a listing is never created
twice: an unknown SKU is created with ``POST /products`` ``{"product": {...}}`` (SkyHub's
product: ``sku``, ``name``, ``description``, ``status``, ``qty``, ``price``,
``promotional_price``, ``weight`` in kg, ``height``/``width``/``length`` in cm, ``brand``,
``ean``, ``categories`` ``[{"code", "name"}]``, ``images``, ``specifications`` ``[{"key",
"value"}]``, and for a configurable product ``variations`` with their own ``sku``, ``qty``,
``ean``, prices and ``specifications``, and ``variation_attributes``); a known one is updated
with ``PUT /products/{sku}`` carrying only the fields the hub says changed, and its variations
with ``PUT /variations/{sku}``. Stock and prices after the first publication belong to the
stock and price flows.

Since March 2025 SkyHub requires a category, a brand, and a price and promotional price that
are not zero, so a first publication without them fails before any request, saying what to set.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub import HubError, ListingDraft, PlatformError, PushResult, VariantDraft
from hub_skyhub import products
from hub_skyhub.client import SkyhubClient, error_text, segment


def missing(draft: ListingDraft) -> list[str]:
    """What SkyHub requires of a new product that the draft lacks (with how to set it)."""
    found = []
    if not draft.platform_category:
        found.append(f"a SkyHub category (hub categories map ACCOUNT '{draft.category or 'CATEGORY'}'"
                     " CODE)")
    if not draft.brand:
        found.append("a brand")
    priced = draft.price is not None and draft.price.amount > 0
    if not priced and not (draft.variants and all(v.price for v in draft.variants)):
        found.append(f"a price (hub prices set {draft.sku} ...)")
    if not all(m is not None and m > 0 for m in (draft.weight, draft.height, draft.width,
                                                  draft.length)):
        found.append("weight (kg) and height, width, length (cm)")
    return found


def _amount(value: Decimal | None) -> Decimal | None:
    return value if value is None else value.quantize(Decimal("0.01"))


def _variation(draft: ListingDraft, variant: VariantDraft, create: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"sku": variant.sku} if create else {}
    price = variant.price or draft.price
    if create:
        body["qty"] = max(0, variant.quantity or 0)
        if price is not None:
            body["price"] = body["promotional_price"] = _amount(price.amount)
    if variant.barcode and (create or draft.sends("variants")):
        body["ean"] = variant.barcode
    if create or draft.sends("variants"):
        body["specifications"] = [{"key": k, "value": v} for k, v in sorted(variant.options.items())]
    return body


def product_body(draft: ListingDraft, create: bool) -> dict[str, Any]:
    """The product fields to send: all on a create, else those ``draft.changed`` names."""
    def sends(name: str) -> bool:
        return create or draft.sends(name)

    body: dict[str, Any] = {}
    if create:
        body.update({"sku": draft.sku, "status": "enabled",
                     "qty": 0 if draft.variants else max(0, draft.quantity or 0)})
        price = draft.price or next((v.price for v in draft.variants if v.price), None)
        if price is not None:
            body["price"] = body["promotional_price"] = _amount(price.amount)
    for name in ("name", "description", "brand"):
        if sends(name) and getattr(draft, name) is not None:
            body[name] = getattr(draft, name)
    if sends("barcode") and draft.barcode:
        body["ean"] = draft.barcode
    for name in ("weight", "height", "width", "length"):
        if sends(name) and getattr(draft, name) is not None:
            body[name] = getattr(draft, name)
    if sends("images") and draft.images:
        body["images"] = list(draft.images)
    if (sends("category") or sends("platform_category")) and draft.platform_category:
        body["categories"] = [{"code": draft.platform_category,
                               "name": draft.category or draft.platform_category}]
    if sends("attributes"):
        body["specifications"] = [{"key": k, "value": v} for k, v in sorted(draft.attributes.items())]
    if create and draft.variants:
        body["variations"] = [_variation(draft, v, True) for v in draft.variants]
        body["variation_attributes"] = sorted({k for v in draft.variants for k in v.options})
    return body


async def _send(client: SkyhubClient, key: str, api: str, method: str, path: str,
                body: dict[str, Any]) -> PushResult | None:
    try:
        response = await client.send_json(api, method, path, body, expect={404, 409, 422})
    except PlatformError as exc:
        return PushResult.failed(key, str(exc), retryable=exc.status is None or exc.status >= 500)
    if response.status_code >= 400:
        return PushResult.failed(key, f"SkyHub refused product {key} (HTTP {response.status_code}): "
                                      f"{error_text(response) or response.text[:200]}",
                                 retryable=False)
    return None


async def push_product(client: SkyhubClient, draft: ListingDraft) -> PushResult:
    """Create or update one product (module docstring)."""
    key = draft.sku
    sku = draft.platform_product_id or draft.sku
    try:
        existing = await products.one(client, sku)
    except HubError as exc:
        return PushResult.failed(key, str(exc))
    variant_ids = {v.sku: v.sku for v in draft.variants}
    if existing is None:
        lacking = missing(draft)
        if lacking:
            return PushResult.failed(key, f"SkyHub needs {', '.join(lacking)} to list {key}",
                                     retryable=False)
        failed = await _send(client, key, "skyhub-products-post", "POST", "products",
                             {"product": product_body(draft, create=True)})
        if failed is not None:
            return failed
        result = PushResult.ok(key, "created")
    else:
        body = product_body(draft, create=False)
        if body:
            failed = await _send(client, key, "skyhub-products-put", "PUT",
                                 f"products/{segment(sku)}", {"product": body})
            if failed is not None:
                return failed
        held = {str(v.get("sku")) for v in existing.get("variations") or [] if isinstance(v, dict)}
        for variant in draft.variants:
            fields = _variation(draft, variant, create=False)
            if variant.sku not in held:
                return PushResult.failed(key, f"SkyHub's product {sku} has no variation "
                                              f"{variant.sku}: add it in the SkyHub panel",
                                         retryable=False)
            if fields:
                failed = await _send(client, key, "skyhub-variations-put", "PUT",
                                     f"variations/{segment(variant.sku)}", {"variation": fields})
                if failed is not None:
                    return failed
        result = PushResult.ok(key, "updated")
    result.platform_id = sku
    result.variant_ids = variant_ids
    return result
