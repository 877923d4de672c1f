"""Publishing hub products to the VTEX Catalog: product, SKUs, EAN, images, specifications.

A hub product is a VTEX product (``RefId`` = the hub SKU) with one SKU per
variant (``RefId`` = the variant's SKU), or one SKU for a product without
variants. Unlinked products are first looked up by ``RefId``
(``productgetbyrefid``, ``stockkeepingunit?RefId=``) and updated when found,
so nothing is duplicated. VTEX needs what the hub cannot invent, so a product
is refused before any request, naming what to set, when it lacks:

* a category: the account's mapping (``hub categories map CATEGORY ID --account``,
  a VTEX category id or a category path);
* a brand (``--brand``), which is created in the catalogue when missing;
* the packaged measures of each SKU (weight, length, width, height).

``PUT`` replaces a product or SKU, so an update sends the whole record, and
only when one of its fields changed. EANs, images (``/file``) and
specifications (attributes on the product, options on each SKU, under the
group ``Hub``) are sent only when they changed, SKU by SKU: a change to one
variant (its barcode, say) writes that SKU only.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from hub import DataError, ListingDraft, PushResult, VariantDraft, json_object
from hub_vtex.client import VtexClient, segment

GROUP = "Hub"
PRODUCT_FIELDS = ("name", "description", "brand", "category", "platform_category")


class Refusal(Exception):
    """VTEX (or the hub, before sending) refused the product; the message says why."""


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        inner = body.get("error")
        error: dict[str, Any] = inner if isinstance(inner, dict) else body
        return str(error.get("message") or error.get("Message") or body)
    return str(body)


async def _send(client: VtexClient, method: str, path: str, body: Any = None) -> httpx.Response:
    response = await client.catalog.request(
        method, path, expect={400, 409}, content=json.dumps(body) if body is not None else None)
    if response.status_code in (400, 409):
        raise Refusal(_reason(response))
    return response


async def _find(client: VtexClient, path: str) -> dict[str, Any] | None:
    response = await client.catalog.get(path, expect={404})
    if response.status_code == 404:
        return None
    found = json_object(response, path)
    return found if found.get("Id") is not None else None


async def _brand_id(client: VtexClient, name: str) -> int:
    memo = client.account.runtime.memo("vtex-catalogue")
    brands: dict[str, int] | None = memo.get("brands")
    if brands is None:
        response = await client.catalog.get("api/catalog_system/pvt/brand/list")
        brands = memo["brands"] = {str(b.get("name")): int(b["id"]) for b in response.json()
                                   if isinstance(b, dict) and b.get("id") is not None}
    if name not in brands:
        created = await _send(client, "POST", "api/catalog/pvt/brand", {"Name": name, "Active": True})
        brands[name] = int(json_object(created, "brand")["Id"])
    return brands[name]


def _missing(draft: ListingDraft) -> list[str]:
    missing = []
    if not draft.platform_category:
        missing.append(f"a VTEX category (run: hub categories map {draft.category or 'CATEGORY'} "
                       "ID --account NAME)")
    if not draft.brand:
        missing.append("a brand (--brand)")
    measures = [n for n in ("length", "width", "height") if getattr(draft, n) is None]
    if draft.weight is None and not (draft.variants and all(v.weight is not None for v in draft.variants)):
        measures.insert(0, "weight")
    if measures:
        missing.append("packaged " + ", ".join(measures))
    return missing


async def _product_body(client: VtexClient, draft: ListingDraft) -> dict[str, Any]:
    category = draft.platform_category or ""
    body: dict[str, Any] = {"Name": draft.name, "RefId": draft.sku,
                            "Description": draft.description or "", "IsVisible": True,
                            "IsActive": True, "BrandId": await _brand_id(client, draft.brand or "")}
    body.update({"CategoryId": int(category)} if category.isdigit() else {"CategoryPath": category})
    return body


class SkuDraft:
    """One VTEX SKU of a hub product: a variant, or the product itself when it has none."""

    def __init__(self, draft: ListingDraft, variant: VariantDraft | None) -> None:
        self.draft, self.variant = draft, variant
        if variant is None:
            self.sku, self.name, self.options = draft.sku, draft.name, {}
            self.barcode, self.weight, self.linked = draft.barcode, draft.weight, draft.platform_variant_id
        else:
            self.sku, self.options, self.barcode = variant.sku, variant.options, variant.barcode
            self.name = variant.name or f"{draft.name} {' '.join(variant.options.values())}"
            self.weight = variant.weight if variant.weight is not None else draft.weight
            self.linked = variant.platform_variant_id

    def sends(self, name: str) -> bool:
        """Whether this SKU's ``name`` (name, barcode, weight, options) changed: a variant's own
        change, or the product's where the variant takes the product's value."""
        draft, variant = self.draft, self.variant
        if variant is None:
            return draft.sends(name)
        own = variant.sends(name)
        inherited = (name == "name" and variant.name is None) or \
            (name == "weight" and variant.weight is None)
        return own or (inherited and draft.sends(name))


def _skus(draft: ListingDraft) -> list[SkuDraft]:
    """Each SKU the product has on VTEX."""
    return [SkuDraft(draft, None)] if not draft.variants else [SkuDraft(draft, v) for v in draft.variants]


async def push_product(client: VtexClient, draft: ListingDraft) -> PushResult:
    """Create or update the product and its SKUs (see the module docstring)."""
    missing = _missing(draft)
    if missing:
        return PushResult.failed(draft.sku, f"VTEX needs {'; '.join(missing)} for {draft.sku}",
                                 retryable=False)
    try:
        return await _push(client, draft)
    except Refusal as exc:
        return PushResult.failed(draft.sku, f"VTEX refused {draft.sku}: {exc}", retryable=False)


async def _push(client: VtexClient, draft: ListingDraft) -> PushResult:
    product_id = draft.platform_product_id
    if product_id is None:
        found = await _find(client, "api/catalog_system/pvt/products/productgetbyrefid/"
                            + segment(draft.sku))
        if found is not None:
            product_id = str(found["Id"])
            draft = draft.everything()
    created = product_id is None
    if product_id is None:
        answer = await _send(client, "POST", "api/catalog/pvt/product",
                             await _product_body(client, draft))
        product_id = str(json_object(answer, "product")["Id"])
    elif any(draft.sends(n) for n in PRODUCT_FIELDS):
        await _send(client, "PUT", f"api/catalog/pvt/product/{segment(product_id)}",
                    await _product_body(client, draft))
    if created or draft.sends("attributes"):
        for name, value in sorted(draft.attributes.items()):
            await _send(client, "PUT", f"api/catalog/pvt/product/{product_id}/specificationvalue",
                        {"FieldName": name, "GroupName": GROUP, "RootLevelSpecification": False,
                         "FieldValues": [value]})
    variant_ids: dict[str, str] = {}
    for sku in _skus(draft):
        variant_ids[sku.sku] = await _push_sku(client, draft, int(product_id), sku, created)
    return PushResult.ok(draft.sku, action="created" if created else "updated").model_copy(
        update={"platform_id": product_id, "variant_ids": variant_ids})


async def _push_sku(client: VtexClient, draft: ListingDraft, product_id: int, sku_draft: SkuDraft,
                    product_created: bool) -> str:
    """Create or update one SKU, sending only what changed on it (a SKU whose variant did not
    change is left alone)."""
    sku, linked = sku_draft.sku, sku_draft.linked
    sku_id: str | None = linked
    new = False
    if sku_id is None and not product_created:
        found = await _find(client, f"api/catalog/pvt/stockkeepingunit?RefId={segment(sku)}")
        sku_id = str(found["Id"]) if found else None
    every = sku_id is None or linked is None  # a new or just-matched SKU gets everything
    body = {"ProductId": product_id, "Name": sku_draft.name, "RefId": sku, "IsActive": True,
            "PackagedHeight": float(draft.height or 0), "PackagedLength": float(draft.length or 0),
            "PackagedWidth": float(draft.width or 0),
            "PackagedWeightKg": float(sku_draft.weight or 0)}
    if sku_id is None:
        answer = await _send(client, "POST", "api/catalog/pvt/stockkeepingunit", body)
        sku_id, new = str(json_object(answer, "SKU")["Id"]), True
    elif every or any(sku_draft.sends(n) for n in ("name", "weight")) or \
            any(draft.sends(n) for n in ("length", "width", "height")):
        await _send(client, "PUT", f"api/catalog/pvt/stockkeepingunit/{segment(sku_id)}", body)
    barcode, options = sku_draft.barcode, sku_draft.options
    if not sku_id:
        raise DataError(f"VTEX gave no id for SKU {sku}")
    base = f"api/catalog/pvt/stockkeepingunit/{segment(sku_id)}"
    if barcode and (every or sku_draft.sends("barcode")):
        if not new:
            await _send(client, "DELETE", f"{base}/ean")
        await _send(client, "POST", f"{base}/ean/{segment(barcode)}")
    if every or draft.sends("images"):
        if not new:
            await _send(client, "DELETE", f"{base}/file")
        for index, url in enumerate(draft.images):
            await _send(client, "POST", f"{base}/file", {"IsMain": index == 0, "Url": url,
                                                         "Name": f"{sku}-{index + 1}", "Label": ""})
    if options and (every or sku_draft.sends("options")):
        for field, value in options.items():
            await _send(client, "PUT", f"{base}/specificationvalue",
                        {"FieldName": field, "GroupName": GROUP, "RootLevelSpecification": False,
                         "FieldValue": value})
    return sku_id
