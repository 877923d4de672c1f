"""The sandbox store's side of publishing: products and variations created and edited in batches.

As WooCommerce does: a SKU already held by another product or variation is
refused with ``product_invalid_sku`` ("Invalid or duplicated SKU.", status 400,
``resource_id`` naming the holder); so is a ``global_unique_id`` (GTIN, UPC,
EAN, ISBN) that is not digits or is held elsewhere
(``product_invalid_global_unique_id``). An unknown ``type``, a price or weight
that is not a string and an image ``src`` that is not an http(s) URL are
refused; a variation can only be added to a ``variable`` product. Errors come
back inside the batch answer (``{"id": 0, "error": {...}}``), the batch itself
answering 200.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub_woocommerce.sandbox.formats import dates
from hub_woocommerce.sandbox.security import Refused

if TYPE_CHECKING:
    from hub_woocommerce.sandbox.store import WooCommerceSandbox

TYPES = ("simple", "variable", "grouped", "external")
TEXT_FIELDS = ("name", "description", "short_description", "regular_price", "weight", "status")


def _error(code: str, message: str, status: int = 400, **data: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"status": status, **data}}


def _items(sandbox: WooCommerceSandbox) -> Iterator[dict[str, Any]]:
    yield from sandbox.products.values()
    for children in sandbox.variations.values():
        yield from children.values()


def _invalid(sandbox: WooCommerceSandbox, change: Mapping[str, Any], own_id: int | None
             ) -> dict[str, Any] | None:
    """The error WooCommerce answers for ``change``, or None when it is valid."""
    for name in TEXT_FIELDS:
        if name in change and not isinstance(change[name], str):
            return _error("rest_invalid_param", f"Invalid parameter(s): {name}",
                          params={name: f"{name} is not of type string."})
    if "type" in change and change["type"] not in TYPES:
        return _error("rest_invalid_param", "Invalid parameter(s): type",
                      params={"type": f"type is not one of {', '.join(TYPES)}."})
    sku = change.get("sku")
    if sku:
        holder = next((i["id"] for i in _items(sandbox) if i.get("sku") == sku and i["id"] != own_id),
                      None)
        if holder is not None:
            return _error("product_invalid_sku", "Invalid or duplicated SKU.", resource_id=holder,
                          unique_sku=sku)
    gtin = change.get("global_unique_id")
    if gtin:
        holder = next((i["id"] for i in _items(sandbox)
                       if i.get("global_unique_id") == gtin and i["id"] != own_id), None)
        if not str(gtin).isdigit() or holder is not None:
            return _error("product_invalid_global_unique_id",
                          "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
                          **({"resource_id": holder} if holder else {}))
    for image in change.get("images") or []:
        src = image.get("src", "") if isinstance(image, Mapping) else ""
        if not str(src).startswith(("http://", "https://")):
            return _error("woocommerce_product_image_upload_error",
                          f"Error getting remote image {src}.")
    return None


def apply_fields(item: dict[str, Any], change: Mapping[str, Any], now: datetime) -> None:
    """Store the catalogue fields of ``change`` (prices and stock are the store's own code)."""
    for name in ("name", "description", "short_description", "sku", "weight", "type", "status",
                 "global_unique_id"):
        if name in change:
            item[name] = change[name]
    if "dimensions" in change:
        item["dimensions"] = {**item.get("dimensions", {}), **change["dimensions"]}
    if "images" in change:
        item["images"] = [{"id": 700 + n, "src": i["src"], "name": "", "alt": ""}
                          for n, i in enumerate(change["images"])]
    if "categories" in change:
        item["categories"] = [{"id": c["id"]} for c in change["categories"]]
    if "attributes" in change:
        item["attributes"] = copy.deepcopy(change["attributes"])
    if "meta_data" in change:
        kept = {m["key"]: m for m in item.get("meta_data", [])}
        for meta in change["meta_data"]:
            kept[meta["key"]] = {"id": 0, **meta}
        item["meta_data"] = list(kept.values())
    item["date_modified"], item["date_modified_gmt"] = dates(now.replace(microsecond=0))


def check_update(sandbox: WooCommerceSandbox, item: Mapping[str, Any], change: Mapping[str, Any]
                 ) -> dict[str, Any] | None:
    return _invalid(sandbox, change, item["id"])


def create(sandbox: WooCommerceSandbox, change: Mapping[str, Any], parent: int | None
           ) -> dict[str, Any]:
    """One batch ``create`` entry: the new product or variation, or ``{"id": 0, "error"}``."""
    from hub_woocommerce.sandbox.catalog import _base

    problem = _invalid(sandbox, change, None)
    if problem is None and parent is not None and sandbox.products[parent]["type"] != "variable":
        problem = _error("woocommerce_rest_invalid_product_id",
                         "Variations can only be added to variable products.")
    if problem:
        return {"id": 0, "error": problem}
    sandbox._next_id += 1
    new_id = sandbox._next_id
    now = sandbox.now()
    item = _base(new_id, "", str(change.get("regular_price", "")), 0, now)
    item.update({"manage_stock": False, "stock_quantity": None, "global_unique_id": "",
                 "images": [], "attributes": [], "categories": []})
    if parent is None:
        item.update({"name": "", "type": "simple", "parent_id": 0, "variations": [],
                     "short_description": "", "permalink": f"https://sandbox.example/?p={new_id}"})
        apply_fields(item, change, now)
        sandbox.products[new_id] = item
        if item["type"] == "variable":
            sandbox.variations.setdefault(new_id, {})
    else:
        item.update({"parent_id": parent, "image": None})
        apply_fields(item, change, now)
        sandbox.variations.setdefault(parent, {})[new_id] = item
        sandbox.products[parent]["variations"].append(new_id)
    item["regular_price"] = item["price"] = str(change.get("regular_price", ""))
    return item


# --- customers -------------------------------------------------------------------------

def customer_routes(sandbox: WooCommerceSandbox, wc: str) -> list[Route]:
    """``GET|POST /customers`` (``email`` filter) and ``GET|PUT /customers/{id}``.

    As WooCommerce does: a customer needs a valid ``email``
    (``rest_missing_callback_param`` / ``registration-error-invalid-email``) and
    an e-mail already registered is refused (``registration-error-email-exists``).
    """
    return [Route(f"{wc}/customers", sandbox._api(partial(_customers, sandbox)),
                  methods=["GET", "POST"]),
            Route(f"{wc}/customers/{{customer_id:int}}", sandbox._api(partial(_customer, sandbox)),
                  methods=["GET", "PUT"])]


def _store_customer(sandbox: WooCommerceSandbox, item: dict[str, Any], body: Mapping[str, Any]
                    ) -> None:
    for name in ("first_name", "last_name"):
        if name in body:
            item[name] = str(body[name])
    if isinstance(body.get("billing"), Mapping):
        item["billing"] = {**item["billing"], **body["billing"]}
    item["date_modified_gmt"] = sandbox.now().replace(microsecond=0, tzinfo=None).isoformat()


async def _customers(sandbox: WooCommerceSandbox, request: Request) -> Response:
    from hub_woocommerce.sandbox.store import _json_object

    if request.method == "GET":
        email = (request.query_params.get("email") or "").lower()
        found = [c for c in sorted(sandbox.customers.values(), key=lambda c: c["id"])
                 if not email or c["email"] == email]
        return sandbox._listing(request, found)[0]
    body = await _json_object(request)
    email = str(body.get("email") or "").strip().lower()
    if not email:
        raise Refused(400, "rest_missing_callback_param", "Missing parameter(s): email")
    if "@" not in email:
        raise Refused(400, "registration-error-invalid-email", "Please provide a valid email address.")
    if any(c["email"] == email for c in sandbox.customers.values()):
        raise Refused(400, "registration-error-email-exists",
                      "An account is already registered with your email address.")
    sandbox._next_id += 1
    customer_id = sandbox._next_id
    item: dict[str, Any] = {"id": customer_id, "email": email, "first_name": "", "last_name": "",
            "role": "customer", "username": email.split("@")[0],
            "billing": {"first_name": "", "last_name": "", "company": "", "address_1": "",
                        "address_2": "", "city": "", "state": "", "postcode": "", "country": "",
                        "email": email, "phone": ""},
            "date_created_gmt": sandbox.now().replace(microsecond=0, tzinfo=None).isoformat()}
    _store_customer(sandbox, item, body)
    sandbox.customers[customer_id] = item
    return JSONResponse(item, status_code=201)


async def _customer(sandbox: WooCommerceSandbox, request: Request) -> Response:
    from hub_woocommerce.sandbox.store import _json_object

    item = sandbox.customers.get(request.path_params["customer_id"])
    if item is None:
        raise Refused(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
    if request.method == "PUT":
        _store_customer(sandbox, item, await _json_object(request))
    return JSONResponse(item)
