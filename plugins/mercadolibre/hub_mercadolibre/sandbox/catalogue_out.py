"""The sandbox's listing writes: ``POST /items``, descriptions, category attributes, SKU search.

As Mercado Libre does, ``POST /items`` answers 400 with a ``cause`` list when:
the title is missing or longer than 60 characters; the category does not exist;
the price is not positive or the currency is not the site's; the quantity is
below 1; the listing type, buying mode or condition is unknown; there is no
picture (or one without an http(s) ``source``); an attribute the category
requires (``tags.required``, see ``GET /categories/{id}/attributes``) is
missing from the item and from every variation; or two variations have the
same ``attribute_combinations``. ``PUT /items/{id}`` also changes ``title``
(refused once the item has sales), ``pictures`` and ``attributes``.
``GET /users/{id}/items/search?seller_sku=`` finds items by ``SELLER_SKU``
(item, variation, or the legacy ``seller_custom_field``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub_mercadolibre.sandbox.catalog import CATEGORIES, _attribute, _item
from hub_mercadolibre.sandbox.forms import error, not_found

if TYPE_CHECKING:
    from hub_mercadolibre.sandbox.store import MercadoLibreSandbox

LISTING_TYPES = ("free", "bronze", "silver", "gold", "gold_special", "gold_premium", "gold_pro")
MAX_TITLE = 60
REQUIRED = {"BRAND": "Marca", "MODEL": "Modelo"}
OPTIONAL = {"GTIN": "Código universal de producto", "SELLER_SKU": "SKU", "COLOR": "Color",
            "SIZE": "Talle"}


def category_attributes(category_id: str) -> list[dict[str, Any]]:
    """``GET /categories/{id}/attributes``: every category requires a brand and a model."""
    return [{"id": key, "name": name, "value_type": "string",
             "tags": {"required": True, "catalog_required": True} if key in REQUIRED else {},
             "hierarchy": "PARENT_PK" if key in REQUIRED else "ITEM"}
            for key, name in {**REQUIRED, **OPTIONAL}.items()]


def has_sku(item: dict[str, Any], sku: str) -> bool:
    """Whether ``item`` lists ``sku`` (item or variation ``SELLER_SKU``, or ``seller_custom_field``)."""
    def of(attributes: list[dict[str, Any]]) -> set[str]:
        return {str(a.get("value_name")) for a in attributes if a.get("id") == "SELLER_SKU"}

    found = of(item.get("attributes") or []) | {item.get("seller_custom_field") or ""}
    for variation in item.get("variations") or []:
        found |= of(variation.get("attributes") or []) | {variation.get("seller_custom_field") or ""}
    return sku in found


def _causes(sb: MercadoLibreSandbox, body: dict[str, Any]) -> list[str]:
    causes = []
    title = str(body.get("title") or "")
    if not title.strip():
        causes.append("item.title.required: title is required")
    elif len(title) > MAX_TITLE:
        causes.append(f"item.title.length: title must have at most {MAX_TITLE} characters")
    category = str(body.get("category_id") or "")
    if category not in CATEGORIES:
        causes.append(f"item.category_id.invalid: Category {category or '(none)'} does not exist")
    price = body.get("price")
    if isinstance(price, bool) or not isinstance(price, int | float) or price <= 0:
        causes.append("item.price.invalid: price must be a positive number")
    if body.get("currency_id") != sb.currency:
        causes.append(f"item.currency_id.invalid: currency_id must be {sb.currency} on this site")
    quantity = body.get("available_quantity")
    variations = body.get("variations") or []
    if not variations and (not isinstance(quantity, int) or quantity < 1):
        causes.append("item.available_quantity.invalid: available_quantity must be 1 or more")
    if body.get("listing_type_id") not in LISTING_TYPES:
        causes.append(f"item.listing_type_id.invalid: listing_type_id {body.get('listing_type_id')} "
                      "is not valid")
    if body.get("buying_mode") != "buy_it_now":
        causes.append("item.buying_mode.invalid: buying_mode must be buy_it_now")
    if body.get("condition") not in ("new", "used", "not_specified"):
        causes.append("item.condition.invalid: condition must be new, used or not_specified")
    pictures = body.get("pictures") or []
    if not pictures:
        causes.append("item.pictures.required: at least one picture is required")
    elif any(not str((p or {}).get("source", "")).startswith(("http://", "https://")) for p in pictures):
        causes.append("item.pictures.invalid: every picture needs an http(s) source")
    given = {a.get("id") for a in body.get("attributes") or []}
    seen: set[tuple[tuple[str, str], ...]] = set()
    for variation in variations:
        combo = tuple(sorted((str(c.get("name") or c.get("id")), str(c.get("value_name")))
                             for c in variation.get("attribute_combinations") or []))
        if combo in seen:
            causes.append("item.variations.attribute_combinations.duplicated: two variations "
                          "have the same attribute_combinations")
        seen.add(combo)
    missing = [key for key in REQUIRED if key not in given and not (variations and all(
        key in {a.get("id") for a in v.get("attributes") or []} for v in variations))]
    if missing and category in CATEGORIES:
        causes.append(f"item.attributes.missing_required: The attributes [{', '.join(missing)}] "
                      f"are required for category {category}")
    return causes


def routes(sb: MercadoLibreSandbox, authed: Callable[[Any], Any]) -> list[Route]:
    """``POST /items``, ``GET /categories/{id}/attributes``, ``POST|PUT /items/{id}/description``."""
    from hub_mercadolibre.sandbox.store import SITE_ID

    async def create(request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict):
            return error(400, "bad_request", "body must be an object")
        causes = _causes(sb, body)
        if causes:
            return JSONResponse({"message": "Validation error", "error": "validation_error",
                                 "status": 400,
                                 "cause": [{"code": c.split(":")[0], "message": c.split(": ", 1)[1],
                                            "type": "error"} for c in causes]}, status_code=400)
        number = max(int(i[3:]) for i in sb.items) + 1
        item_id = f"{SITE_ID}{number}"
        created = sb.now().isoformat(timespec="milliseconds")
        item = _item(item_id, body["title"], body["category_id"], str(body["price"]), SITE_ID,
                     sb.seller_id, created, sb.currency)
        item.update(listing_type_id=body["listing_type_id"], condition=body["condition"],
                    pictures=[{"id": f"{item_id}-{n}", "url": p["source"], "secure_url": p["source"]}
                              for n, p in enumerate(body["pictures"])],
                    attributes=[_attribute(a["id"], a.get("name") or a["id"], str(a["value_name"]))
                                for a in body.get("attributes") or []])
        next_variation = 180000000000 + len(sb.items) * 100
        for n, variation in enumerate(body.get("variations") or []):
            item["variations"].append({
                "id": next_variation + n, "price": float(variation.get("price") or body["price"]),
                "attribute_combinations": [{"id": c.get("id") or str(c.get("name")).upper(),
                                            "name": c.get("name") or c.get("id"), "value_id": None,
                                            "value_name": c["value_name"]}
                                           for c in variation.get("attribute_combinations") or []],
                "available_quantity": int(variation.get("available_quantity") or 0),
                "sold_quantity": 0, "picture_ids": [], "seller_custom_field": None,
                "attributes": [_attribute(a["id"], a.get("name") or a["id"], str(a["value_name"]))
                               for a in variation.get("attributes") or []]})
        if item["variations"]:
            item["available_quantity"] = sum(v["available_quantity"] for v in item["variations"])
        else:
            item["available_quantity"] = int(body["available_quantity"])
        item["initial_quantity"] = item["available_quantity"]
        sb.items[item_id] = item
        sb.writes.append(("POST", "/items", body))
        return JSONResponse(item, status_code=201)

    async def attributes(request: Request) -> Response:
        category = request.path_params["category_id"]
        if category not in CATEGORIES:
            return not_found("Category")
        return JSONResponse(category_attributes(category))

    async def description(request: Request) -> Response:
        item = sb.items.get(request.path_params["item_id"])
        if item is None:
            return not_found("Item")
        if request.method == "GET":
            return JSONResponse({"plain_text": item.get("_description", "")})
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("plain_text"), str):
            return error(400, "bad_request", "plain_text is required")
        item["_description"] = body["plain_text"]
        sb.writes.append((request.method, request.url.path, body))
        return JSONResponse({"text": "", "plain_text": body["plain_text"]},
                            status_code=201 if request.method == "POST" else 200)

    return [Route("/items", authed(create), methods=["POST"]),
            Route("/categories/{category_id}/attributes", attributes),
            Route("/items/{item_id}/description", authed(description),
                  methods=["GET", "POST", "PUT"])]


def update_listing(item: dict[str, Any], body: dict[str, Any]) -> Response | None:
    """The listing fields of a ``PUT /items/{id}``; an error answer when one is refused."""
    if "title" in body and body["title"] != item["title"]:
        if item.get("sold_quantity"):
            return error(400, "item.title.not_modifiable",
                         "The title cannot be modified once the item has sales")
        if not str(body["title"]).strip() or len(str(body["title"])) > MAX_TITLE:
            return error(400, "item.title.length", f"title must have 1 to {MAX_TITLE} characters")
        item["title"] = body["title"]
    if "pictures" in body:
        pictures = body["pictures"] or []
        if not pictures or any(not str((p or {}).get("source", "")).startswith(("http://", "https://"))
                               for p in pictures):
            return error(400, "item.pictures.invalid", "every picture needs an http(s) source")
        item["pictures"] = [{"id": f"{item['id']}-{n}", "url": p["source"], "secure_url": p["source"]}
                            for n, p in enumerate(pictures)]
    if "attributes" in body:
        given = {a["id"]: a for a in body["attributes"] or [] if isinstance(a, dict) and a.get("id")}
        kept = [a for a in item["attributes"] if a["id"] not in given]
        item["attributes"] = kept + [_attribute(a["id"], a.get("name") or a["id"], str(a["value_name"]))
                                     for a in given.values()]
    return None
