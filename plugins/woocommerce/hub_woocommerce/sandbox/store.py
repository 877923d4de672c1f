"""The sandbox WooCommerce store: an ASGI app with the REST routes the plugin uses.

Routes (under ``/wp-json``): ``wc/v3/orders`` (filters ``status``,
``modified_after``/``modified_before``/``after``/``before`` with
``dates_are_gmt``, ``include``, ``exclude``, ``orderby`` date|id|modified|include,
``order``, ``page``, ``per_page`` <= 100, ``offset``; headers ``X-WP-Total``,
``X-WP-TotalPages``, ``Link``), ``wc/v3/orders/{id}`` (GET, PUT),
``wc/v3/orders/{id}/notes`` (GET, POST), ``wc/v3/products`` (``include``,
``sku``, ``type``), ``wc/v3/products/{id}``, ``wc/v3/products/{id}/variations``,
``wc/v3/products/batch`` and ``wc/v3/products/{id}/variations/batch`` (<= 100
items, else 413), ``wc/v3/products/categories``, ``wc/v3/system_status``,
``wc/v3/data/currencies/current``, and the Shipment Tracking extension's
``wc-shipment-tracking/v3/orders/{id}/shipment-trackings``; plus the
app-authorization page ``/wc-auth/v1/authorize``, which approves at once.

Errors use WooCommerce's ``{"code", "message", "data": {"status"}}`` body and
its error codes. Authentication: see :mod:`.security`. WooCommerce has no API
rate limit of its own and its keys do not expire, so ``enforce_rate_limit`` and
``token_ttl`` change nothing here; 429 bursts and 503s come from the fault
knobs, with the body a host's firewall would send.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, cast
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub import sign_hmac
from hub.sandbox import (
    Drift,
    IntProblem,
    Records,
    Sandbox,
    SandboxOptions,
    int_param,
    offset_slice,
    page_count,
    time_param,
)
from hub.settings import BACKFILL_DAYS
from hub_woocommerce.sandbox import catalog, catalogue_out
from hub_woocommerce.sandbox.formats import STORE_TZ, dates, parse_gmt
from hub_woocommerce.sandbox.orders import STORE_CURRENCY, OrderFactory, generate
from hub_woocommerce.sandbox.security import ApiKey, KeyStore, Refused, error

ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded",
                  "failed", "trash", "checkout-draft")
ORDER_FIELDS = ("id", "status", "date_created_gmt", "date_modified_gmt")
"""What the order listing filters and sorts on: writing one invalidates its cached pages."""
BATCH_LIMIT = 100
WC_VERSION = "8.9.1"
Handler = Callable[[Request], Awaitable[Response]]



def invalid_param(name: str, reason: str) -> Refused:
    """WordPress's 400 for a query or body parameter that fails its schema."""
    return Refused(400, "rest_invalid_param", f"Invalid parameter(s): {name}", {name: reason})


def _int(value: str | None, name: str, default: int, low: int, high: int | None = None) -> int:
    def refuse(name: str, value: str, problem: IntProblem) -> Refused:
        if problem is IntProblem.NOT_INTEGER:
            return invalid_param(name, f"{name} is not of type integer.")
        bound = f"between {low} (inclusive) and {high} (inclusive)" if high else f">= {low}"
        return invalid_param(name, f"{name} must be {bound}")
    return int_param(value, name, default, low, high, refuse)


def _list(request: Request, name: str) -> list[str]:
    values = [*request.query_params.getlist(name), *request.query_params.getlist(f"{name}[]")]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _ids(request: Request, name: str) -> list[int]:
    try:
        return [int(v) for v in _list(request, name)]
    except ValueError:
        raise invalid_param(name, f"{name}[0] is not of type integer.") from None


def _gmt_filter(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    gmt = request.query_params.get("dates_are_gmt", "").lower() in ("1", "true")
    when = time_param(value, name, lambda name, _, __: invalid_param(name, "Invalid date."),
                      naive=UTC if gmt else STORE_TZ)
    return when.replace(microsecond=0)


class WooCommerceSandbox(Sandbox):
    """A fake WooCommerce store with seeded orders and products (see the module docstring).

    State tests read back: :attr:`orders`, :attr:`products`, :attr:`variations`
    (by parent id), :attr:`notes` and :attr:`trackings` (by order id).
    """

    platform = "woocommerce"
    exempt_paths = ("/wc-auth/",)
    catalogue_category = "24"  # Decor

    def __init__(self, options: SandboxOptions | None = None) -> None:
        super().__init__(options)
        seed = self.options.seed
        self.rng = random.Random(seed)
        self.keys = KeyStore()
        self.api_key = self._new_key(permissions="read_write")
        self.products, self.variations = catalog.build(self.rng,
                                                       self.epoch - timedelta(days=365))
        self.categories = catalog.category_payloads()
        self.currency = self.options.currency or STORE_CURRENCY
        self.factory = OrderFactory(self.rng, catalog.sellable(self.products, self.variations),
                                    currency=self.currency)
        self.orders: Records[int] = Records(ORDER_FIELDS, generate(
            self.factory, self.options.orders, self.epoch))
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.trackings: dict[int, list[dict[str, Any]]] = {}
        self.site_url = "http://127.0.0.1"
        self.drift_hook = Drift(self.options.drift_page)
        self._next_id = 9000
        self.customers: dict[int, dict[str, Any]] = {}  # created through the API (issue 20)
        self._deliveries = 0

    # --- what tests and `hub demo` use ------------------------------------------------
    def account_settings(self, base_url: str) -> dict[str, str]:
        """base_url, consumer_key, consumer_secret, webhook_secret for a hub account."""
        self.site_url = base_url.rstrip("/")
        return {"base_url": self.site_url, "consumer_key": self.api_key.consumer_key,
                "consumer_secret": self.api_key.consumer_secret,
                "webhook_secret": self.options.webhook_secret}

    def listed(self, since: datetime | None = None) -> set[str]:
        """Ids the default order listing holds (no trash), modified after ``since``."""
        return {str(o["id"]) for o in self.orders.values() if o["status"] != "trash"
                and (since is None or parse_gmt(o["date_modified_gmt"]) > since)}

    def eligible_order_ids(self, backfill_days: int = BACKFILL_DAYS) -> set[str]:
        """Orders a first import (``backfill_days`` back, hub currency USD) must hold.

        Processing, modified inside the backfill, with lines, in the store's
        currency, and a customer with an e-mail or a phone.
        """
        start = self.now() - timedelta(days=backfill_days)
        return {
            str(o["id"]) for o in self.orders.values()
            if o["status"] == "processing" and parse_gmt(o["date_modified_gmt"]) > start
            and o["line_items"] and o["currency"] == self.currency
            and (o["billing"]["email"] or o["billing"]["phone"] or o["shipping"].get("phone"))
        }

    def stock(self, product_id: int, variation_id: int | None = None) -> int | None:
        """A product's or variation's current ``stock_quantity``."""
        item = (self.variations[product_id][variation_id] if variation_id
                else self.products[product_id])
        return item["stock_quantity"]

    def read_stock(self, platform_product_id: str, platform_variant_id: str | None) -> int | None:
        return self.stock(int(platform_product_id),
                          int(platform_variant_id) if platform_variant_id else None)

    def read_price(self, platform_product_id: str, platform_variant_id: str | None
                   ) -> tuple[Decimal | None, Decimal | None]:
        item = (self.variations[int(platform_product_id)][int(platform_variant_id)]
                if platform_variant_id else self.products[int(platform_product_id)])
        regular, sale = item.get("regular_price") or None, item.get("sale_price") or None
        return (Decimal(regular) if regular else None, Decimal(sale) if sale else None)

    def read_tracking(self, platform_order_id: str) -> str | None:
        order = self.orders.get(int(platform_order_id), {})
        meta = {m.get("key"): m.get("value") for m in order.get("meta_data", [])}
        return meta.get("_hub_tracking_number")

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """POST a delivery as WooCommerce does: compact JSON, ``X-WC-Webhook-*`` headers.

        ``topic`` is ``order.created``/``updated``/``deleted``/``restored``,
        ``product.*``, or ``ping`` (the activation ping: form body ``webhook_id=N``).
        """
        if topic == "ping":
            return await self.post(url, content=b"webhook_id=1", headers={
                "Content-Type": "application/x-www-form-urlencoded"})
        resource, _, event = topic.partition(".")
        if event == "deleted":
            data: Mapping[str, Any] = {"id": int(resource_id)}
        elif resource == "order":
            data = self._render_order(self.orders[int(resource_id)], self.site_url)
        else:
            data = self.products[int(resource_id)]
        body = php_json(data)
        self._deliveries += 1
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"WooCommerce/{WC_VERSION} Hookshot (WordPress/6.5.3)",
            "X-WC-Webhook-Source": f"{self.site_url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": sign_hmac(self.options.webhook_secret, body),
            "X-WC-Webhook-ID": str(WEBHOOK_IDS.get(topic, 99)),
            "X-WC-Webhook-Delivery-ID": str(self._deliveries),
        }
        return await self.post(url, content=body, headers=headers)

    def fault_body(self, status: int) -> Mapping[str, Any]:
        """What a host's firewall or PHP-FPM pool answers when it throttles or falls over."""
        if status == 429:
            return {"code": "too_many_requests", "message": "Too many requests.",
                    "data": {"status": 429}}
        return {"code": "service_unavailable", "message": "Service temporarily unavailable.",
                "data": {"status": status}}

    # --- app -----------------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        wc, st = "/wp-json/wc/v3", "/wp-json/wc-shipment-tracking/v3"
        api = self._api
        routes = [
            Route(f"{wc}/orders", api(self._orders)),
            Route(f"{wc}/orders/{{order_id:int}}", api(self._order), methods=["GET", "PUT"]),
            Route(f"{wc}/orders/{{order_id:int}}/notes", api(self._notes),
                  methods=["GET", "POST"]),
            Route(f"{wc}/products", api(self._products)),
            Route(f"{wc}/products/batch", api(self._product_batch), methods=["POST"]),
            Route(f"{wc}/products/categories", api(self._categories)),
            Route(f"{wc}/products/{{product_id:int}}", api(self._product)),
            Route(f"{wc}/products/{{product_id:int}}/variations", api(self._variations)),
            Route(f"{wc}/products/{{product_id:int}}/variations/batch",
                  api(self._variation_batch), methods=["POST"]),
            Route(f"{wc}/system_status", api(self._system_status)),
            Route(f"{wc}/data/currencies/current", api(self._currency)),
            Route(f"{st}/orders/{{order_id:int}}/shipment-trackings", api(self._trackings),
                  methods=["GET", "POST"]),
            Route("/wc-auth/v1/authorize", self._authorize),
            *_delete_routes(self, wc, st),
            *catalogue_out.customer_routes(self, wc),
        ]
        return Starlette(routes=routes, exception_handlers={HTTPException: _http_error})

    def _api(self, handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                self.keys.authenticate(request, time.time())
                return await handler(request)
            except Refused as refused:
                return refused.answer()

        return endpoint

    def _listing(self, request: Request, items: list[dict[str, Any]],
                 render: Callable[[dict[str, Any]], dict[str, Any]] | None = None
                 ) -> tuple[JSONResponse, list[dict[str, Any]]]:
        """One page of ``items`` (each passed through ``render``) with the pagination headers;
        also the page's items. Only the served page is rendered."""
        per_page = _int(request.query_params.get("per_page"), "per_page", 10, 1, 100)
        page = _int(request.query_params.get("page"), "page", 1, 1)
        offset = _int(request.query_params.get("offset"), "offset", (page - 1) * per_page, 0)
        total = len(items)
        pages = page_count(total, per_page)
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        if page > 1:
            links.append(f'<{_page_url(request, page - 1)}>; rel="prev"')
        if page < pages:
            links.append(f'<{_page_url(request, page + 1)}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        served = offset_slice(items, offset, per_page)
        if render is not None:
            served = [render(item) for item in served]
        return JSONResponse(served, headers=headers), served

    # --- orders ------------------------------------------------------------------------
    async def _orders(self, request: Request) -> Response:
        statuses = _list(request, "status") or ["any"]
        unknown = [s for s in statuses if s != "any" and s not in ORDER_STATUSES]
        if unknown:
            raise invalid_param("status", f"status[0] is not one of any, {', '.join(ORDER_STATUSES)}.")
        wanted = (set(ORDER_STATUSES) - {"trash"}) if "any" in statuses else set(statuses)
        bounds = {name: _gmt_text(_gmt_filter(request, name)) for name in
                  ("after", "before", "modified_after", "modified_before")}
        include, exclude = _ids(request, "include"), set(_ids(request, "exclude"))
        orderby = request.query_params.get("orderby", "date")
        direction = request.query_params.get("order", "desc")
        if orderby not in ("date", "id", "modified", "include"):
            raise invalid_param("orderby", "orderby is not one of date, id, include, modified.")
        if direction not in ("asc", "desc"):
            raise invalid_param("order", "order is not one of asc and desc.")
        query = ("orders", frozenset(wanted), tuple(bounds.items()), tuple(include),
                 frozenset(exclude), orderby, direction)
        found = self.orders.query(query, partial(self._matching, wanted, bounds, include, exclude,
                                                 orderby, direction))
        site = _site(request)
        response, served = self._listing(request, found,
                                         render=lambda o: self._render_order(o, site))
        page = _int(request.query_params.get("page"), "page", 1, 1)
        if self.drift_hook.served(page, nonempty=bool(served)):
            self._drift(served[0]["id"])
        return response

    def _matching(self, wanted: set[str], bounds: Mapping[str, str | None], include: list[int],
                  exclude: set[int], orderby: str, direction: str) -> list[dict[str, Any]]:
        """The orders a listing query matches, in its order (cached by :meth:`_orders`)."""
        found = [o for o in self._candidates(bounds, include) if o["status"] in wanted
                 and (not include or o["id"] in include) and o["id"] not in exclude
                 and _in_bounds(o, bounds)]
        keys: dict[str, Callable[[dict[str, Any]], Any]] = {
            "date": lambda o: (o["date_created_gmt"], o["id"]),
            "modified": lambda o: (o["date_modified_gmt"], o["id"]),
            "id": lambda o: o["id"],
            "include": lambda o: include.index(o["id"]) if o["id"] in include else o["id"],
        }
        found.sort(key=keys[orderby], reverse=direction == "desc")
        return found

    def _candidates(self, bounds: Mapping[str, str | None], include: list[int]
                    ) -> list[dict[str, Any]]:
        """The orders that can match: those with an included id, else those inside the date
        bounds, found in an index as a database would (a superset of the matches)."""
        if include:
            by_id = self.orders.index("id", _by_id)
            return [o for i in dict.fromkeys(include) for o in by_id.get(i, ())]
        for field, low, high in (("date_modified_gmt", "modified_after", "modified_before"),
                                 ("date_created_gmt", "after", "before")):
            after, before = bounds.get(low), bounds.get(high)
            if after is None and before is None:
                continue
            ordered, values = self.orders.index(field, partial(_sorted_by, field))
            start = bisect.bisect_right(values, after) if after is not None else 0
            end = bisect.bisect_left(values, before) if before is not None else len(values)
            return ordered[start:end]
        return list(self.orders.values())

    @property
    def drifted(self) -> bool:
        """Whether the data already changed mid-scan (``SandboxOptions.drift_page``)."""
        return self.drift_hook.drifted

    def _drift(self, served_id: int) -> None:
        """The store changes mid-scan: an order already served is edited, a new one arrives."""
        now = self.now().replace(microsecond=0)
        victim = self.orders[served_id]
        victim["customer_note"] = "Please leave the parcel at the door."
        self._touch(victim, now)
        new = self.factory.order(now, now, "processing", shape="multi")
        self.orders.track(new["id"], new)

    def _touch(self, order: dict[str, Any], when: datetime | None = None) -> None:
        order["date_modified"], order["date_modified_gmt"] = dates(
            (when or self.now()).replace(microsecond=0))

    def _render_order(self, order: Mapping[str, Any], site: str) -> dict[str, Any]:
        """An order as the API shows it: a copy with its ``_links``."""
        return _linked(order, f"{site}/wp-json/wc/v3/orders")

    def _find_order(self, request: Request) -> dict[str, Any]:
        order = self.orders.get(request.path_params["order_id"])
        if order is None:
            raise Refused(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    async def _order(self, request: Request) -> Response:
        order = self._find_order(request)
        if request.method == "PUT":
            self._update_order(order, await _json_object(request))
        return JSONResponse(self._render_order(order, _site(request)))

    def _update_order(self, order: dict[str, Any], body: Mapping[str, Any]) -> None:
        status = body.get("status")
        if status is not None:
            if status not in ORDER_STATUSES:
                raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
            if status == "completed" and order["status"] != "completed":
                order["date_completed"], order["date_completed_gmt"] = dates(
                    self.now().replace(microsecond=0))
            order["status"] = status
        for meta in body.get("meta_data") or []:
            if not isinstance(meta, Mapping) or not meta.get("key"):
                raise invalid_param("meta_data", "meta_data[0][key] is a required property.")
            existing = next((m for m in order["meta_data"] if m["key"] == meta["key"]), None)
            if existing is None:
                self._next_id += 1
                order["meta_data"].append({"id": self._next_id, "key": meta["key"],
                                           "value": meta.get("value")})
            else:
                existing["value"] = meta.get("value")
        for name in ("billing", "shipping"):
            if isinstance(body.get(name), Mapping):
                order[name].update({k: v for k, v in body[name].items() if k in order[name]})
        for name in ("customer_note", "transaction_id"):
            if isinstance(body.get(name), str):
                order[name] = body[name]
        self._touch(order)

    async def _notes(self, request: Request) -> Response:
        order = self._find_order(request)
        notes = self.notes.setdefault(order["id"], [])
        if request.method == "GET":
            kind = request.query_params.get("type", "any")
            shown = [n for n in notes if kind == "any"
                     or n["customer_note"] == (kind == "customer")]
            return JSONResponse(list(reversed(shown)))
        body = await _json_object(request)
        if not isinstance(body.get("note"), str) or not body["note"]:
            raise Refused(400, "rest_missing_callback_param", "Missing parameter(s): note")
        self._next_id += 1
        created_local, created_gmt = dates(self.now().replace(microsecond=0))
        note = {"id": self._next_id, "author": "WooCommerce", "date_created": created_local,
                "date_created_gmt": created_gmt, "note": body["note"],
                "customer_note": bool(body.get("customer_note", False))}
        notes.append(note)
        return JSONResponse(note, status_code=201)

    async def _trackings(self, request: Request) -> Response:
        order = self._find_order(request)
        items = self.trackings.setdefault(order["id"], [])
        if request.method == "GET":
            return JSONResponse(items)
        body = await _json_object(request)
        number = body.get("tracking_number")
        if not isinstance(number, str) or not number:
            raise Refused(400, "rest_missing_callback_param",
                          "Missing parameter(s): tracking_number")
        item = {
            "tracking_id": hashlib.md5(f"{order['id']}:{number}".encode()).hexdigest(),
            "tracking_provider": body.get("tracking_provider", ""),
            "custom_tracking_provider": body.get("custom_tracking_provider", ""),
            "custom_tracking_link": body.get("custom_tracking_link", ""),
            "tracking_link": body.get("custom_tracking_link", ""),
            "tracking_number": number,
            "date_shipped": str(body.get("date_shipped") or self.now().date().isoformat()),
        }
        items.append(item)
        return JSONResponse(item, status_code=201)

    # --- products ------------------------------------------------------------------------
    async def _products(self, request: Request) -> Response:
        include = _ids(request, "include")
        skus = set(_list(request, "sku"))
        kind = request.query_params.get("type")
        found = [p for p in self.products.values() if (not include or p["id"] in include)
                 and (not skus or p["sku"] in skus) and (not kind or p["type"] == kind)]
        orderby = request.query_params.get("orderby", "date")
        key = (lambda p: p["id"]) if orderby == "id" else (lambda p: (p["date_created_gmt"],
                                                                       p["id"]))
        found.sort(key=key, reverse=request.query_params.get("order", "desc") == "desc")
        collection = f"{_site(request)}/wp-json/wc/v3/products"
        return self._listing(request, [_linked(p, collection) for p in found])[0]

    async def _product(self, request: Request) -> Response:
        product = self.products.get(request.path_params["product_id"])
        if product is None:
            raise Refused(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return JSONResponse(_linked(product, f"{_site(request)}/wp-json/wc/v3/products"))

    async def _variations(self, request: Request) -> Response:
        pid = request.path_params["product_id"]
        if pid not in self.products:
            raise Refused(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        collection = f"{_site(request)}/wp-json/wc/v3/products/{pid}/variations"
        return self._listing(request, [_linked(v, collection)
                                       for v in self.variations.get(pid, {}).values()])[0]

    async def _categories(self, request: Request) -> Response:
        return self._listing(request, self.categories)[0]

    async def _product_batch(self, request: Request) -> Response:
        return await self._batch(request, self.products, "woocommerce_rest_product_invalid_id",
                                 parent=None)

    async def _variation_batch(self, request: Request) -> Response:
        pid = request.path_params["product_id"]
        if pid not in self.variations:
            raise Refused(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return await self._batch(request, self.variations[pid],
                                 "woocommerce_rest_product_variation_invalid_id", parent=pid)

    async def _batch(self, request: Request, items: dict[int, dict[str, Any]],
                     invalid_code: str, parent: int | None) -> Response:
        body = await _json_object(request)
        actions = {name: body.get(name) or [] for name in ("create", "update", "delete")}
        if sum(len(v) for v in actions.values() if isinstance(v, list)) > BATCH_LIMIT:
            raise Refused(413, "woocommerce_rest_request_entity_too_large",
                          f"Unable to accept more than {BATCH_LIMIT} items for this request.")
        updated = []
        for change in actions["update"]:
            item = items.get(cast(int, change.get("id"))) if isinstance(change, Mapping) else None
            if item is None:
                updated.append({"id": change.get("id") if isinstance(change, Mapping) else 0,
                                "error": {"code": invalid_code, "message": "Invalid ID.",
                                          "data": {"status": 400}}})
                continue
            problem = catalogue_out.check_update(self, item, change) or \
                _apply_product_change(item, change, self.now())
            if problem is None:
                catalogue_out.apply_fields(item, change, self.now())
            updated.append({"id": item["id"], "error": problem} if problem else item)
        created = [catalogue_out.create(self, change, parent) if isinstance(change, Mapping)
                   else {"id": 0, "error": {"code": "rest_invalid_param", "message": "Invalid item."}}
                   for change in actions["create"]]
        return JSONResponse({"create": created, "update": updated, "delete": []})

    # --- store ------------------------------------------------------------------------------
    async def _system_status(self, request: Request) -> Response:
        return JSONResponse({
            "environment": {"home_url": _site(request), "site_url": _site(request),
                            "version": WC_VERSION, "wp_version": "6.5.3",
                            "default_timezone": "UTC"},
            "settings": {"currency": self.currency, "currency_symbol": "&#36;",
                         "api_enabled": True},
        })

    async def _currency(self, request: Request) -> Response:
        return JSONResponse({"code": self.currency, "name": "United States (US) dollar",
                             "symbol": "&#36;"})

    async def _authorize(self, request: Request) -> Response:
        """Approve at once: POST new keys to ``callback_url``, send the browser to ``return_url``."""
        query = request.query_params
        missing = [n for n in ("app_name", "scope", "user_id", "return_url", "callback_url")
                   if not query.get(n)]
        if missing:
            return Response(f"Missing parameter(s): {', '.join(missing)}", status_code=400)
        if query["scope"] not in ("read", "write", "read_write"):
            return Response("Invalid scope", status_code=400)
        key = self._new_key(permissions=query["scope"])
        payload = {"key_id": key.key_id, "user_id": query["user_id"],
                   "consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret,
                   "key_permissions": key.permissions}
        try:
            status = await self.post(query["callback_url"], content=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
        except (httpx.HTTPError, ValueError):
            status = 0
        if not 200 <= status < 300:
            return Response("An error occurred in the request and at the time were unable to "
                            "send the consumer data", status_code=401)
        separator = "&" if "?" in query["return_url"] else "?"
        target = f"{query['return_url']}{separator}" + urlencode(
            {"success": 1, "user_id": query["user_id"]})
        return RedirectResponse(target, status_code=302)

    def _new_key(self, permissions: str) -> ApiKey:
        n = len(self.keys.keys) + 1
        digest = hashlib.sha256(f"{self.options.seed}:{n}".encode()).hexdigest()
        key = ApiKey(consumer_key=f"ck_{digest[:40]}", consumer_secret=f"cs_{digest[24:64]}",
                     permissions=permissions, key_id=n)
        self.keys.add(key)
        return key


WEBHOOK_IDS = {"order.created": 11, "order.updated": 12, "order.deleted": 13,
               "order.restored": 14}
"""The sandbox's webhook post ids, one per topic (``X-WC-Webhook-ID``)."""


def php_json(data: Any) -> bytes:
    """JSON as PHP's ``wp_json_encode`` writes it: compact, ``\\/`` slashes, ASCII escapes."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/").encode()


def _linked(item: Mapping[str, Any], collection: str) -> dict[str, Any]:
    """A copy of ``item`` with the ``_links`` the API adds (self and collection)."""
    rendered = copy.deepcopy(dict(item))
    rendered["_links"] = {"self": [{"href": f"{collection}/{item['id']}"}],
                          "collection": [{"href": collection}]}
    return rendered


def _site(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _page_url(request: Request, page: int) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items()
            if not k.startswith(("oauth_", "consumer_")) and k != "page"]
    return f"{_site(request)}{request.url.path}?{urlencode([*kept, ('page', page)])}"


def _gmt_text(value: datetime | None) -> str | None:
    """A bound in the ``*_gmt`` fields' own format (``2026-11-20T10:00:00``), fractions kept."""
    if value is None:
        return None
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text


def _in_bounds(order: Mapping[str, Any], bounds: Mapping[str, str | None]) -> bool:
    """Compare the ``*_gmt`` strings themselves: one fixed format, so text order is time order
    (parsing every order's dates for every page made large listings quadratic in practice)."""
    created, modified = order["date_created_gmt"], order["date_modified_gmt"]
    checks = (("after", created, 1), ("before", created, -1),
              ("modified_after", modified, 1), ("modified_before", modified, -1))
    for name, value, sign in checks:
        bound = bounds.get(name)
        if bound is not None and not (value > bound if sign > 0 else value < bound):
            return False
    return True


def _by_id(orders: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for order in orders:
        found.setdefault(order["id"], []).append(order)
    return found


def _sorted_by(field: str, orders: list[dict[str, Any]]
               ) -> tuple[list[dict[str, Any]], list[Any]]:
    """The orders sorted by ``field``, and that field's values in the same order (to bisect)."""
    ordered = sorted(orders, key=lambda o: o[field])
    return ordered, [o[field] for o in ordered]


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Refused(400, "rest_invalid_json", "Invalid JSON body passed.") from None
    if not isinstance(body, dict):
        raise Refused(400, "rest_invalid_json", "Invalid JSON body passed.")
    return body


def _apply_product_change(item: dict[str, Any], change: Mapping[str, Any],
                          now: datetime) -> dict[str, Any] | None:
    """Apply one batch ``update`` entry; the error object when a value is invalid."""
    def bad(name: str, reason: str) -> dict[str, Any]:
        return {"code": "rest_invalid_param", "message": f"Invalid parameter(s): {name}",
                "data": {"status": 400, "params": {name: reason}}}

    if "stock_quantity" in change:
        quantity = change["stock_quantity"]
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            return bad("stock_quantity", "stock_quantity is not of type integer.")
    for name in ("regular_price", "sale_price", "date_on_sale_from_gmt", "date_on_sale_to_gmt"):
        if name in change and change[name] is not None and not isinstance(change[name], str):
            return bad(name, f"{name} is not of type string.")
    if "manage_stock" in change:
        item["manage_stock"] = bool(change["manage_stock"])
    if "stock_quantity" in change:
        item["stock_quantity"] = change["stock_quantity"]
        item["stock_status"] = "instock" if change["stock_quantity"] > 0 else "outofstock"
    for name in ("regular_price", "sale_price"):
        if name in change:
            item[name] = change[name] or ""
    for name in ("date_on_sale_from", "date_on_sale_to"):
        value = change.get(f"{name}_gmt")
        if value is None and f"{name}_gmt" not in change:
            continue
        if value:
            try:
                when = datetime.fromisoformat(value).replace(tzinfo=UTC)
            except ValueError:
                return bad(f"{name}_gmt", "Invalid date.")
            item[name], item[f"{name}_gmt"] = dates(when)
        else:
            item[name] = item[f"{name}_gmt"] = None
    starts = item.get("date_on_sale_from_gmt")
    ends = item.get("date_on_sale_to_gmt")
    on_sale = bool(item["sale_price"]) and (starts is None or parse_gmt(starts) <= now) and (
        ends is None or now <= parse_gmt(ends))
    item["on_sale"] = on_sale
    item["price"] = item["sale_price"] if on_sale else item["regular_price"]
    item["date_modified"], item["date_modified_gmt"] = dates(now.replace(microsecond=0))
    return None


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status in (404, 405):
        return error(404, "rest_no_route", "No route was found matching the URL and request method")
    return error(status, "rest_error", str(getattr(exc, "detail", "error")))


# --- deleting a note or a tracking item (added for issue 15: a second ship updates) -----
def _delete_routes(self: WooCommerceSandbox, wc: str, st: str) -> list[Route]:
    """``DELETE .../notes/{id}`` (``force=true``, notes cannot be trashed) and
    ``DELETE .../shipment-trackings/{tracking_id}``: how a client replaces either."""
    return [Route(f"{wc}/orders/{{order_id:int}}/notes/{{note_id:int}}",
                  self._api(partial(_delete_note, self)), methods=["DELETE"]),
            Route(f"{st}/orders/{{order_id:int}}/shipment-trackings/{{tracking_id}}",
                  self._api(partial(_delete_tracking, self)), methods=["DELETE"])]

async def _delete_note(self: WooCommerceSandbox, request: Request) -> Response:
    order = self._find_order(request)
    if request.query_params.get("force") not in ("true", "1"):
        raise Refused(501, "woocommerce_rest_trash_not_supported",
                      "The resource does not support trashing.")
    notes = self.notes.setdefault(order["id"], [])
    note = next((n for n in notes if n["id"] == request.path_params["note_id"]), None)
    if note is None:
        raise Refused(404, "woocommerce_rest_order_invalid_id", "Invalid resource ID.")
    notes.remove(note)
    return JSONResponse(note)

async def _delete_tracking(self: WooCommerceSandbox, request: Request) -> Response:
    order = self._find_order(request)
    items = self.trackings.setdefault(order["id"], [])
    item = next((i for i in items if i["tracking_id"] == request.path_params["tracking_id"]),
                None)
    if item is None:
        raise Refused(404, "woocommerce_shipment_tracking_invalid_id", "Invalid tracking.")
    items.remove(item)
    return JSONResponse({"message": "true"})
