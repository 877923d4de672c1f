"""The sandbox's HTTP routes, as Mercado Libre answers them.

* ``GET /authorization`` (the seller's login page: approves at once and
  redirects to ``redirect_uri?code=..&state=..``), ``POST /oauth/token``
  (form body only);
* ``GET /users/me``, ``GET /users/{id}``;
* ``GET /orders/search`` (``seller``, ``order.status``,
  ``order.date_last_updated.from/to``, ``order.date_created.from/to`` with
  minutes ignored, ``sort`` date_asc|date_desc by creation, ``offset``,
  ``limit`` <= 51), ``GET /orders/{id}``, ``GET /packs/{id}``,
  ``GET|POST /packs/{id}/fiscal_documents`` (multipart ``fiscal_document``: PDF or
  XML, at most 1 MB, an XML must be well-formed; the same file name twice answers 409
  "already uploaded"; at most :data:`MAX_FISCAL_DOCUMENTS` per pack),
  ``DELETE /packs/{id}/fiscal_documents/{document_id}``;
* ``GET /shipments/{id}``, ``PUT /shipments/{id}`` (ME1/custom only);
* ``GET /users/{id}/items/search`` (``offset``+``limit`` <= 1000, else
  ``search_type=scan`` with ``scroll_id``), ``GET /items?ids=`` (<= 20),
  ``GET /items/{id}``, ``PUT /items/{id}`` (``available_quantity``, ``price``,
  ``variations``: variations left out are deleted, one without ``id`` is added, one with
  ``attributes`` has them replaced by id), ``GET /categories/{id}``;
* ``GET|POST|DELETE /seller-promotions/items/{id}?app_version=v2`` (PRICE_DISCOUNT).

Every API route but the login page and categories needs ``Authorization:
Bearer``; errors use ``{"message", "error", "status", "cause"}``.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.sandbox import (
    IntProblem,
    Refused,
    Scroll,
    int_param,
    is_form,
    offset_slice,
    read_form,
    read_json,
    require_loopback,
    time_param,
)
from hub_mercadolibre.sandbox import catalogue_out
from hub_mercadolibre.sandbox.catalog import CATEGORIES, _attribute
from hub_mercadolibre.sandbox.forms import (
    MAX_FISCAL_DOCUMENTS,
    error,
    fiscal_document_problem,
    forbidden,
    multipart_files,
    not_found,
)
from hub_mercadolibre.sandbox.sales import parse, stamp
from hub_mercadolibre.sandbox.tickets import routes as ticket_routes

if TYPE_CHECKING:
    from hub_mercadolibre.sandbox.store import MercadoLibreSandbox

Handler = Callable[[Request], Awaitable[Response]]
SEARCH_MAX_LIMIT = 51
ITEMS_MAX_LIMIT = 100
MULTIGET_MAX = 20
SELF_SHIPPING = frozenset({"me1", "custom"})


def _int(request: Request, name: str, default: int, low: int = 0, high: int | None = None) -> int:
    def refuse(name: str, value: str, problem: IntProblem) -> Refused:
        message = (f"Invalid {name}. Max value allowed is {high}" if problem is IntProblem.TOO_HIGH
                   else f"Invalid {name}: {value}")
        return Refused(error(400, "bad_request", message))
    return int_param(request.query_params.get(name), name, default, low, high, refuse)


async def _json(request: Request) -> Any:
    return await read_json(request, lambda: Refused(error(400, "bad_request",
                                                          "body is not valid JSON")))


class RateLimit:
    """The app's request rate (:attr:`MercadoLibreSandbox.rate_bucket`): 429, no ``Retry-After``."""

    def __init__(self, app: ASGIApp, sandbox: MercadoLibreSandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sb = self.sandbox
        if (scope["type"] == "http" and sb.options.enforce_rate_limit
                and not scope["path"].startswith(sb.exempt_paths) and not sb.rate_bucket.take()):
            sb.stats.rejected_429 += 1
            response = JSONResponse(sb.fault_body(429), status_code=429)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def build(sb: MercadoLibreSandbox) -> ASGIApp:
    """The Starlette app serving ``sb``."""

    def authed(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            user, (status, body) = sb.tokens.user_of(request.headers.get("authorization"))
            if user is None:
                return JSONResponse(body, status_code=status)
            request.state.user = user
            try:
                return await handler(request)
            except Refused as refused:
                return refused.answer()
        return run

    def own(request: Request) -> bool:
        return int(request.state.user) == sb.seller_id

    # --- OAuth ----------------------------------------------------------------------------
    async def authorization(request: Request) -> Response:
        q = request.query_params
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != sb.client_id:
            return error(400, "invalid_client", "invalid client_id")
        host = redirect.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
        try:
            require_loopback(host)
        except ValueError:
            return error(400, "invalid_request", "redirect_uri is not registered for the app")
        if q.get("response_type") != "code":
            return error(400, "invalid_request", "response_type must be code")
        challenge = q.get("code_challenge")
        method = q.get("code_challenge_method") or ("plain" if challenge else None)
        if challenge and method not in ("S256", "plain"):
            return error(400, "invalid_request", "code_challenge_method must be S256 or plain")
        code = sb.tokens.authorize(q["client_id"], redirect, challenge, method)
        params = {"code": code, **({"state": q["state"]} if q.get("state") else {})}
        joiner = "&" if "?" in redirect else "?"
        return RedirectResponse(f"{redirect}{joiner}{urlencode(params)}", status_code=302)

    async def revoke_grant(request: Request) -> Response:
        """``DELETE /users/{user_id}/applications/{app_id}``: the seller's grant to the app ends."""
        if not own(request) or str(request.path_params["user_id"]) != str(sb.seller_id):
            return error(403, "forbidden", "the token does not belong to this user")
        if request.path_params["app_id"] != sb.client_id:
            return error(404, "not_found", "the user has not authorized this application")
        sb.tokens.issuer.revoke(str(sb.seller_id))
        sb.revoked_grants += 1
        return JSONResponse({"user_id": sb.seller_id, "app_id": sb.client_id, "status": "revoked"})

    async def token(request: Request) -> Response:
        if not is_form(request):
            return error(400, "invalid_request", "the token request needs a form body")
        form = await read_form(request)
        status, body = sb.tokens.token(form)
        return JSONResponse(body, status_code=status)

    # --- users ------------------------------------------------------------------------------
    async def user(request: Request) -> Response:
        wanted = request.path_params["user_id"]
        if wanted != "me" and wanted != str(sb.seller_id):
            return not_found("User")
        return JSONResponse(sb.seller)

    # --- orders -----------------------------------------------------------------------------
    def date_filter(request: Request, name: str) -> datetime | None:
        value = request.query_params.get(name)
        if not value:
            return None
        when = time_param(value, name, lambda name, value, _: Refused(
            error(400, "bad_request", f"Invalid date for {name}: {value}")))
        return when.replace(minute=0, second=0, microsecond=0) if sb.hour_granularity else when

    async def orders_search(request: Request) -> Response:
        q = request.query_params
        if not q.get("seller"):
            return error(400, "bad_request", "seller or buyer are required")
        if q["seller"] != str(request.state.user):
            return forbidden()
        offset = _int(request, "offset", 0)
        limit = _int(request, "limit", 50, 1, SEARCH_MAX_LIMIT)
        sort = q.get("sort", "date_asc")
        if sort not in ("date_asc", "date_desc"):
            return error(400, "bad_request", f"Invalid sort: {sort}")
        bounds = {name: date_filter(request, f"order.{name}") for name in (
            "date_last_updated.from", "date_last_updated.to", "date_created.from",
            "date_created.to")}
        statuses = set(filter(None, (q.get("order.status") or "").split(",")))

        def keep(order: dict[str, Any]) -> bool:
            updated, created = parse(order["last_updated"]), parse(order["date_created"])
            checks = [(bounds["date_last_updated.from"], updated, True),
                      (bounds["date_last_updated.to"], updated, False),
                      (bounds["date_created.from"], created, True),
                      (bounds["date_created.to"], created, False)]
            for bound, value, lower in checks:
                if bound is not None and (value < bound if lower else value > bound):
                    return False
            return not statuses or order["status"] in statuses

        found = sorted((o for o in sb.orders.values() if keep(o)),
                       key=lambda o: (parse(o["date_created"]), o["id"]), reverse=sort == "date_desc")
        body = {"query": None, "results": copy.deepcopy(offset_slice(found, offset, limit)),
                "sort": {"id": sort, "name": "Date ascending" if sort == "date_asc"
                         else "Date descending"},
                "available_sorts": [{"id": s, "name": s} for s in ("date_asc", "date_desc")
                                    if s != sort],
                "filters": [], "paging": {"total": len(found), "offset": offset, "limit": limit},
                "display": "complete"}
        sb.drift_hook.served(offset // limit + 1)
        return JSONResponse(body)

    async def order(request: Request) -> Response:
        found = sb.orders.get(int(request.path_params["order_id"]))
        if found is None:
            return not_found("Order")
        if found["seller"]["id"] != request.state.user:
            return forbidden()
        return JSONResponse(found)

    async def pack(request: Request) -> Response:
        found = sb.packs.get(int(request.path_params["pack_id"]))
        return JSONResponse(found) if found is not None and own(request) else not_found("Pack")

    async def fiscal_documents(request: Request) -> Response:
        target = int(request.path_params["pack_id"])
        sale = sb.packs.get(target) or sb.orders.get(target)
        if sale is None or (target in sb.orders and sb.orders[target].get("pack_id")):
            return not_found("Pack")
        stored = sb.fiscal_documents.setdefault(str(target), [])
        if request.method == "GET":
            return JSONResponse([{"id": f["id"], "file_name": f["filename"],
                                  "content_type": f["content_type"]} for f in stored])
        files = [f for f in multipart_files(request.headers.get("content-type", ""),
                                            await request.body()) if f["name"] == "fiscal_document"]
        if not files:
            return error(400, "bad_request", "fiscal_document file is required")
        for file in files:
            if why := fiscal_document_problem(file):
                return error(400, "bad_request", why)
            if any(f["filename"] == file["filename"] for f in stored):
                return error(409, "conflict", f"Fiscal document {file['filename']} already uploaded")
        if len(stored) + len(files) > MAX_FISCAL_DOCUMENTS:
            return error(400, "bad_request", f"The pack {target} already has {len(stored)} fiscal "
                         f"document(s); at most {MAX_FISCAL_DOCUMENTS} per pack")
        ids = []
        for file in files:
            sb.fiscal_sequence += 1
            file["id"] = f"{target}_{sb.fiscal_sequence:08x}"
            stored.append(file)
            ids.append(file["id"])
        sb.writes.append(("POST", request.url.path, [f["filename"] for f in files]))
        return JSONResponse({"ids": ids}, status_code=201)

    async def fiscal_document(request: Request) -> Response:
        target = str(request.path_params["pack_id"])
        stored = sb.fiscal_documents.get(target) or []
        found = next((f for f in stored if f["id"] == request.path_params["document_id"]), None)
        if found is None:
            return not_found("Fiscal document")
        stored.remove(found)
        sb.writes.append(("DELETE", request.url.path, [found["filename"]]))
        return JSONResponse({"id": found["id"], "status": "deleted"})

    # --- shipments ---------------------------------------------------------------------------
    async def shipment(request: Request) -> Response:
        found = sb.shipments.get(int(request.path_params["shipment_id"]))
        if found is None or found["sender_id"] != request.state.user:
            return not_found("Shipment")
        if request.method == "GET":
            return JSONResponse(found)
        body = await _json(request)
        if not isinstance(body, dict):
            return error(400, "bad_request", "body must be an object")
        if found["mode"] not in SELF_SHIPPING:
            return error(400, "bad_request", f"Shipments in mode {found['mode']} can not be "
                         "updated by the seller")
        if "receiver_id" in body and body["receiver_id"] != found["receiver_id"]:
            return error(400, "bad_request", "receiver_id does not match the shipment")
        status = body.get("status")
        if status is not None:
            allowed = {"shipped": {"pending", "handling", "ready_to_ship", "shipped"},
                       "delivered": {"shipped", "delivered"}}.get(status)
            if allowed is None or found["status"] not in allowed:
                return error(400, "bad_request",
                             f"Invalid status transition {found['status']} -> {status}")
            found["status"] = status
            found["substatus"] = None
        if "tracking_number" in body:
            found["tracking_number"] = str(body["tracking_number"])
        if "comments" in body:
            found["comments"] = str(body["comments"])
        sb.writes.append(("PUT", request.url.path, body))
        key = next((k for k, orders in sb.sales().items()
                    if (orders[0].get("shipping") or {}).get("id") == found["id"]), None)
        if key is not None:
            sb.touch(key)
        return JSONResponse(found)

    # --- items ---------------------------------------------------------------------------------
    def render(item: dict[str, Any], request: Request) -> dict[str, Any]:
        shown = copy.deepcopy(item)
        if request.query_params.get("include_attributes") != "all":
            for variation in shown["variations"]:
                variation.pop("attributes", None)
        return shown

    async def items_search(request: Request) -> Response:
        if request.path_params["user_id"] != str(request.state.user):
            return forbidden()
        ids = sorted(sb.items)
        if request.query_params.get("seller_sku"):  # issue 20: find listings by SKU
            ids = [i for i in ids if catalogue_out.has_sku(sb.items[i],
                                                          request.query_params["seller_sku"])]
        status = request.query_params.get("status")
        if status:
            ids = [i for i in ids if sb.items[i]["status"] == status]
        limit = _int(request, "limit", 50, 1, ITEMS_MAX_LIMIT)
        paging = {"total": len(ids), "limit": limit}
        if request.query_params.get("search_type") == "scan":
            scroll_id = request.query_params.get("scroll_id") or f"scroll-{len(sb.scrolls) + 1}"
            if scroll_id not in sb.scrolls and request.query_params.get("scroll_id"):
                return error(400, "bad_request", "Invalid scroll_id")
            scroll = sb.scrolls.setdefault(scroll_id, Scroll(list(ids), limit))
            scroll.size = limit  # each request names its own page size
            return JSONResponse({"seller_id": str(sb.seller_id), "results": scroll.next(),
                                 "paging": paging, "scroll_id": scroll_id})
        offset = _int(request, "offset", 0)
        if offset + limit > sb.items_offset_cap:
            return error(400, "bad_request", "Invalid offset: the limit of results is "
                         f"{sb.items_offset_cap}, use search_type=scan")
        return JSONResponse({"seller_id": str(sb.seller_id), "results": offset_slice(ids, offset, limit),
                             "paging": {**paging, "offset": offset}, "query": None})

    async def items_multiget(request: Request) -> Response:
        ids = [i for i in (request.query_params.get("ids") or "").split(",") if i]
        if not ids:
            return error(400, "bad_request", "ids is required")
        if len(ids) > MULTIGET_MAX:
            return error(400, "bad_request", f"Max {MULTIGET_MAX} ids allowed")
        out = []
        for item_id in ids:
            item = sb.items.get(item_id)
            if item is None:
                out.append({"code": 404, "body": {"message": f"Item with id {item_id} not found",
                                                  "error": "not_found", "status": 404,
                                                  "cause": []}})
            else:
                out.append({"code": 200, "body": render(item, request)})
        return JSONResponse(out)

    async def item(request: Request) -> Response:
        found = sb.items.get(request.path_params["item_id"])
        if found is None:
            return not_found("Item")
        if request.method == "GET":
            return JSONResponse(render(found, request))
        if found["seller_id"] != request.state.user:
            return forbidden()
        if sb.lock_conflicts > 0:
            sb.lock_conflicts -= 1
            return error(409, "conflict", "Item is being updated, please try again",
                         "optimistic locking")
        body = await _json(request)
        if not isinstance(body, dict):
            return error(400, "bad_request", "body must be an object")
        updated = update_item(copy.deepcopy(found), body)
        refused = catalogue_out.update_listing(updated, body)
        if refused is not None:
            return refused
        found.clear()
        found.update(updated)
        found["last_updated"] = stamp(sb.now())
        sb.writes.append(("PUT", request.url.path, body))
        return JSONResponse(render(found, request))

    async def category(request: Request) -> Response:
        category_id = request.path_params["category_id"]
        name = CATEGORIES.get(category_id)
        if name is None:
            return not_found("Category")
        return JSONResponse({"id": category_id, "name": name,
                             "path_from_root": [{"id": category_id, "name": name}]})

    # --- seller promotions ----------------------------------------------------------------------
    async def promotions(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        found = sb.items.get(item_id)
        if found is None:
            return not_found("Item")
        if request.query_params.get("app_version") != "v2":
            return error(400, "bad_request", "app_version=v2 is required")
        current = sb.promotions.setdefault(item_id, [])
        now = sb.now()
        for promo in current:
            if promo["status"] == "pending" and parse_naive(promo["start_date"]) <= now:
                promo["status"] = "started"
            if parse_naive(promo["finish_date"]) <= now:
                promo["status"] = "finished"
        live = [p for p in current if p["status"] in ("pending", "started")]
        if request.method == "GET":
            return JSONResponse(current)
        if request.method == "DELETE":
            if request.query_params.get("promotion_type") != "PRICE_DISCOUNT":
                return error(400, "bad_request", "promotion_type is required")
            if not live:
                return not_found("Promotion")
            for promo in live:
                promo["status"] = "finished"
            sb.writes.append(("DELETE", request.url.path, None))
            return JSONResponse({"message": "Promotion removed"})
        body = await _json(request)
        problem = check_promotion(body, found, now)
        if problem:
            return error(400, "bad_request", problem)
        if live:
            return error(400, "bad_request", "The item already has an active PRICE_DISCOUNT")
        start = parse_naive(body["start_date"])
        promo = {"id": f"OFFER-{item_id}-{len(current) + 1}", "type": "PRICE_DISCOUNT",
                 "status": "started" if start <= now else "pending", "price": body["deal_price"],
                 "original_price": found["price"], "start_date": body["start_date"],
                 "finish_date": body["finish_date"]}
        current.append(promo)
        sb.writes.append(("POST", request.url.path, body))
        return JSONResponse({"price": promo["price"], "original_price": promo["original_price"]},
                            status_code=201)

    routes = [
        Route("/authorization", authorization),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/users/{user_id}", authed(user)),
        Route("/users/{user_id}/items/search", authed(items_search)),
        Route("/users/{user_id}/applications/{app_id}", authed(revoke_grant), methods=["DELETE"]),
        Route("/orders/search", authed(orders_search)),
        Route("/orders/{order_id:int}", authed(order)),
        Route("/packs/{pack_id:int}", authed(pack)),
        Route("/packs/{pack_id:int}/fiscal_documents", authed(fiscal_documents),
              methods=["GET", "POST"]),
        Route("/packs/{pack_id:int}/fiscal_documents/{document_id}", authed(fiscal_document),
              methods=["DELETE"]),
        Route("/shipments/{shipment_id:int}", authed(shipment), methods=["GET", "PUT"]),
        Route("/items", authed(items_multiget)),
        Route("/items/{item_id}", authed(item), methods=["GET", "PUT"]),
        Route("/categories/{category_id}", category),
        Route("/seller-promotions/items/{item_id}", authed(promotions),
              methods=["GET", "POST", "DELETE"]),
        *ticket_routes(sb.desk, authed),
        *catalogue_out.routes(sb, authed),
    ]

    async def unknown(request: Request, exc: Exception) -> Response:
        return error(404, "not_found", f"resource {request.url.path} not found")

    return RateLimit(Starlette(routes=routes, exception_handlers={404: unknown}), sb)


def parse_naive(value: str) -> datetime:
    """A promotion date (``2026-11-20T00:00:00``, UTC when it has no offset)."""
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def check_promotion(body: Any, item: dict[str, Any], now: datetime) -> str | None:
    """Why a PRICE_DISCOUNT request is refused, or None."""
    if not isinstance(body, dict) or body.get("promotion_type") != "PRICE_DISCOUNT":
        return "promotion_type must be PRICE_DISCOUNT"
    price = body.get("deal_price")
    if not isinstance(price, int | float) or price <= 0:
        return "deal_price must be a positive number"
    if price >= item["price"]:
        return "deal_price must be lower than the item's price"
    try:
        start, finish = parse_naive(body["start_date"]), parse_naive(body["finish_date"])
    except (KeyError, TypeError, ValueError):
        return "start_date and finish_date are required (YYYY-MM-DDTHH:MM:SS)"
    if finish <= start or finish <= now:
        return "finish_date must be after start_date and in the future"
    if finish - start > timedelta(days=90):
        return "a promotion lasts at most 90 days"
    return None


def update_item(item: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Apply a ``PUT /items/{id}`` body as Mercado Libre does; Refused when it would not."""
    if "variations" in body:
        listed = body["variations"]
        if not isinstance(listed, list):
            raise Refused(error(400, "bad_request", "variations must be a list"))
        existing = {v["id"]: v for v in item["variations"]}
        kept: list[dict[str, Any]] = []
        for entry in listed:
            if isinstance(entry, dict) and "id" not in entry:  # no id: a new variation
                kept.append(_new_variation(item, entry, kept))
                continue
            variation = existing.get(entry.get("id")) if isinstance(entry, dict) else None
            if variation is None:
                raise Refused(error(400, "item.variations.invalid",
                                    f"Variation {entry} not found in item {item['id']}"))
            _set_quantity(variation, entry)
            _set_price(variation, entry)
            if isinstance(entry.get("attributes"), list):  # a variation's own attributes (GTIN...)
                given = {a["id"]: a for a in entry["attributes"] if isinstance(a, dict) and a.get("id")}
                variation["attributes"] = [a for a in variation.get("attributes") or []
                                           if a.get("id") not in given] + [
                    _attribute(a["id"], a.get("name") or a["id"], str(a.get("value_name")))
                    for a in given.values()]
            kept.append(variation)
        item["variations"] = kept  # variations left out of the list are deleted
    if "available_quantity" in body:
        if item["variations"]:
            raise Refused(error(400, "item.available_quantity.invalid",
                                "The item has variations: set available_quantity per variation"))
        _set_quantity(item, body)
    if "price" in body:
        _set_price(item, body)
        for variation in item["variations"]:
            variation["price"] = item["price"]
    if item["variations"]:
        item["available_quantity"] = sum(v["available_quantity"] for v in item["variations"])
        item["price"] = max(v["price"] for v in item["variations"])
    active = item["available_quantity"] > 0
    item["status"] = "active" if active else "paused"
    item["sub_status"] = [] if active else ["out_of_stock"]
    return item


def _new_variation(item: dict[str, Any], entry: dict[str, Any],
                   listed: list[dict[str, Any]]) -> dict[str, Any]:
    """A variation added by ``PUT /items/{id}`` (an entry without ``id``), checked as Mercado
    Libre does: its attribute_combinations given and unlike the other variations', a price."""
    combos = entry.get("attribute_combinations")
    if not isinstance(combos, list) or not combos:
        raise Refused(error(400, "item.variations.attribute_combinations.required",
                            "A new variation needs attribute_combinations"))
    def key(combinations: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((str(c.get("name") or c.get("id")), str(c.get("value_name")))
                            for c in combinations))
    if key(combos) in {key(v.get("attribute_combinations") or []) for v in listed}:
        raise Refused(error(400, "item.variations.attribute_combinations.duplicated",
                            "two variations have the same attribute_combinations"))
    ids = [int(v["id"]) for v in item["variations"] + listed if str(v["id"]).isdigit()]
    variation: dict[str, Any] = {
        "id": max(ids, default=180000000000 + int(str(item["id"])[3:] or 0) * 100) + 1,
        "price": item["price"], "available_quantity": 0, "sold_quantity": 0, "picture_ids": [],
        "seller_custom_field": None,
        "attribute_combinations": [{"id": c.get("id") or str(c.get("name")).upper(),
                                    "name": c.get("name") or c.get("id"), "value_id": None,
                                    "value_name": c.get("value_name")} for c in combos],
        "attributes": [_attribute(a["id"], a.get("name") or a["id"], str(a.get("value_name")))
                       for a in entry.get("attributes") or [] if isinstance(a, dict) and a.get("id")]}
    if "price" not in entry:
        raise Refused(error(400, "item.variations.price.required", "A new variation needs a price"))
    _set_price(variation, entry)
    _set_quantity(variation, entry)
    return variation


def _set_quantity(target: dict[str, Any], entry: dict[str, Any]) -> None:
    if "available_quantity" not in entry:
        return
    value = entry["available_quantity"]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Refused(error(400, "item.available_quantity.invalid",
                            f"Invalid available_quantity: {value}"))
    target["available_quantity"] = value


def _set_price(target: dict[str, Any], entry: dict[str, Any]) -> None:
    if "price" not in entry:
        return
    value = entry["price"]
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise Refused(error(400, "item.price.invalid", f"Invalid price: {value}"))
    target["price"] = value
