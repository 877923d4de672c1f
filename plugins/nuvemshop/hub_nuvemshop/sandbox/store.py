"""A local fake Tiendanube store: the API the plugin uses, with the platform's rules.

* ``/v1/{store_id}/...`` with ``Authentication: bearer TOKEN`` (401 otherwise) and a
  ``User-Agent`` (400 ``Bad Request`` without one, as the platform answers);
* the leaky bucket, 40 requests draining at 2 a second (``x-rate-limit-limit``,
  ``-remaining``, ``-reset`` in milliseconds on every answer; 429 when full);
* orders: ``updated_at_min``/``_max``, ``status``, ``payment_status``,
  ``per_page`` up to 200, ``Link`` (first, prev, next, last) and ``X-Total-Count``,
  404 ``Last page is 0`` for an empty listing. The listing without a ``status``
  leaves cancelled orders out (the conservative reading the plugin is built for);
* ``pack``, ``fulfill`` (tracking number and URL), ``close``, ``cancel``, refused
  as the store's admin refuses them; products and variants with ``stock``,
  ``price`` and ``promotional_price`` as decimal strings; product images (``images``
  on create, ``/products/{id}/images`` to add and remove; the store copies each
  image and answers its own ``src``; at most 250 a product);
* metafields (``GET /metafields/{owner_resource}`` filtered by ``owner_id``,
  ``namespace``, ``key``; ``POST``, ``PUT``, ``DELETE``), where apps keep an order's
  NF-e (``nfe``/``key`` and ``nfe``/``link``, as the order docs ask);
* customers (``GET /customers`` with ``updated_at_min``, ``q`` and ``Link`` paging,
  ``POST``, ``PUT``; name and a unique e-mail required), each order's buyer one of
  them, with ``identification`` (CPF) and billing and default addresses;
* the app authorization page and the token exchange (codes live 30 seconds and
  are single use; tokens do not expire); webhooks signed with the app's secret.

Fault knobs (latency, 429 bursts, 503s, drift) come from :class:`hub.sandbox.SandboxOptions`.
"""

from __future__ import annotations

import json
import random
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

import hub
from hub.sandbox import Drift, Sandbox, SandboxOptions
from hub.sandbox.listing import page_count, page_slice
from hub.sandbox.rate import TokenBucket, x_rate_limit_headers
from hub.settings import BACKFILL_DAYS

Handler = Callable[[Request], Awaitable[Response]]

BUCKET, LEAK = 40, 2.0
MAX_PER_PAGE, DEFAULT_PER_PAGE = 200, 30
CODE_TTL = 30.0
SHIPPED = {"shipped", "fulfilled"}
#: the docs spell a packed order "unfulfilled" and a shipped one "fulfilled" in the property
#: table, "unshipped" and "shipped" in the answers of pack and fulfill: the store serves both
SPELLING = {"unshipped": "unfulfilled", "shipped": "fulfilled"}
MAX_IMAGES = 250
#: metafield owners by the plural their listing takes (GET /metafields/orders...)
OWNERS = {"orders": "Order", "products": "Product", "variants": "Product_Variant",
          "categories": "Category", "pages": "Page", "customers": "Customer"}
NAME_RULE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
CDN = "https://cdn.sandbox.nuvemshop.example/stores"
#: (status, payment_status, shipping_status) of generated orders, weighted
SHAPES = [("open", "paid", "unpacked")] * 6 + [
    ("open", "pending", "unpacked"), ("open", "paid", "unshipped"), ("open", "paid", "shipped"),
    ("closed", "paid", "shipped"), ("cancelled", "voided", "unpacked"),
    ("open", "refunded", "unpacked"), ("cancelled", "paid", "unpacked")]


def error(status: int, message: str, description: str,
          headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Tiendanube's error body: ``code``, ``message``, ``description``."""
    return JSONResponse({"code": status, "message": message, "description": description},
                        status_code=status, headers=dict(headers or {}))


def stamp(value: datetime) -> str:
    """A datetime as the API writes it (``2022-02-23T19:58:44+0000``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_stamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def money(value: Decimal) -> str:
    return f"{value:.2f}"


class NuvemshopSandbox(Sandbox):
    """The fake store (see the module's docstring)."""

    platform = "nuvemshop"
    order_topic = "order/updated"
    exempt_paths = ("/apps/",)
    catalogue_category = "40"

    def __init__(self, options: SandboxOptions | None = None) -> None:
        super().__init__(options)
        rng = random.Random(self.options.seed)
        self.rng = rng
        self.store_id = str(1000 + rng.randint(1, 8999))
        self.client_id = str(rng.randint(1000, 9999))
        self.client_secret = f"app-secret-{rng.getrandbits(64):016x}"
        self.access_token = f"{rng.getrandbits(160):040x}"
        self.tokens = {self.access_token}
        self.codes: dict[str, float] = {}
        self.redirect_url = "http://127.0.0.1:9/callback"  # the app's redirection URL
        self.currency = self.options.currency or "BRL"
        self.bucket = TokenBucket(BUCKET, LEAK, enforce=self.options.enforce_rate_limit)
        self.refused_user_agent = 0
        self.products: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.metafields: dict[str, dict[str, Any]] = {}
        self._image_ids = 9000
        self._generate_products()
        self.orders: dict[str, dict[str, Any]] = {}
        for n in range(1, self.options.orders + 1):
            updated = self.epoch - timedelta(days=rng.uniform(0, 90))
            self._add_order(n, updated, rng.choice(SHAPES))
        self.drift = Drift(self.options.drift_page)

    # --- data --------------------------------------------------------------------------------
    def _generate_products(self) -> None:
        vid = 500
        for i in range(1, 13):
            pid = str(100 + i)
            sizes = ["M", "L"] if i % 4 == 0 else [None]
            variants = []
            for size in sizes:
                vid += 1
                sku = f"NS-{i:03d}" + (f"-{size}" if size else "")
                variant = {"id": vid, "product_id": int(pid), "sku": sku,
                           "price": money(Decimal(10 + i)), "promotional_price": None,
                           "stock_management": True, "stock": 5 + i, "barcode": f"789{i:010d}",
                           "values": [{"pt": size}] if size else [],
                           "updated_at": stamp(self.epoch)}
                variants.append(variant)
                self.variants[str(vid)] = variant
            self.products[pid] = {"id": int(pid), "name": {"pt": f"Produto {i}", "es": f"Producto {i}"},
                                  "attributes": [{"pt": "Tamanho"}] if sizes[0] else [],
                                  "categories": [{"id": 40 + i % 3, "name": {"pt": f"Categoria {i % 3}"}}],
                                  "published": True, "variants": variants, "images": [],
                                  "created_at": stamp(self.epoch), "updated_at": stamp(self.epoch)}

    def _add_order(self, n: int, updated: datetime, shape: tuple[str, str, str]) -> dict[str, Any]:
        rng = self.rng
        lines = []
        for k in range(rng.randint(1, 3)):
            variant = self.variants[rng.choice(sorted(self.variants))]
            lines.append({"id": n * 10 + k, "product_id": variant["product_id"],
                          "variant_id": str(variant["id"]), "sku": variant["sku"],
                          "name": f"Produto {variant['product_id'] - 100}",
                          "price": variant["price"], "quantity": str(rng.randint(1, 3))})
        subtotal = sum((Decimal(ln["price"]) * int(ln["quantity"]) for ln in lines), Decimal(0))
        discount = Decimal("2.50") if n % 4 == 0 else Decimal("0")
        shipping = Decimal("7.90")
        status, payment, shipping_status = shape
        if n % 2:  # the property table's spelling; the pack/fulfill answers' on even orders
            shipping_status = SPELLING.get(shipping_status, shipping_status)
        buyer = self._buyer(n, updated)
        order = {
            "id": 900000 + n, "number": 100 + n, "store_id": self.store_id,
            "token": f"{rng.getrandbits(64):016x}", "currency": self.currency,
            "status": status, "payment_status": payment, "shipping_status": shipping_status,
            "created_at": stamp(updated - timedelta(hours=2)), "updated_at": stamp(updated),
            "subtotal": money(subtotal), "discount": money(discount),
            "shipping_cost_customer": money(shipping),
            "total": money(subtotal - discount + shipping),
            "contact_email": buyer["email"], "contact_phone": buyer["phone"],
            "contact_identification": buyer["identification"], "customer": dict(buyer),
            **{k: v for k, v in buyer.items() if k.startswith("billing_")},
            "billing_name": buyer["name"],
            "shipping_address": {"name": f"Ana Compradora{n}", "address": "Rua das Flores",
                                 "number": str(n), "floor": None, "locality": "Centro",
                                 "city": "São Paulo", "province": "SP", "zipcode": "01001-000",
                                 "country": "BR", "phone": None},
            "shipping_option": "Correios PAC", "products": lines,
            "shipping_tracking_number": "TRK0000" if shipping_status in SHIPPED else None,
            "shipping_tracking_url": None, "cancel_reason": "other" if status == "cancelled" else None,
        }
        self.orders[str(order["id"])] = order
        return order

    def _buyer(self, n: int, updated: datetime) -> dict[str, Any]:
        """The customer record of order ``n``'s buyer (kept in :attr:`customers`)."""
        cpf = f"{(n * 7919) % 10**11:011d}"
        customer: dict[str, Any] = {
            "id": 7000 + n, "name": f"Ana Compradora{n}", "email": f"comprador{n}@example.com",
            "phone": f"+55 11 5555-{n:04d}", "identification": cpf, "note": None,
            "billing_address": "Avenida Paulista", "billing_number": str(1000 + n),
            "billing_floor": None, "billing_locality": "Bela Vista", "billing_zipcode": "01310-100",
            "billing_city": "São Paulo", "billing_province": "SP", "billing_country": "BR",
            "billing_phone": None, "total_spent": "0.00", "total_spent_currency": self.currency,
            "active": True, "extra": {},
            "default_address": {"id": 8000 + n, "address": "Rua das Flores", "number": str(n),
                                "floor": None, "locality": "Centro", "city": "São Paulo",
                                "province": "SP", "zipcode": "01001-000", "country": "BR",
                                "phone": None, "default": True},
            "created_at": stamp(updated - timedelta(days=1)), "updated_at": stamp(updated)}
        customer["addresses"] = [dict(customer["default_address"])]
        self.customers[str(customer["id"])] = customer
        return customer

    def touch(self, order: dict[str, Any]) -> None:
        order["updated_at"] = stamp(self.now())

    # --- what tests and the kit read -------------------------------------------------------------
    def account_settings(self, base_url: str) -> dict[str, str]:
        root = base_url.rstrip("/")
        return {"base_url": f"{root}/v1", "auth_base_url": root, "store_id": self.store_id,
                "access_token": self.access_token, "client_id": self.client_id,
                "client_secret": self.client_secret,
                "user_agent": "hub sandbox tests (hub-tests@example.com)"}

    def eligible_order_ids(self) -> set[str]:
        start = self.now() - timedelta(days=BACKFILL_DAYS)
        return {k for k, o in self.orders.items()
                if o["status"] == "open" and o["payment_status"] == "paid"
                and o["shipping_status"] == "unpacked" and parse_stamp(o["updated_at"]) > start}

    def read_stock(self, platform_product_id: str, platform_variant_id: str | None) -> int | None:
        variant = self._variant(platform_product_id, platform_variant_id)
        return None if variant is None else variant["stock"]

    def read_price(self, platform_product_id: str, platform_variant_id: str | None
                   ) -> tuple[Decimal | None, Decimal | None]:
        variant = self._variant(platform_product_id, platform_variant_id)
        if variant is None:
            return None, None
        promo = variant["promotional_price"]
        return Decimal(variant["price"]), Decimal(promo) if promo else None

    def read_tracking(self, platform_order_id: str) -> str | None:
        order = self.orders.get(platform_order_id)
        return None if order is None else order["shipping_tracking_number"]

    def _variant(self, product_id: str, variant_id: str | None) -> dict[str, Any] | None:
        product = self.products.get(product_id)
        if product is None:
            return None
        variants: list[dict[str, Any]] = product["variants"]
        return next((v for v in variants if variant_id is None or str(v["id"]) == variant_id), None)

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """POST ``{store_id, event, id}`` signed with the app's secret (hex HMAC-SHA256)."""
        body = json.dumps({"store_id": int(self.store_id), "event": topic,
                           "id": int(resource_id)}).encode()
        return await self.post(url, content=body, headers={
            "Content-Type": "application/json",
            "X-Linkedstore-Hmac-Sha256": hub.sign_hmac(self.client_secret, body, encoding="hex")})

    def fault_body(self, status: int) -> Mapping[str, Any]:
        if status == 429:
            return {"code": 429, "message": "Too Many Requests",
                    "description": "You have exceeded the rate limit"}
        return {"code": status, "message": "Service Unavailable", "description": "Try again later"}

    # --- the API --------------------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        api = "/v1/{store_id}"
        r = self._route
        return Starlette(routes=[
            Route("/apps/{app_id}/authorize", self._authorize_page),
            Route("/apps/authorize/token", self._token, methods=["POST"]),
            Route(f"{api}/store", r(self._store)),
            Route(f"{api}/orders", r(self._orders)),
            Route(f"{api}/orders/{{id}}", r(self._order)),
            Route(f"{api}/orders/{{id}}/{{action}}", r(self._order_action), methods=["POST"]),
            Route(f"{api}/products", r(self._products), methods=["GET", "POST"]),
            Route(f"{api}/products/sku/{{sku}}", r(self._product_by_sku)),
            Route(f"{api}/products/{{id}}", r(self._product), methods=["GET", "PUT"]),
            Route(f"{api}/products/{{id}}/variants", r(self._new_variant), methods=["POST"]),
            Route(f"{api}/products/{{id}}/images", r(self._images), methods=["GET", "POST"]),
            Route(f"{api}/products/{{id}}/images/{{iid}}", r(self._image),
                  methods=["GET", "DELETE"]),
            Route(f"{api}/metafields", r(self._new_metafield), methods=["POST"]),
            Route(f"{api}/metafields/{{ref}}", r(self._metafield), methods=["GET", "PUT", "DELETE"]),
            Route(f"{api}/customers", r(self._customers), methods=["GET", "POST"]),
            Route(f"{api}/customers/{{id}}", r(self._customer), methods=["GET", "PUT"]),
            Route(f"{api}/products/{{id}}/variants/{{vid}}", r(self._put_variant),
                  methods=["GET", "PUT"]),
        ])

    def _route(self, handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            if not request.headers.get("user-agent"):
                self.refused_user_agent += 1
                return error(400, "Bad Request", "A User-Agent header naming your app and a "
                                                 "contact is required")
            auth = request.headers.get("authentication", "")
            scheme, _, presented = auth.partition(" ")
            if scheme.lower() != "bearer" or presented.strip() not in self.tokens \
                    or request.path_params.get("store_id") != self.store_id:
                return error(401, "Unauthorized", "Invalid access token")
            if not self.bucket.take():
                return error(429, "Too Many Requests", "You have exceeded the rate limit",
                             x_rate_limit_headers(self.bucket))
            response = await handler(request)
            response.headers.update(x_rate_limit_headers(self.bucket))
            return response
        return endpoint

    # --- OAuth ------------------------------------------------------------------------------------
    async def _authorize_page(self, request: Request) -> Response:
        """The store owner accepts at once; back to the app's redirection URL with a code."""
        if request.path_params["app_id"] != self.client_id:
            return error(404, "Not Found", "No such app")
        code = secrets.token_hex(20)
        self.codes[code] = self.now().timestamp() + CODE_TTL
        params = {"code": code}
        if request.query_params.get("state"):
            params["state"] = request.query_params["state"]
        joiner = "&" if "?" in self.redirect_url else "?"
        return RedirectResponse(f"{self.redirect_url}{joiner}{urlencode(params)}", status_code=302)

    async def _token(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = dict(await request.form())
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "Client authentication failed"}, status_code=401)
        if body.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        expires = self.codes.pop(str(body.get("code")), None)
        if expires is None or expires < self.now().timestamp():
            return JSONResponse({"error": "invalid_grant",
                                 "error_description": "The authorization code has expired"},
                                status_code=400)
        token = secrets.token_hex(20)
        self.tokens.add(token)
        return JSONResponse({"access_token": token, "token_type": "bearer",
                             "scope": "read_orders,write_orders,read_products,write_products",
                             "user_id": self.store_id})

    # --- store, orders --------------------------------------------------------------------------------
    async def _store(self, request: Request) -> Response:
        return JSONResponse({"id": int(self.store_id), "name": {"pt": "Loja Sandbox"},
                             "main_currency": self.currency, "main_language": "pt",
                             "country": "BR"})

    @staticmethod
    def _int(value: str | None, default: int) -> int | None:
        if value is None:
            return default
        return int(value) if value.isdigit() and int(value) > 0 else None

    async def _orders(self, request: Request) -> Response:
        q = request.query_params
        try:
            low = datetime.fromisoformat(q["updated_at_min"]) if "updated_at_min" in q else None
            high = datetime.fromisoformat(q["updated_at_max"]) if "updated_at_max" in q else None
        except ValueError:
            return error(422, "Unprocessable Entity", "Invalid date format")
        page, per_page = self._int(q.get("page"), 1), self._int(q.get("per_page"), DEFAULT_PER_PAGE)
        if page is None or per_page is None:
            return error(422, "Unprocessable Entity", "Invalid page or per_page")
        per_page = min(per_page, MAX_PER_PAGE)
        status, payment = q.get("status", ""), q.get("payment_status", "any")

        def chosen(o: dict[str, Any]) -> bool:
            when = parse_stamp(o["updated_at"])
            if (low is not None and when < low) or (high is not None and when > high):
                return False
            if status in ("", "default"):
                if o["status"] == "cancelled":
                    return False
            elif status != "any" and o["status"] != status:
                return False
            return payment == "any" or o["payment_status"] == payment

        found = sorted((o for o in self.orders.values() if chosen(o)), key=lambda o: -o["id"])
        window = page_slice(found, page, per_page)
        if not window:
            return error(404, "Not Found", f"Last page is {page_count(len(found), per_page)}")
        if self.drift.served(page, nonempty=True):
            self.touch(window[0])
            window[0]["owner_note"] = "edited while the listing was read"
        last = page_count(len(found), per_page)
        links = []
        for rel, number in (("next", page + 1 if page < last else None),
                            ("prev", page - 1 if page > 1 else None), ("first", 1), ("last", last)):
            if number is not None:
                url = request.url.include_query_params(page=number, per_page=per_page)
                links.append(f'<{url}>; rel="{rel}"')
        return JSONResponse([dict(o) for o in window],
                            headers={"X-Total-Count": str(len(found)), "Link": ", ".join(links)})

    def _find(self, request: Request) -> dict[str, Any] | None:
        return self.orders.get(request.path_params["id"])

    async def _order(self, request: Request) -> Response:
        order = self._find(request)
        if order is None:
            return error(404, "Not Found", "Order with such id does not exist")
        return JSONResponse(order)

    async def _order_action(self, request: Request) -> Response:
        order = self._find(request)
        if order is None:
            return error(404, "Not Found", "Order with such id does not exist")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return error(400, "Bad Request", "Invalid JSON")
        action = request.path_params["action"]
        refusal = self._refusal(order, action)
        if refusal:
            return error(422, "Unprocessable Entity", refusal)
        if action == "pack":
            order["shipping_status"] = "unshipped"
        elif action == "fulfill":
            number = body.get("shipping_tracking_number")
            if not isinstance(number, str) or not number:
                return error(422, "Unprocessable Entity", "shipping_tracking_number is required")
            order["shipping_status"] = "shipped"
            order["shipping_tracking_number"] = number
            order["shipping_tracking_url"] = body.get("shipping_tracking_url")
            order["shipped_at"] = stamp(self.now())
        elif action == "close":
            order["status"] = "closed"
        elif action == "open":
            order["status"] = "open"
        elif action == "cancel":
            order["status"], order["cancel_reason"] = "cancelled", body.get("reason") or "other"
            if body.get("restock", True):
                for line in order["products"]:
                    variant = self.variants.get(str(line["variant_id"]))
                    if variant is not None and variant["stock"] is not None:
                        variant["stock"] += int(line["quantity"])
        else:
            return error(404, "Not Found", f"Unknown action {action}")
        self.touch(order)
        return JSONResponse(order)

    @staticmethod
    def _refusal(order: dict[str, Any], action: str) -> str | None:
        status, shipping = order["status"], order["shipping_status"]
        if action in ("pack", "fulfill") and status != "open":
            return f"The order is {status}"
        if action == "pack" and shipping != "unpacked":
            return "The order is already packed"
        if action == "fulfill" and shipping in SHIPPED:
            return "The order is already fulfilled"
        if action == "close" and status == "cancelled":
            return "A cancelled order cannot be closed"
        if action == "cancel" and (status != "open" or shipping in SHIPPED):
            return "Only an open order that was not shipped can be cancelled"
        return None

    # --- products ---------------------------------------------------------------------------------------
    async def _products(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._create_product(request)
        return self._page(request, [self.products[k] for k in sorted(self.products, key=int)])

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        """One page of a listing: ``per_page`` up to 200, ``Link`` to the next, ``X-Total-Count``,
        404 ``Last page is N`` past the end (``Last page is 0`` for an empty listing)."""
        q = request.query_params
        page, per_page = self._int(q.get("page"), 1), self._int(q.get("per_page"), DEFAULT_PER_PAGE)
        if page is None or per_page is None:
            return error(422, "Unprocessable Entity", "Invalid page or per_page")
        per_page = min(per_page, MAX_PER_PAGE)
        window = page_slice(items, page, per_page)
        if not window:
            return error(404, "Not Found", f"Last page is {page_count(len(items), per_page)}")
        last = page_count(len(items), per_page)
        headers = {"X-Total-Count": str(len(items))}
        if page < last:
            url = request.url.include_query_params(page=page + 1, per_page=per_page)
            headers["Link"] = f'<{url}>; rel="next"'
        return JSONResponse(window, headers=headers)

    async def _product(self, request: Request) -> Response:
        product = self.products.get(request.path_params["id"])
        if product is None:
            return error(404, "Not Found", "Product with such id does not exist")
        if request.method == "PUT":
            body = await self._body(request)
            if isinstance(body, Response):
                return body
            refusal = self._product_refusal(body, creating=False)
            if refusal:
                return refusal
            for field in ("name", "description", "brand", "published"):
                if field in body:
                    product[field] = body[field]
            if "categories" in body:
                product["categories"] = [self.categories[c] for c in body["categories"]]
            product["updated_at"] = stamp(self.now())
        return JSONResponse(product)

    async def _product_by_sku(self, request: Request) -> Response:
        sku = request.path_params["sku"]
        for product in self.products.values():
            if any(v["sku"] == sku for v in product["variants"]):
                return JSONResponse(product)
        return error(404, "Not Found", "Product with such sku does not exist")

    @property
    def categories(self) -> dict[int, dict[str, Any]]:
        return {40 + i: {"id": 40 + i, "name": {"pt": f"Categoria {i}"}} for i in range(3)}

    @staticmethod
    async def _body(request: Request) -> dict[str, Any] | Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "Bad Request", "Invalid JSON")
        if not isinstance(body, dict):
            return error(422, "Unprocessable Entity", "Expected an object")
        return body

    def _product_refusal(self, body: dict[str, Any], *, creating: bool) -> Response | None:
        name = body.get("name")
        if (creating or "name" in body) and not (isinstance(name, dict) and any(name.values())):
            return JSONResponse({"name": ["can't be blank"]}, status_code=422)
        unknown = [c for c in body.get("categories") or [] if c not in self.categories]
        if unknown:
            return error(422, "Unprocessable Entity", f"Category {unknown[0]} does not exist")
        return None

    def _make_variant(self, product_id: int, body: dict[str, Any]) -> dict[str, Any] | Response:
        sku = body.get("sku")
        if sku and any(v["sku"] == sku for v in self.variants.values()):
            return error(422, "Unprocessable Entity", f"SKU {sku} is already in use")
        try:
            price = None if body.get("price") is None else money(Decimal(str(body["price"])))
        except ArithmeticError:
            return error(422, "Unprocessable Entity", "price must be a number")
        vid = max((int(k) for k in self.variants), default=500) + 1
        variant = {"id": vid, "product_id": product_id, "sku": sku, "price": price,
                   "promotional_price": None, "stock_management": bool(body.get("stock_management")),
                   "stock": body.get("stock") if body.get("stock_management") else None,
                   "barcode": body.get("barcode"), "weight": body.get("weight"),
                   "values": body.get("values") or [], "updated_at": stamp(self.now())}
        return variant

    async def _create_product(self, request: Request) -> Response:
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        refusal = self._product_refusal(body, creating=True)
        if refusal:
            return refusal
        attributes = body.get("attributes") or []
        pid = max((int(k) for k in self.products), default=100) + 1
        variants = []
        for wanted in body.get("variants") or [{}]:
            if len(wanted.get("values") or []) != len(attributes):
                return error(422, "Unprocessable Entity",
                             "Each variant needs one value per attribute")
            made = self._make_variant(pid, wanted)
            if isinstance(made, Response):
                return made
            variants.append(made)
            self.variants[str(made["id"])] = made
        images = body.get("images") or []
        if not isinstance(images, list) or len(images) > MAX_IMAGES:
            return error(422, "Unprocessable Entity",
                         f"Product is not allowed to have more than {MAX_IMAGES} images")
        if any(not isinstance(i, dict) or not self._image_url(i.get("src")) for i in images):
            return JSONResponse({"images": ["src can't be blank"]}, status_code=422)
        product = {"id": pid, "name": body["name"], "description": body.get("description"),
                   "brand": body.get("brand"), "attributes": attributes,
                   "categories": [self.categories[c] for c in body.get("categories") or []],
                   "published": body.get("published", True), "variants": variants, "images": [],
                   "created_at": stamp(self.now()), "updated_at": stamp(self.now())}
        for image in images:
            self._add_image(product, str(image["src"]), None)
        self.products[str(pid)] = product
        return JSONResponse(product, status_code=201)

    async def _new_variant(self, request: Request) -> Response:
        product = self.products.get(request.path_params["id"])
        if product is None:
            return error(404, "Not Found", "Product with such id does not exist")
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        if len(body.get("values") or []) != len(product.get("attributes") or []):
            return error(422, "Unprocessable Entity", "Each variant needs one value per attribute")
        made = self._make_variant(product["id"], body)
        if isinstance(made, Response):
            return made
        product["variants"].append(made)
        self.variants[str(made["id"])] = made
        return JSONResponse(made, status_code=201)

    async def _put_variant(self, request: Request) -> Response:
        variant = self._variant(request.path_params["id"], request.path_params["vid"])
        if variant is None:
            return error(404, "Not Found", "Product variant with such id does not exist")
        if request.method == "GET":
            return JSONResponse(variant)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "Bad Request", "Invalid JSON")
        if not isinstance(body, dict):
            return error(422, "Unprocessable Entity", "Expected an object")
        changes: dict[str, Any] = {}
        if "stock" in body:
            stock = body["stock"]
            if stock is not None and (not isinstance(stock, int) or isinstance(stock, bool) or stock < 0):
                return error(422, "Unprocessable Entity", "stock must be a whole number or null")
            changes["stock"] = stock
        for field in ("price", "promotional_price"):
            if field in body:
                value = body[field]
                try:
                    changes[field] = None if value is None else money(Decimal(str(value)))
                except ArithmeticError:
                    return error(422, "Unprocessable Entity", f"{field} must be a number")
        if "sku" in body and body["sku"] != variant["sku"]:
            if any(v["sku"] == body["sku"] for v in self.variants.values()):
                return error(422, "Unprocessable Entity", f"SKU {body['sku']} is already in use")
            changes["sku"] = body["sku"]
        for field in ("barcode", "weight", "values"):
            if field in body:
                changes[field] = body[field]
        regular = Decimal(changes.get("price", variant["price"]) or "0")
        promo = changes.get("promotional_price", variant["promotional_price"])
        if promo is not None and Decimal(promo) >= regular:
            return error(422, "Unprocessable Entity",
                         "promotional_price must be lower than price")
        variant.update(changes)
        variant["updated_at"] = stamp(self.now())
        self.products[str(variant["product_id"])]["updated_at"] = variant["updated_at"]
        return JSONResponse(variant)

    # --- product images -------------------------------------------------------------------------
    @staticmethod
    def _image_url(src: Any) -> bool:
        return isinstance(src, str) and src.startswith(("http://", "https://"))

    def _add_image(self, product: dict[str, Any], src: str, position: int | None) -> dict[str, Any]:
        """The store copies the image to its CDN: the answer's ``src`` is its own."""
        self._image_ids += 1
        name = src.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "image"
        image = {"id": self._image_ids, "product_id": product["id"],
                 "src": f"{CDN}/{self.store_id}/products/{name}-640-0.jpg",
                 "source_url": src, "alt": [], "created_at": stamp(self.now()),
                 "updated_at": stamp(self.now())}
        images: list[dict[str, Any]] = product["images"]
        at = len(images) if position is None else max(0, min(position - 1, len(images)))
        images.insert(at, image)
        for index, each in enumerate(images, start=1):
            each["position"] = index
        product["updated_at"] = stamp(self.now())
        return image

    async def _images(self, request: Request) -> Response:
        product = self.products.get(request.path_params["id"])
        if product is None:
            return error(404, "Not Found", "Product with such id does not exist")
        if request.method == "GET":
            return JSONResponse(product["images"])
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        if not self._image_url(body.get("src")):
            return JSONResponse({"src": ["can't be blank"]}, status_code=422)
        if len(product["images"]) >= MAX_IMAGES:
            return error(422, "Unprocessable Entity",
                         f"Product is not allowed to have more than {MAX_IMAGES} images")
        position = body.get("position")
        image = self._add_image(product, body["src"], position if isinstance(position, int) else None)
        return JSONResponse(image, status_code=201)

    async def _image(self, request: Request) -> Response:
        product = self.products.get(request.path_params["id"])
        images: list[dict[str, Any]] = product["images"] if product else []
        image = next((i for i in images if str(i["id"]) == request.path_params["iid"]), None)
        if product is None or image is None:
            return error(404, "Not Found", "Product image with such id does not exist")
        if request.method == "GET":
            return JSONResponse(image)
        images.remove(image)
        for index, each in enumerate(images, start=1):
            each["position"] = index
        product["updated_at"] = stamp(self.now())
        return JSONResponse({})

    # --- customers ------------------------------------------------------------------------------
    async def _customers(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._save_customer(request, None)
        q = request.query_params
        try:
            low = datetime.fromisoformat(q["updated_at_min"]) if "updated_at_min" in q else None
        except ValueError:
            return error(422, "Unprocessable Entity", "Invalid date format")
        text = q.get("q", "").lower()

        def chosen(c: dict[str, Any]) -> bool:
            if low is not None and parse_stamp(c["updated_at"]) < low:
                return False
            return not text or any(text in str(c.get(k) or "").lower()
                                   for k in ("name", "email", "identification"))

        found = [c for c in (self.customers[k] for k in sorted(self.customers, key=int)) if chosen(c)]
        return self._page(request, found)

    async def _customer(self, request: Request) -> Response:
        customer = self.customers.get(request.path_params["id"])
        if customer is None:
            return error(404, "Not Found", "Customer with such id does not exist")
        if request.method == "PUT":
            return await self._save_customer(request, customer)
        return JSONResponse(customer)

    async def _save_customer(self, request: Request, customer: dict[str, Any] | None) -> Response:
        """Create (``customer`` None) or update one customer: a name, and an e-mail no other
        customer of the store has."""
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        merged = {**(customer or {}), **body}
        problems = {k: ["can't be blank"] for k in ("name", "email")
                    if not isinstance(merged.get(k), str) or not merged[k].strip()}
        if problems:
            return JSONResponse(problems, status_code=422)
        email = merged["email"].strip().lower()
        if any(c["email"].lower() == email and c is not customer for c in self.customers.values()):
            return JSONResponse({"email": ["has already been taken"]}, status_code=422)
        if customer is None:
            cid = max((int(k) for k in self.customers), default=7000) + 1
            customer = {"id": cid, "phone": None, "identification": None, "note": None,
                        "total_spent": "0.00", "total_spent_currency": self.currency,
                        "active": False, "extra": {}, "addresses": [], "default_address": None,
                        "created_at": stamp(self.now()),
                        **{f"billing_{k}": None for k in ("address", "number", "floor", "locality",
                                                          "zipcode", "city", "province", "country",
                                                          "phone")}}
            for index, address in enumerate(body.get("addresses") or []):
                if isinstance(address, dict):
                    kept = {**address, "id": cid * 10 + index, "default": index == 0}
                    customer["addresses"].append(kept)
            customer["default_address"] = customer["addresses"][0] if customer["addresses"] else None
            self.customers[str(cid)] = customer
        for field in ("name", "email", "phone", "identification", "note"):
            if field in body:
                customer[field] = body[field]
        customer.update({k: v for k, v in body.items() if k.startswith("billing_")})
        customer["email"] = email
        customer["updated_at"] = stamp(self.now())
        return JSONResponse(customer, status_code=201 if request.method == "POST" else 200)

    # --- metafields -----------------------------------------------------------------------------
    def _owner_exists(self, resource: str, owner_id: Any) -> bool:
        table = {"Order": self.orders, "Product": self.products, "Product_Variant": self.variants,
                 "Customer": self.customers}
        return resource in table and str(owner_id) in table[resource]

    async def _new_metafield(self, request: Request) -> Response:
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        problems: dict[str, list[str]] = {}
        for field in ("namespace", "key"):
            if not isinstance(body.get(field), str) or not NAME_RULE.fullmatch(body[field]):
                problems[field] = ["must start with a letter followed by a-z A-Z 0-9 or _"]
        if not isinstance(body.get("value"), str):
            problems["value"] = ["can't be blank"]
        if body.get("owner_resource") not in OWNERS.values():
            problems["owner_resource"] = ["is not included in the list"]
        elif not self._owner_exists(body["owner_resource"], body.get("owner_id")):
            problems["owner_id"] = ["does not exist"]
        if problems:
            return JSONResponse(problems, status_code=422)
        mid = str(max((int(k) for k in self.metafields), default=1200) + 1)
        meta = {"id": int(mid), "namespace": body["namespace"], "key": body["key"],
                "value": body["value"], "description": body.get("description"),
                "owner_resource": body["owner_resource"], "owner_id": int(body["owner_id"]),
                "created_at": stamp(self.now()), "updated_at": stamp(self.now()),
                "deleted_at": None}
        self.metafields[mid] = meta
        return JSONResponse(meta, status_code=201)

    async def _metafield(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        if not ref.isdigit():
            if request.method != "GET" or ref not in OWNERS:
                return error(404, "Not Found", f"Unknown owner resource {ref}")
            q = request.query_params
            found = [m for k, m in sorted(self.metafields.items(), key=lambda kv: int(kv[0]))
                     if m["owner_resource"] == OWNERS[ref]
                     and all(str(m[f]) == q[f] for f in ("owner_id", "namespace", "key") if f in q)]
            return self._page(request, found)
        meta = self.metafields.get(ref)
        if meta is None:
            return error(404, "Not Found", "Metafield with such id does not exist")
        if request.method == "DELETE":
            del self.metafields[ref]
            return JSONResponse({})
        if request.method == "PUT":
            body = await self._body(request)
            if isinstance(body, Response):
                return body
            if "value" in body and not isinstance(body["value"], str):
                return JSONResponse({"value": ["can't be blank"]}, status_code=422)
            meta.update({k: body[k] for k in ("value", "description") if k in body})
            meta["updated_at"] = stamp(self.now())
        return JSONResponse(meta)
