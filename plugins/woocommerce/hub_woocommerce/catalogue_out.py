"""Publishing hub products as WooCommerce products and variations, through the batch endpoints.

A product the hub has not linked is first looked up by SKU (``GET
/products?sku=``): when the store has it, it is updated, so a listing is never
duplicated. Creating and updating both go through ``POST /products/batch``;
a variable product's variations go in one ``POST
/products/{id}/variations/batch`` holding their creates and the updates of
the variations that changed (a variant's barcode change sends that variation's
``global_unique_id`` only). Only the fields the hub says changed are sent.
The store's answer is checked item by item: an echoed ``error`` fails the
product with WooCommerce's message (a duplicated SKU or GTIN is not retried).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from hub import (
    ContactDraft,
    Customer,
    ListingDraft,
    PlatformError,
    PushResult,
    VariantDraft,
    json_list,
    json_object,
    parse_datetime,
)
from hub_woocommerce.client import API, BATCH_LIMIT, WooClient, chunks
from hub_woocommerce.push import _error_text


def _attributes(draft: ListingDraft) -> list[dict[str, Any]]:
    attributes = [{"name": "Brand", "options": [draft.brand], "visible": True, "variation": False}
                  ] if draft.brand else []
    attributes += [{"name": k, "options": [v], "visible": True, "variation": False}
                   for k, v in sorted(draft.attributes.items())]
    options: dict[str, list[str]] = {}
    for variant in draft.variants:
        for name, value in variant.options.items():
            if value not in options.setdefault(name, []):
                options[name].append(value)
    attributes += [{"name": k, "options": v, "visible": True, "variation": True}
                   for k, v in options.items()]
    return attributes


def product_body(draft: ListingDraft, create: bool) -> dict[str, Any]:
    """The product fields to send (all of them on a create; else those ``draft.changed`` names)."""
    body: dict[str, Any] = {}

    def sends(name: str) -> bool:
        return create or draft.sends(name)

    if create:
        body.update({"sku": draft.sku, "type": "variable" if draft.variants else "simple",
                     "status": "publish"})
    if sends("name"):
        body["name"] = draft.name
    if sends("description"):
        body["description"] = draft.description or ""
    if sends("barcode") and draft.barcode:
        body["global_unique_id"] = draft.barcode
    if sends("weight"):
        body["weight"] = str(draft.weight) if draft.weight is not None else ""
    if any(sends(n) for n in ("length", "width", "height")):
        body["dimensions"] = {n: str(getattr(draft, n)) if getattr(draft, n) is not None else ""
                              for n in ("length", "width", "height")}
    if sends("images"):
        body["images"] = [{"src": url} for url in draft.images]
    if sends("platform_category") and draft.platform_category and draft.platform_category.isdigit():
        body["categories"] = [{"id": int(draft.platform_category)}]
    if any(sends(n) for n in ("brand", "attributes")) or (sends("variants") and any(
            v.sends("options") for v in draft.variants)):  # the variation options are listed here
        body["attributes"] = _attributes(draft)
    if sends("price") and draft.price is not None and not draft.variants:
        body["regular_price"] = format(draft.price.amount, "f")
    return body


def variation_body(variant: VariantDraft, create: bool = True) -> dict[str, Any]:
    """A variation's fields: all of them on a create, else those ``variant.changed`` names."""
    def sends(name: str) -> bool:
        return create or variant.sends(name)

    body: dict[str, Any] = {"sku": variant.sku} if sends("sku") else {}
    if sends("options"):
        body["attributes"] = [{"name": k, "option": v} for k, v in variant.options.items()]
    if sends("barcode") and variant.barcode:
        body["global_unique_id"] = variant.barcode
    if sends("weight") and variant.weight is not None:
        body["weight"] = str(variant.weight)
    if sends("price") and variant.price is not None:
        body["regular_price"] = format(variant.price.amount, "f")
    return body


async def _find_by_skus(client: WooClient, skus: list[str]) -> dict[str, int]:
    """Store product ids by SKU, for ``skus`` (one request per 100)."""
    found: dict[str, int] = {}
    for chunk in chunks(skus, BATCH_LIMIT):
        response = await client.get("products", {"sku": ",".join(chunk), "per_page": BATCH_LIMIT})
        for item in json_list(response, "GET products?sku"):
            if isinstance(item, Mapping) and item.get("sku") in chunk:
                found.setdefault(str(item["sku"]), int(item["id"]))
    return found


def _refused(sku: str, echo: Mapping[str, Any]) -> PushResult | None:
    if not echo.get("error"):
        return None
    message, retryable = _error_text(echo["error"])
    return PushResult.failed(sku, f"WooCommerce refused {sku}: {message}", retryable=retryable)


async def push_product(client: WooClient, draft: ListingDraft) -> PushResult:
    """Create or update one product (see :func:`push_products`)."""
    return (await push_products(client, [draft]))[0]


async def push_products(client: WooClient, drafts: list[ListingDraft]) -> list[PushResult]:
    """Create or update ``drafts`` (at most 100): one SKU lookup for the unlinked ones, one
    ``products/batch`` with every create and update, one variations batch per variable product."""
    linked = [d.platform_product_id or "" for d in drafts]
    ids: list[int | None] = [int(text) if text.isdigit() else None for text in linked]
    unlinked = [i for i, product_id in enumerate(ids) if product_id is None]
    if unlinked:
        found = await _find_by_skus(client, [drafts[i].sku for i in unlinked])
        for i in unlinked:
            if drafts[i].sku in found:  # matched by SKU: bring the whole listing in line
                ids[i] = found[drafts[i].sku]
                drafts[i] = drafts[i].everything()
    creates = [(i, product_body(d, create=True)) for i, d in enumerate(drafts) if ids[i] is None]
    updates = [(i, {"id": ids[i], **body}) for i, d in enumerate(drafts) if ids[i] is not None
               and (body := product_body(d, create=False))]
    echoes: dict[int, Mapping[str, Any]] = {i: {"id": ids[i]} for i in range(len(drafts))
                                            if ids[i] is not None}
    if creates or updates:
        response = await client.post(f"{API}/products/batch",
                                     {"create": [b for _, b in creates], "update": [b for _, b in updates]})
        answer = json_object(response, "POST products/batch")
        created, updated = answer.get("create") or [], answer.get("update") or []
        by_id = {e.get("id"): e for e in updated if isinstance(e, Mapping)}
        for position, (i, _) in enumerate(creates):
            echo = created[position] if position < len(created) else None
            echoes[i] = echo if isinstance(echo, Mapping) else {"error": {"message": "not confirmed"}}
        for position, (i, body) in enumerate(updates):
            echo = updated[position] if position < len(updated) else None
            if not isinstance(echo, Mapping) or echo.get("id") != body["id"]:
                echo = by_id.get(body["id"]) or {"error": {"message": "not confirmed"}}
            echoes[i] = echo
    results = []
    for i, draft in enumerate(drafts):
        refused = _refused(draft.sku, echoes[i])
        if refused:
            results.append(refused)
            continue
        product_id = int(echoes[i]["id"])
        fresh = ids[i] is None
        variant_ids = {v.sku: v.platform_variant_id or "" for v in draft.variants
                       if v.platform_variant_id}
        if draft.variants and (fresh or draft.sends("variants")):
            problem = await _push_variations(client, draft, product_id, variant_ids, fresh)
            if problem is not None:
                results.append(problem)
                continue
        results.append(PushResult.ok(draft.sku, action="created" if fresh else "updated").model_copy(
            update={"platform_id": str(product_id), "variant_ids": variant_ids}))
    return results


async def _push_variations(client: WooClient, draft: ListingDraft, product_id: int,
                           variant_ids: dict[str, str], created: bool) -> PushResult | None:
    """Create the missing variations and update the others in one batch; None when all succeed."""
    if not created and len(variant_ids) < len(draft.variants):
        response = await client.get(f"products/{product_id}/variations", {"per_page": 100})
        for item in json_list(response, "GET variations"):
            if isinstance(item, Mapping) and item.get("sku"):
                variant_ids.setdefault(str(item["sku"]), str(item["id"]))
    new = [v for v in draft.variants if v.sku not in variant_ids]
    # only the variations that changed, with only their changed fields
    changed = [v for v in draft.variants if v.sku in variant_ids and v.changed != []]
    creates = [variation_body(v) for v in new]
    updates = [{"id": int(variant_ids[v.sku]), **variation_body(v, create=False)} for v in changed]
    if not creates and not updates:
        return None
    endpoint = f"products/{product_id}/variations/batch"
    response = await client.post(f"{API}/{endpoint}", {"create": creates, "update": updates})
    answer = json_object(response, f"POST {endpoint}")
    problems = []
    echoes = [*(answer.get("create") or []), *(answer.get("update") or [])]
    for variant, echo in zip([*new, *changed], echoes, strict=False):
        refused = _refused(variant.sku, echo) if isinstance(echo, Mapping) else None
        if refused:
            problems.append(refused.error or "")
        elif isinstance(echo, Mapping) and echo.get("id"):
            variant_ids[variant.sku] = str(echo["id"])
    if problems:
        return PushResult.failed(draft.sku, "; ".join(problems), retryable=False)
    return None


# --- contacts --------------------------------------------------------------------------

def customer_body(customer: ContactDraft, create: bool) -> dict[str, Any]:
    """The customer fields to send; the phone and address go in ``billing``."""
    def sends(name: str) -> bool:
        return create or customer.changed is None or name in customer.changed

    body: dict[str, Any] = {}
    if create and customer.email:
        body["email"] = customer.email
    for name in ("first_name", "last_name"):
        if sends(name) and getattr(customer, name) is not None:
            body[name] = getattr(customer, name)
    billing: dict[str, Any] = {}
    if sends("phone") and customer.phone:
        billing["phone"] = customer.phone
    if sends("address") and customer.address is not None:
        address = customer.address
        billing.update({"address_1": address.line1 or "", "address_2": address.line2 or "",
                        "city": address.city or "", "state": address.state or "",
                        "postcode": address.postcode or "", "country": address.country or ""})
    if billing:
        body["billing"] = billing
    return body


async def push_customer(client: WooClient, customer: ContactDraft) -> PushResult:
    """Create or update one customer: the hub's link first, else a match by e-mail."""
    key = customer.email or customer.phone or "?"
    if not customer.email:
        return PushResult.failed(key, "WooCommerce customers need an e-mail address", retryable=False)
    customer_id = customer.platform_customer_id
    if not customer_id:
        response = await client.get("customers", {"email": customer.email, "role": "all"})
        found = [c for c in json_list(response, "GET customers?email") if isinstance(c, Mapping)]
        customer_id = str(found[0]["id"]) if found else None
        if customer_id:
            customer = customer.model_copy(update={"changed": None})
    created = customer_id is None
    body = customer_body(customer, create=created)
    try:
        if created:
            response = await client.post(f"{API}/customers", body)
        else:
            response = await client.put(f"{API}/customers/{customer_id}", body)
    except PlatformError as exc:
        return PushResult.failed(key, f"WooCommerce refused customer {key}: {exc.message}",
                                 retryable=False)
    echo = json_object(response, "customers")
    return PushResult.ok(key, action="created" if created else "updated").model_copy(
        update={"platform_id": str(echo.get("id", customer_id))})


async def fetch_customers(client: WooClient, since: datetime | None) -> AsyncIterator[list[Customer]]:
    """The store's customers (``GET /customers``, every role, by id), those modified at or after
    ``since`` (the endpoint has no date filter, so it is applied here)."""
    async for page in client.pages("customers", {"role": "all", "orderby": "id", "order": "asc"},
                                   "customers"):
        found = []
        for item in page:
            modified = item.get("date_modified_gmt")
            if since is not None and modified and \
                    parse_datetime(modified, field="date_modified_gmt", assume_utc=True) < since:
                continue
            billing = item.get("billing") if isinstance(item.get("billing"), Mapping) else {}
            found.append(Customer(platform_id=str(item["id"]), email=item.get("email") or None,
                                  phone=(billing or {}).get("phone") or None,
                                  first_name=item.get("first_name") or None,
                                  last_name=item.get("last_name") or None))
        if found:
            yield found
