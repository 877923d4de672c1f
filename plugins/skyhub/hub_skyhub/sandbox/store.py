"""The sandbox SkyHub account: an ASGI app with the SkyHub routes the plugin uses.

Routes: ``GET /queues/orders``, ``DELETE /queues/orders/{code}``, ``GET /orders`` (``page``,
``per_page`` <= 100, ``filters[statuses][]``, ``filters[start_date]``/``filters[end_date]`` as
``DD/MM/YYYY`` creation days in Brazilian time; body ``{"orders": [...], "total": N}``; a page
past the first 10,000 records is 400), ``GET /orders/{code}``, ``POST /orders/{code}/invoice``,
``/shipments``, ``/delivery``, ``/cancel`` (each checks the status transition: 422 otherwise),
``GET /products`` (``per_page``; a ``next`` link in the body while more remain),
``POST /products`` (SkyHub's required fields: category, brand, non-zero prices, measures; 422
otherwise), ``GET``/``PUT /products/{sku}`` and ``PUT /variations/{sku}`` (204), and the SAC
desk (:mod:`.sac`): ``GET /sac`` (cursor paging), ``GET /sac/{code}``, ``GET``/``POST
/sac/{code}/chats`` (9 a second per method, errors ``{"errors": {"detail": ...}}``).

Authentication: the three headers (``X-User-Email``, ``X-Api-Key``, ``X-Accountmanager-Key``)
must match the account's, else 401. Errors are SkyHub's ``{"error": "message"}``.

Rate limits, per endpoint and method as SkyHub documents them: 1 a second for ``GET /orders``
and (apart) ``GET /orders/{code}``, 9 a second for everything else; beyond, 429 with
``{"error": ...}`` and no ``Retry-After`` (SkyHub documents none).

The order queue: every order SkyHub creates or changes is queued (one entry per code, moved to
the back when it changes again). ``GET /queues/orders`` hands out the first visible entry and
hides it for :attr:`SkyhubSandbox.visibility` seconds (SkyHub's 5 minutes); ``DELETE`` removes
it; an entry not deleted in time is handed out again. Fault knobs beyond
:class:`hub.sandbox.SandboxOptions`: :attr:`SkyhubSandbox.refuse_acks` (``DELETE`` answers 503,
as during an outage), :attr:`SkyhubSandbox.visibility`, :attr:`SkyhubSandbox.empty_queue_body`
(the empty queue answers 200 with this body instead of 204), and :meth:`SkyhubSandbox.seed_tickets`
(SAC tickets; a new sandbox holds :data:`SEED_TICKETS`) with ``sac.page_size`` (records a
``GET /sac`` page).
"""

from __future__ import annotations

import copy
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.sandbox import Drift, IntProblem, Refused, Sandbox, SandboxOptions, TokenBucket, int_param
from hub_skyhub.sandbox import data
from hub_skyhub.sandbox.data import BRT, skyhub_time, status
from hub_skyhub.sandbox.sac import SacDesk, read_object

Handler = Callable[[Request], Awaitable[Response]]
PER_PAGE_MAX = 100
DEEP_PAGING = 10_000
QUEUE_VISIBILITY = 300.0  # SkyHub: acknowledge within 5 minutes or the order is queued again
RATES = {"orders-list": 1.0, "order-get": 1.0}  # everything else: 9 a second
SEED_TICKETS = 6  # SAC tickets a new sandbox holds (SkyhubSandbox.seed_tickets adds more)
CATEGORIES = {"100": "Casa > Cozinha > Canecas", "200": "Moda > Camisetas"}
MEASURES = ("weight", "height", "width", "length")
TEXTS = ("name", "description", "brand", "ean")


def refuse(status_code: int, message: str) -> Refused:
    """SkyHub's error answer: ``{"error": message}``."""
    return Refused(JSONResponse({"error": message}, status_code=status_code), message, status_code)


def _int(value: str | None, name: str, default: int, low: int, high: int | None) -> int:
    def refused(name: str, value: str, problem: IntProblem) -> Refused:
        return refuse(400, f"{name} {problem.value}: {value}")
    return int_param(value, name, default, low, high, refused)


@dataclass
class Entry:
    """One order in the queue."""

    code: str
    visible_at: float
    handed: int = 0


class SkyhubSandbox(Sandbox):
    """A fake SkyHub account with seeded products and orders (see the module docstring).

    Tests read back :attr:`orders`, :attr:`products`, :attr:`queue` and :attr:`acknowledged`
    (codes deleted from the queue, in order), and drive the marketplace with
    :meth:`place_order` and :meth:`change_status`.
    """

    platform = "skyhub"
    catalogue_category = "100"

    def __init__(self, options: SandboxOptions | None = None) -> None:
        super().__init__(options)
        self.rng = random.Random(self.options.seed)
        self.currency = self.options.currency or "BRL"
        self.user_email = "seller@example.com.br"
        self.api_key = secrets.token_hex(12)
        self.accountmanager_key = "sandbox-accountmanager-" + secrets.token_hex(4)
        self.products = data.catalogue(self.rng)
        self.items = data.sellable(self.products)
        self.orders = data.generate(self.rng, self.options.orders, self.epoch, self.items)
        self.visibility = QUEUE_VISIBILITY
        self.refuse_acks = False
        self.empty_queue_body: bytes | None = None  # None: an empty queue answers 204
        self.queue: dict[str, Entry] = {}
        self.acknowledged: list[str] = []
        self.buckets: dict[str, TokenBucket] = {}
        self.drift = Drift(self.options.drift_page, self._drift)
        self._serial = len(self.orders)
        for code in self.orders:  # SkyHub queues every order it receives
            self._enqueue(code)
        self.sac = SacDesk(random.Random(self.options.seed + 1), self.now)
        self.seed_tickets(SEED_TICKETS)

    # --- what tests, the kit and `hub demo` use ---------------------------------------
    def account_settings(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url.rstrip("/"), "user_email": self.user_email,
                "api_key": self.api_key, "accountmanager_key": self.accountmanager_key,
                "currency": self.currency}

    def eligible_order_ids(self) -> set[str]:
        return {code for code, o in self.orders.items() if o["status"]["code"] == "payment_received"}

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """SkyHub sends no webhooks: orders reach an integration through its order queue."""
        raise RuntimeError("SkyHub sends no webhooks; the hub reads its order queue")

    def read_stock(self, platform_product_id: str, platform_variant_id: str | None) -> int | None:
        item = self._listing(platform_product_id, platform_variant_id)
        return None if item is None else int(item["qty"])

    def read_price(self, platform_product_id: str, platform_variant_id: str | None
                   ) -> tuple[Decimal | None, Decimal | None]:
        item = self._listing(platform_product_id, platform_variant_id)
        if item is None:
            return None, None
        regular, promo = Decimal(str(item["price"])), Decimal(str(item["promotional_price"]))
        return regular, (promo if promo != regular else None)

    def read_tracking(self, platform_order_id: str) -> str | None:
        shipments = (self.orders.get(platform_order_id) or {}).get("shipments") or []
        return shipments[-1]["track"]["code"] if shipments else None

    def place_order(self, status_code: str = "payment_received") -> str:
        """A new order arrives from the marketplace (and is queued); its code."""
        placed = self.now().replace(microsecond=0)
        made = data.order(self.rng, self._serial, placed, status_code, self.items)
        made["updated_at"] = skyhub_time(placed)
        self._serial += 1
        self.orders[made["code"]] = made
        self._enqueue(made["code"])
        return str(made["code"])

    def change_status(self, code: str, status_code: str) -> None:
        """The marketplace moves an order (payment approved, cancelled...): it is queued again."""
        order = self.orders[code]
        order["status"] = status(status_code)
        order["updated_at"] = skyhub_time(self.now())
        self._enqueue(code)

    # --- SAC tickets (see hub.testing.kit_tickets) -------------------------------------------
    def seed_tickets(self, count: int) -> list[str]:
        """The knob: ``count`` more SAC tickets (one per order: orders without one first, then
        new orders the marketplace places); their ticket ids."""
        free = [code for code in self.orders if code not in self.sac.records][:count]
        free += [self.place_order("complete") for _ in range(count - len(free))]
        return [f"sac:{code}" for code in self.sac.seed(count, free)]

    def ticket_ids(self) -> set[str]:
        """Every SAC ticket (a scan from the backfill window lists them all)."""
        return {f"sac:{code}" for code in self.sac.records}

    def new_ticket(self) -> str:
        """A buyer writes to the seller about a new order: a ticket the seller can answer."""
        return f"sac:{self.sac.open(self.place_order(), 'Bom dia! Produto não chegou!')}"

    def read_reply(self, ticket_id: str) -> str | None:
        """The seller's last message on the ticket's buyer chat, or None."""
        return self.sac.last_seller_message(ticket_id.removeprefix("sac:"))

    # --- internals -------------------------------------------------------------------------
    def _listing(self, product_id: str, variant_id: str | None) -> dict[str, Any] | None:
        if variant_id and variant_id != product_id:
            parent = self.products.get(product_id) or {}
            return next((v for v in parent.get("variations") or [] if v["sku"] == variant_id), None)
        return self.products.get(product_id)

    def _variation(self, sku: str) -> dict[str, Any] | None:
        for product in self.products.values():
            for variation in product["variations"]:
                if variation["sku"] == sku:
                    return dict(variation)
        return None

    def _enqueue(self, code: str) -> None:
        self.queue.pop(code, None)
        self.queue[code] = Entry(code, visible_at=time.monotonic())

    def _drift(self) -> None:
        """After the list page ``drift_page``: an order already listed changes, a new one comes."""
        approved = [c for c, o in self.orders.items() if o["status"]["code"] == "payment_received"]
        if approved:
            self.orders[approved[0]]["updated_at"] = skyhub_time(self.now())
            self._enqueue(approved[0])
        self.place_order()

    def fault_body(self, status: int) -> Mapping[str, Any]:
        return {"error": "Too Many Requests" if status == 429 else "Service Unavailable"}

    def _limit(self, name: str) -> None:
        bucket = self.buckets.get(name)
        if bucket is None:
            rate = RATES.get(name, 9.0)
            bucket = self.buckets[name] = TokenBucket(rate, rate,
                                                      enforce=self.options.enforce_rate_limit)
        if not bucket.take():
            raise refuse(429, "Too Many Requests: request limit exceeded for this resource")

    def _api(self, limit: str, handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                headers = request.headers
                if (headers.get("x-user-email") != self.user_email
                        or headers.get("x-api-key") != self.api_key
                        or headers.get("x-accountmanager-key") != self.accountmanager_key):
                    raise refuse(401, "Unauthorized: check X-User-Email, X-Api-Key and "
                                      "X-Accountmanager-Key")
                self._limit(f"{limit}" if limit in RATES else f"{limit}:{request.method}")
                return await handler(request)
            except Refused as refused:
                return refused.answer()
        return endpoint

    def build_app(self) -> ASGIApp:
        api = self._api
        routes = [
            Route("/queues/orders", api("queue", self._queue_next)),
            Route("/queues/orders/{code}", api("queue", self._queue_delete), methods=["DELETE"]),
            Route("/orders", api("orders-list", self._orders)),
            Route("/orders/{code}", api("order-get", self._order)),
            *[Route(f"/orders/{{code}}/{action}", api(f"orders-{action}", handler),
                    methods=["POST"])
              for action, handler in (("invoice", self._invoice), ("shipments", self._shipments),
                                      ("delivery", self._delivery), ("cancel", self._cancel))],
            Route("/products", api("products", self._products), methods=["GET", "POST"]),
            Route("/products/{sku}", api("products", self._product), methods=["GET", "PUT"]),
            Route("/variations/{sku}", api("variations", self._put_variation), methods=["PUT"]),
            Route("/sac", api("sac", self.sac.listing)),
            Route("/sac/{code}", api("sac", self.sac.one)),
            Route("/sac/{code}/chats", api("sac", self.sac.chats_of), methods=["GET", "POST"]),
        ]
        return Starlette(routes=routes)

    # --- the queue -------------------------------------------------------------------------
    async def _queue_next(self, request: Request) -> Response:
        now = time.monotonic()
        for entry in self.queue.values():
            if entry.visible_at <= now:
                entry.visible_at = now + self.visibility
                entry.handed += 1
                return JSONResponse(self.orders[entry.code])
        if self.empty_queue_body is not None:
            return Response(self.empty_queue_body, status_code=200, media_type="application/json")
        return Response(status_code=204)

    async def _queue_delete(self, request: Request) -> Response:
        if self.refuse_acks:
            raise refuse(503, "Service Unavailable")
        code = request.path_params["code"]
        if self.queue.pop(code, None) is None:
            raise refuse(404, f"Order {code} not found in the queue")
        self.acknowledged.append(code)
        return Response(status_code=204)

    # --- orders ------------------------------------------------------------------------------
    def _day(self, request: Request, name: str) -> datetime | None:
        value = request.query_params.get(f"filters[{name}]")
        if not value:
            return None
        try:
            return datetime.strptime(value, "%d/%m/%Y").replace(tzinfo=BRT)
        except ValueError:
            raise refuse(400, f"filters[{name}] must be DD/MM/YYYY, got {value}") from None

    async def _orders(self, request: Request) -> Response:
        page = _int(request.query_params.get("page"), "page", 1, 1, None)
        per_page = _int(request.query_params.get("per_page"), "per_page", PER_PAGE_MAX, 1,
                        PER_PAGE_MAX)
        if page * per_page > DEEP_PAGING:
            raise refuse(400, "Deep paging: pages past the first 10000 records are not served; "
                              "use filters")
        start, end = self._day(request, "start_date"), self._day(request, "end_date")
        statuses = set(request.query_params.getlist("filters[statuses][]"))
        found = []
        for order in self.orders.values():  # oldest first
            placed = datetime.fromisoformat(order["placed_at"])
            if statuses and order["status"]["code"] not in statuses:
                continue
            if start is not None and placed < start:
                continue
            if end is not None and placed >= end + timedelta(days=1):
                continue
            found.append(order)
        chunk = found[(page - 1) * per_page:page * per_page]
        body = {"total": len(found), "orders": copy.deepcopy(chunk)}
        self.drift.served(page, nonempty=bool(chunk))
        return JSONResponse(body)

    def _get(self, request: Request) -> dict[str, Any]:
        code = request.path_params["code"]
        order = self.orders.get(code)
        if order is None:
            raise refuse(404, f"Order {code} not found")
        return order

    async def _order(self, request: Request) -> Response:
        return JSONResponse(self._get(request))

    async def _body(self, request: Request, wanted: str) -> dict[str, Any]:
        body = await read_object(request, refuse)
        if body.get("status") != wanted:
            raise refuse(422, f"status must be {wanted}")
        return body

    def _move(self, order: dict[str, Any], allowed: tuple[str, ...], to: str) -> None:
        current = order["status"]["code"]
        if current not in allowed:
            raise refuse(422, f"Invalid status transition from {current} to {to}")
        order["status"] = status(to)
        order["updated_at"] = skyhub_time(self.now())

    async def _invoice(self, request: Request) -> Response:
        order = self._get(request)
        body = await self._body(request, "order_invoiced")
        invoice: dict[str, Any] = body["invoice"] if isinstance(body.get("invoice"), dict) else {}
        key = str(invoice.get("key") or "")
        if len(key) != 44 or not key.isdigit():
            raise refuse(422, "invoice key must have 44 digits")
        self._move(order, ("payment_received",), "order_invoiced")
        order["invoices"].append({"key": key, "number": key[25:34], "line": key[22:25],
                                  "issue_date": invoice.get("issue_date")
                                  or skyhub_time(self.now())})
        return Response(status_code=201)

    async def _shipments(self, request: Request) -> Response:
        order = self._get(request)
        body = await self._body(request, "order_shipped")
        shipment: dict[str, Any] = body["shipment"] if isinstance(body.get("shipment"), dict) else {}
        track: dict[str, Any] = shipment["track"] if isinstance(shipment.get("track"), dict) else {}
        if not track.get("code") or not track.get("carrier") or not shipment.get("items"):
            raise refuse(422, "shipment needs items and track code and carrier")
        skus = {i["id"] for i in order["items"]}
        for item in shipment["items"]:
            if not isinstance(item, dict) or item.get("sku") not in skus:
                raise refuse(422, f"shipment item {item!r} is not in the order")
        self._move(order, ("payment_received", "order_invoiced", "order_shipped"), "order_shipped")
        order["shipments"].append({"code": shipment.get("code"), "items": shipment["items"],
                                   "track": {k: track.get(k) for k in ("code", "carrier", "method",
                                                                       "url")}})
        return Response(status_code=201)

    async def _delivery(self, request: Request) -> Response:
        order = self._get(request)
        await self._body(request, "complete")
        self._move(order, ("order_shipped",), "complete")
        return Response(status_code=204)

    async def _cancel(self, request: Request) -> Response:
        order = self._get(request)
        await self._body(request, "order_canceled")
        self._move(order, ("book_product", "payment_received", "order_invoiced"), "order_canceled")
        self._enqueue(order["code"])
        return Response(status_code=204)

    # --- products ------------------------------------------------------------------------------
    async def _products(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._create_product(request)
        per_page = _int(request.query_params.get("per_page"), "per_page", PER_PAGE_MAX, 1,
                        PER_PAGE_MAX)
        skus = sorted(self.products)
        after = request.query_params.get("cursor")
        start = skus.index(after) + 1 if after in skus else 0
        chunk = skus[start:start + per_page]
        body: dict[str, Any] = {"products": [self.products[s] for s in chunk],
                                "total": len(skus)}
        if start + per_page < len(skus) and chunk:
            body["next"] = "/products?" + urlencode({"per_page": per_page, "cursor": chunk[-1]})
        return JSONResponse(body)

    async def _create_product(self, request: Request) -> Response:
        """``POST /products``: SkyHub's required fields (2025: category, brand, non-zero prices)."""
        fields = await self._fields(request, "product")
        sku = json.loads(await request.body())["product"].get("sku")
        if not isinstance(sku, str) or not sku.strip() or "/" in sku:
            raise refuse(422, "sku is required")
        if sku in self.products or self._variation(sku) is not None:
            raise refuse(422, f"Product {sku} already exists")
        required = ("name", "brand", "price", "promotional_price", "categories", *MEASURES)
        lacking = [name for name in required if name not in fields]
        if lacking:
            raise refuse(422, f"missing required fields: {', '.join(lacking)}")
        variations = []
        for raw_variation in fields.get("variations") or []:
            if not isinstance(raw_variation, dict) or not raw_variation.get("sku"):
                raise refuse(422, "each variation needs a sku")
            variations.append({"sku": raw_variation["sku"], "qty": int(raw_variation.get("qty") or 0),
                               "ean": raw_variation.get("ean"),
                               "price": raw_variation.get("price", fields["price"]),
                               "promotional_price": raw_variation.get(
                                   "promotional_price", fields["promotional_price"]),
                               "specifications": raw_variation.get("specifications") or []})
        self.products[sku] = {"sku": sku, "description": None, "status": "enabled", "qty": 0,
                              "ean": None, "images": [], "specifications": [],
                              **fields, "variations": variations}
        return Response(status_code=201)

    async def _product(self, request: Request) -> Response:
        sku = request.path_params["sku"]
        product = self.products.get(sku)
        if product is None:
            raise refuse(404, f"Product {sku} not found")
        if request.method == "GET":
            return JSONResponse(product)
        fields = await self._fields(request, "product")
        product.update(fields)
        return Response(status_code=204)

    async def _put_variation(self, request: Request) -> Response:
        sku = request.path_params["sku"]
        variation = next((v for p in self.products.values() for v in p["variations"]
                          if v["sku"] == sku), None)
        if variation is None:
            raise refuse(404, f"Variation {sku} not found")
        variation.update(await self._fields(request, "variation"))
        return Response(status_code=204)

    async def _fields(self, request: Request, wrapper: str) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise refuse(400, "Malformed request: the body is not JSON") from None
        fields = body.get(wrapper) if isinstance(body, dict) else None
        if not isinstance(fields, dict) or not fields:
            raise refuse(400, f"Malformed request: a '{wrapper}' object is required")
        out: dict[str, Any] = {}
        for name in TEXTS:
            if name in fields:
                if not isinstance(fields[name], str) or not fields[name].strip():
                    raise refuse(422, f"{name} must be a non-empty text")
                out[name] = fields[name]
        for name in MEASURES:
            if name in fields:
                value = fields[name]
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise refuse(422, f"{name} must be a positive number, got {value!r}")
                out[name] = value
        if "images" in fields:
            if not isinstance(fields["images"], list) or not all(
                    isinstance(i, str) and i.startswith(("http://", "https://"))
                    for i in fields["images"]):
                raise refuse(422, "images must be a list of URLs")
            out["images"] = fields["images"]
        if "categories" in fields:
            categories = fields["categories"]
            if (not isinstance(categories, list) or not categories or not all(
                    isinstance(c, dict) and str(c.get("code")) in CATEGORIES for c in categories)):
                raise refuse(422, f"categories must name SkyHub categories ({', '.join(CATEGORIES)})")
            out["categories"] = categories
        for name in ("specifications", "variations", "variation_attributes"):
            if name in fields:
                if not isinstance(fields[name], list):
                    raise refuse(422, f"{name} must be a list")
                out[name] = fields[name]
        if "status" in fields:
            out["status"] = fields["status"]
        if "qty" in fields:
            qty = fields["qty"]
            if isinstance(qty, bool) or not str(qty).isdigit():
                raise refuse(422, f"qty must be a whole number >= 0, got {qty!r}")
            out["qty"] = int(qty)
        for name in ("price", "promotional_price"):
            if name in fields:
                value = fields[name]
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise refuse(422, f"{name} must be a positive number, got {value!r}")
                out[name] = value
        price = out.get("price")
        promo = out.get("promotional_price")
        if price is not None and promo is not None and promo > price:
            raise refuse(422, "promotional_price must not exceed price")
        return out
