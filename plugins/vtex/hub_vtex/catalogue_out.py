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
group ``Hub``) are sent only when they changed.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from hub import DataError, ListingDraft, PushResult, json_object
from hub_vtex.client import VtexClient, segment

GROUP = "Hub"
PRODUCT_FIELDS = ("name", "description", "brand", "category", "platform_category")
SKU_FIELDS = ("name", "variants", "weight", "length", "width", "height")


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


def _skus(draft: ListingDraft) -> list[tuple[str, str, dict[str, str], str | None, Any, str | None]]:
    """(sku, name, options, barcode, weight, linked id) for each SKU the product has on VTEX."""
    if not draft.variants:
        return [(draft.sku, draft.name, {}, draft.barcode, draft.weight, draft.platform_variant_id)]
    return [(v.sku, v.name or f"{draft.name} {' '.join(v.options.values())}", v.options, v.barcode,
             v.weight if v.weight is not None else draft.weight, v.platform_variant_id)
            for v in draft.variants]


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
            draft = draft.model_copy(update={"changed": None})
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
    for sku, name, options, barcode, weight, linked in _skus(draft):
        variant_ids[sku] = await _push_sku(client, draft, int(product_id), sku, name, options,
                                           barcode, weight, linked, created)
    return PushResult.ok(draft.sku, action="created" if created else "updated").model_copy(
        update={"platform_id": product_id, "variant_ids": variant_ids})


async def _push_sku(client: VtexClient, draft: ListingDraft, product_id: int, sku: str, name: str,
                    options: dict[str, str], barcode: str | None, weight: Any, linked: str | None,
                    product_created: bool) -> str:
    sku_id: str | None = linked
    new = False
    if sku_id is None and not product_created:
        found = await _find(client, f"api/catalog/pvt/stockkeepingunit?RefId={segment(sku)}")
        sku_id = str(found["Id"]) if found else None
    every = sku_id is None or linked is None  # a new or just-matched SKU gets everything
    body = {"ProductId": product_id, "Name": name, "RefId": sku, "IsActive": True,
            "PackagedHeight": float(draft.height or 0), "PackagedLength": float(draft.length or 0),
            "PackagedWidth": float(draft.width or 0), "PackagedWeightKg": float(weight or 0)}
    if sku_id is None:
        answer = await _send(client, "POST", "api/catalog/pvt/stockkeepingunit", body)
        sku_id, new = str(json_object(answer, "SKU")["Id"]), True
    elif every or any(draft.sends(n) for n in SKU_FIELDS):
        await _send(client, "PUT", f"api/catalog/pvt/stockkeepingunit/{segment(sku_id)}", body)
    if not sku_id:
        raise DataError(f"VTEX gave no id for SKU {sku}")
    base = f"api/catalog/pvt/stockkeepingunit/{segment(sku_id)}"
    if barcode and (every or draft.sends("barcode") or draft.sends("variants")):
        if not new:
            await _send(client, "DELETE", f"{base}/ean")
        await _send(client, "POST", f"{base}/ean/{segment(barcode)}")
    if every or draft.sends("images"):
        if not new:
            await _send(client, "DELETE", f"{base}/file")
        for index, url in enumerate(draft.images):
            await _send(client, "POST", f"{base}/file", {"IsMain": index == 0, "Url": url,
                                                         "Name": f"{sku}-{index + 1}", "Label": ""})
    if options and (every or draft.sends("variants")):
        for field, value in options.items():
            await _send(client, "PUT", f"{base}/specificationvalue",
                        {"FieldName": field, "GroupName": GROUP, "RootLevelSpecification": False,
                         "FieldValue": value})
    return sku_id
