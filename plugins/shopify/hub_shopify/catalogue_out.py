"""Publishing hub products with ``productSet``, and hub contacts as Shopify customers.

One ``productSet`` call creates or updates a product with its options,
variants (SKU, barcode, price and weight on the variant's inventory item) and
images. A product the hub has not linked is first looked up by its SKUs
(``productVariants(query: "sku:...")``): when the shop has it, it is updated
through ``identifier: {id}`` so a listing is never duplicated. ``productSet``
replaces list fields, so variants are sent whole (with their ids, which keeps
them and their stock) and only when something about them changed; other fields
are sent only when changed. ``userErrors`` fail the product with Shopify's
messages. Weights are sent in kilograms.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from hub import ContactDraft, Customer, ListingDraft, PageGuard, PushResult, VariantDraft
from hub_shopify.client import ShopifyClient, describe, user_errors
from hub_shopify.ids import gid, legacy_id

DEFAULT_OPTION, DEFAULT_VALUE = "Title", "Default Title"
VARIANT_FIELDS = ("variants", "price", "barcode", "weight", "sku")

FIND = """query VariantsBySku($query: String!) {
  productVariants(first: 250, query: $query) { nodes { id sku product { id } } }
}"""

SET_FIELDS = """product { id variants(first: 50) { nodes { id sku } } }
    userErrors { field message code }"""
BATCH = 10  # productSet mutations per request: about 62 cost points each, under the 1,000 cap


def product_set_document(count: int) -> str:
    """One mutation document with ``count`` aliased ``productSet`` calls (``p0``, ``p1``...)."""
    params = ", ".join(f"$input{i}: ProductSetInput!, $identifier{i}: ProductSetIdentifiers"
                       for i in range(count))
    calls = "\n".join(f"  p{i}: productSet(input: $input{i}, identifier: $identifier{i}, "
                       f"synchronous: true) {{\n    {SET_FIELDS}\n  }}" for i in range(count))
    return f"mutation PublishProducts({params}) {{\n{calls}\n}}"


def _variant_input(sku: str, options: list[tuple[str, str]], price: Any, barcode: str | None,
                   weight: Any, variant_id: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"sku": sku}
    if weight is not None:
        item["measurement"] = {"weight": {"value": float(weight), "unit": "KILOGRAMS"}}
    body: dict[str, Any] = {"optionValues": [{"optionName": n, "name": v} for n, v in options],
                            "inventoryItem": item}
    if price is not None:
        body["price"] = format(price.amount, "f")
    if barcode:
        body["barcode"] = barcode
    if variant_id:
        body["id"] = gid("ProductVariant", variant_id)
    return body


def _options(variants: list[VariantDraft]) -> list[str]:
    names: list[str] = []
    for variant in variants:
        for name in variant.options:
            if name not in names:
                names.append(name)
    return names


def product_input(draft: ListingDraft, create: bool, variant_ids: Mapping[str, str]) -> dict[str, Any]:
    """The ``ProductSetInput`` for ``draft``: changed fields only (everything on a create)."""
    def sends(name: str) -> bool:
        return create or draft.sends(name)

    body: dict[str, Any] = {}
    if create:
        body["status"] = "ACTIVE"
    if sends("name"):
        body["title"] = draft.name
    if sends("description"):
        body["descriptionHtml"] = draft.description or ""
    if sends("brand"):
        body["vendor"] = draft.brand or ""
    if sends("category"):
        body["productType"] = draft.category or ""
    if sends("images"):
        body["files"] = [{"originalSource": url, "contentType": "IMAGE"} for url in draft.images]
    if any(sends(n) for n in VARIANT_FIELDS):
        if draft.variants:
            names = _options(draft.variants)
            body["productOptions"] = [{"name": n, "values": [{"name": v} for v in dict.fromkeys(
                x.options[n] for x in draft.variants if n in x.options)]} for n in names]
            body["variants"] = [_variant_input(
                v.sku, [(n, v.options[n]) for n in names if n in v.options], v.price or draft.price,
                v.barcode, v.weight, variant_ids.get(v.sku)) for v in draft.variants]
        else:
            body["productOptions"] = [{"name": DEFAULT_OPTION, "values": [{"name": DEFAULT_VALUE}]}]
            body["variants"] = [_variant_input(draft.sku, [(DEFAULT_OPTION, DEFAULT_VALUE)],
                                               draft.price, draft.barcode, draft.weight,
                                               variant_ids.get(draft.sku))]
    return body


async def _find(client: ShopifyClient, skus: list[str]) -> dict[str, tuple[str, str]]:
    """SKU -> (product id, variant id) for the shop's variants holding any of ``skus``."""
    if not skus:
        return {}
    query = " OR ".join(f'sku:"{sku}"' for sku in skus)
    result = await client.graphql(FIND, {"query": query}, what="variants by SKU")
    found: dict[str, tuple[str, str]] = {}
    for node in (result.data.get("productVariants") or {}).get("nodes") or []:
        if isinstance(node, Mapping) and node.get("sku") in skus:
            found.setdefault(str(node["sku"]), (legacy_id((node.get("product") or {}).get("id")) or "",
                                                legacy_id(node["id"]) or ""))
    return found


def _skus(draft: ListingDraft) -> list[str]:
    return [v.sku for v in draft.variants] or [draft.sku]


async def push_product(client: ShopifyClient, draft: ListingDraft) -> PushResult:
    """Create or update one product (see :func:`push_products`)."""
    return (await push_products(client, [draft]))[0]


async def push_products(client: ShopifyClient, drafts: list[ListingDraft]) -> list[PushResult]:
    """Create or update up to :data:`BATCH` products: one SKU lookup for those that need it,
    then one request with an aliased ``productSet`` per product (see the module docstring)."""
    wanted = [sku for d in drafts if d.platform_product_id is None or (
        len(_variant_ids(d)) < len(_skus(d)) and d.changed is not None
        and any(d.sends(n) for n in VARIANT_FIELDS)) for sku in _skus(d)]
    found = await _find(client, wanted)
    plans: list[tuple[ListingDraft, str | None, dict[str, Any]]] = []
    for draft in drafts:
        variant_ids = _variant_ids(draft)
        product_id = draft.platform_product_id
        matches = [found[sku] for sku in _skus(draft) if sku in found]
        if product_id is None and matches:  # matched by SKU: bring the whole listing in line
            product_id = matches[0][0]
            draft = draft.model_copy(update={"changed": None})
        # keep the shop's variants (and their stock): productSet replaces the variant list
        variant_ids = {**{sku: ids[1] for sku, ids in found.items() if sku in _skus(draft)
                          and ids[0] == product_id}, **variant_ids}
        plans.append((draft, product_id, variant_ids))
    variables: dict[str, Any] = {}
    for i, (draft, product_id, variant_ids) in enumerate(plans):
        variables[f"input{i}"] = product_input(draft, product_id is None, variant_ids)
        variables[f"identifier{i}"] = {"id": gid("Product", product_id)} if product_id else None
    result = await client.graphql(product_set_document(len(plans)), variables,
                                  what=f"productSet x{len(plans)}")
    results = []
    for i, (draft, product_id, _) in enumerate(plans):
        payload = result.data.get(f"p{i}") or {}
        errors = user_errors(payload)
        product = payload.get("product")
        if errors or not isinstance(product, Mapping):
            results.append(PushResult.failed(draft.sku, f"Shopify refused {draft.sku}: "
                                             f"{describe(errors)}", retryable=False))
            continue
        ids = {str(n["sku"]): legacy_id(n["id"]) or "" for n in
               (product.get("variants") or {}).get("nodes") or [] if n.get("sku")}
        results.append(PushResult.ok(draft.sku, action="created" if product_id is None
                                     else "updated").model_copy(
            update={"platform_id": legacy_id(product["id"]), "variant_ids": ids}))
    return results


def _variant_ids(draft: ListingDraft) -> dict[str, str]:
    ids = {v.sku: v.platform_variant_id for v in draft.variants if v.platform_variant_id}
    if draft.platform_variant_id:
        ids[draft.sku] = draft.platform_variant_id
    return ids


# --- contacts --------------------------------------------------------------------------

FIND_CUSTOMER = """query CustomerByEmail($query: String!) {
  customers(first: 1, query: $query) { nodes { id } }
}"""
CUSTOMER_CREATE = """mutation CreateCustomer($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { field message } }
}"""
CUSTOMER_UPDATE = """mutation UpdateCustomer($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id } userErrors { field message } }
}"""


async def push_customer(client: ShopifyClient, customer: ContactDraft) -> PushResult:
    """Create or update one customer: the hub's link first, else a match by e-mail."""
    key = customer.email or customer.phone or "?"
    customer_id = customer.platform_customer_id
    if not customer_id and customer.email:
        found = await client.graphql(FIND_CUSTOMER, {"query": f'email:"{customer.email}"'},
                                     what="customer by e-mail")
        nodes = (found.data.get("customers") or {}).get("nodes") or []
        if nodes:
            customer_id = legacy_id(nodes[0].get("id"))
            customer = customer.model_copy(update={"changed": None})
    created = customer_id is None

    def sends(name: str) -> bool:
        return created or customer.changed is None or name in customer.changed

    body: dict[str, Any] = {}
    if customer.email and sends("email"):
        body["email"] = customer.email
    if customer.phone and sends("phone"):
        body["phone"] = "+" + customer.phone.lstrip("+")
    if sends("first_name") and customer.first_name is not None:
        body["firstName"] = customer.first_name
    if sends("last_name") and customer.last_name is not None:
        body["lastName"] = customer.last_name
    if not created:
        body["id"] = gid("Customer", customer_id or "")
    mutation, name = (CUSTOMER_CREATE, "customerCreate") if created else (CUSTOMER_UPDATE,
                                                                          "customerUpdate")
    result = await client.graphql(mutation, {"input": body}, what=f"{name} {key}")
    payload = result.data.get(name) or {}
    errors = user_errors(payload)
    if errors or not isinstance(payload.get("customer"), Mapping):
        return PushResult.failed(key, f"Shopify refused customer {key}: {describe(errors)}",
                                 retryable=False)
    return PushResult.ok(key, action="created" if created else "updated").model_copy(
        update={"platform_id": legacy_id(payload["customer"]["id"])})


CUSTOMERS = """query Customers($after: String) {
  customers(first: 100, after: $after) {
    nodes { id firstName lastName defaultEmailAddress { emailAddress }
            defaultPhoneNumber { phoneNumber } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def fetch_customers(client: ShopifyClient, since: datetime | None
                          ) -> AsyncIterator[list[Customer]]:
    """Every customer of the shop, 100 a page (``since`` is not used: the core links each
    customer once, so re-reading is harmless)."""
    after: str | None = None
    guard = PageGuard(f"{client.account.label}: customers")
    while True:
        result = await client.graphql(CUSTOMERS, {"after": after}, what="customers")
        connection = result.data.get("customers") or {}
        nodes = [n for n in connection.get("nodes") or [] if isinstance(n, Mapping)]
        found = [Customer(platform_id=legacy_id(n.get("id")),
                          email=(n.get("defaultEmailAddress") or {}).get("emailAddress"),
                          phone=(n.get("defaultPhoneNumber") or {}).get("phoneNumber"),
                          first_name=n.get("firstName"), last_name=n.get("lastName"))
                 for n in nodes]
        if found:
            yield found
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            return
        after = page.get("endCursor")
        guard.check(after)
