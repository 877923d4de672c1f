"""The sandbox Shopify shop: an ASGI app serving the Admin API slice the plugin uses.

Routes:

* ``POST /admin/api/{version}/graphql.json``: the GraphQL Admin API. Queries are
  parsed and validated by graphql-core against :mod:`.schema`, costed like
  Shopify (:mod:`.costs`): over 1,000 requested points -> ``MAX_COST_EXCEEDED``;
  more than the shop's bucket holds -> ``THROTTLED`` (HTTP 200, with
  ``extensions.cost``); otherwise the requested cost is taken, the query runs
  and the difference to the actual cost is refunded. Every answer carries
  ``extensions.cost.throttleStatus``. Bucket size and restore rate are knobs
  (default 1,000 points, 100 per second: the Standard plan).
  ``X-Shopify-Access-Token`` must be the custom app token or a live OAuth token
  (401 ``[API] Invalid API key or access token ...`` otherwise); a version
  newer than 2026-07 is 404, an older one falls forward to 2026-01.
* ``GET /admin/oauth/authorize``: approves at once and redirects with
  ``code``, ``hmac``, ``host``, ``shop``, ``state``, ``timestamp``.
* ``POST /admin/oauth/access_token``: code exchange (``expiring=1`` gives a
  token living ``token_ttl`` seconds, default 3,600, and a single-use rotating
  refresh token) and ``grant_type=refresh_token``.
* ``GET /bulk-results/{id}.jsonl``: a finished bulk export (a signed URL, no token).

Without protected customer data access (``customer_data=False``), customer
fields resolve to null with ``ACCESS_DENIED`` errors, webhook bodies carry
nulls, and a bulk export selecting them fails with ``ACCESS_DENIED``.

State tests read back: :attr:`stock_pushes`, :attr:`price_pushes`,
:attr:`tracking_pushes`, :attr:`requested_costs`, :attr:`throttled`, and
:attr:`store` (orders, variants, inventory levels, fulfillments).
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    execute_sync,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub import ConfigError, sign_hmac
from hub.sandbox import (
    Drift,
    Grant,
    Sandbox,
    SandboxOptions,
    TokenBucket,
    TokenIssuer,
    parse_form,
    throttle_status,
)
from hub.settings import BACKFILL_DAYS
from hub_shopify.connect import sign_callback
from hub_shopify.sandbox import catalogue_out as _catalogue_out  # noqa: F401  (registers resolvers)
from hub_shopify.sandbox import rest
from hub_shopify.sandbox.costs import CostCalculator
from hub_shopify.sandbox.data import SHOP_CURRENCY, Store, generate, iso
from hub_shopify.sandbox.mutations import MUTATIONS
from hub_shopify.sandbox.resolvers import Context, attach
from hub_shopify.sandbox.schema import CURRENCIES, NEWEST, effective_version, schema_for

SHOP = "hub-sandbox"
DOMAIN = f"{SHOP}.myshopify.com"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
MAX_COST = 1000
CUSTOMER_FIELDS = ("customer", "email", "phone", "shippingAddress", "billingAddress")


def _errors(*messages: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"message": m, "extensions": ext} for m, ext in messages]


class ShopifySandbox(Sandbox):
    order_topic = "orders/updated"
    """A fake Shopify shop with seeded catalogue and orders (see the module docstring).

    :param bucket_size: the shop's query cost bucket (points).
    :param restore_rate: points restored per second.
    :param customer_data: whether the app has protected customer data access.
    :param bulk_seconds: how long a bulk export runs before it completes.
    """

    platform = "shopify"
    exempt_paths = ("/admin/oauth/authorize", "/bulk-results/")

    def __init__(self, options: SandboxOptions | None = None, *, bucket_size: float = 1000.0,
                 restore_rate: float = 100.0, customer_data: bool = True,
                 bulk_seconds: float = 0.0) -> None:
        super().__init__(options)
        self.rng = random.Random(self.options.seed)
        currency = (self.options.currency or SHOP_CURRENCY).upper()
        if currency not in CURRENCIES:
            raise ConfigError(f"the Shopify sandbox has no currency '{currency}'",
                              hint=f"use one of {', '.join(CURRENCIES)}")
        self.store = Store(self.rng, currency=currency)
        self.store.build_catalogue(self.epoch - timedelta(days=365))
        generate(self.store, self.options.orders, self.epoch)
        self.customer_data = customer_data
        self.bucket = TokenBucket(bucket_size, restore_rate, enforce=self.options.enforce_rate_limit)
        self.bulk_seconds = bulk_seconds
        self.client_id = f"sandbox-{self.rng.getrandbits(64):016x}"
        self.client_secret = self.options.webhook_secret
        self.admin_token = f"shpat_{self.rng.getrandbits(128):032x}"
        self.tokens = TokenIssuer(ttl=self.options.token_ttl or 3600.0, prefix="shpua_",
                                  refresh_prefix="shprt_", refresh_revokes=True)
        self.tokens.issue("app", "all", expiring=False, refreshable=False, token=self.admin_token)
        self.idempotency: dict[str, tuple[str, Any]] = {}
        self.bulk_ops: dict[str, dict[str, Any]] = {}
        self.bulk_files: dict[str, bytes] = {}
        self.stock_pushes: list[dict[str, Any]] = []
        self.price_pushes: list[dict[str, Any]] = []
        self.tracking_pushes: list[dict[str, Any]] = []
        self.metafield_writes: list[dict[str, Any]] = []
        self.contacts: dict[str, dict[str, Any]] = {}  # customers created through the API
        self.throttled = 0
        self.uninstalled = 0  # DELETE api_permissions/current calls that uninstalled the app
        self.requested_costs: list[int] = []
        self.mutations = 0
        """GraphQL mutations received (writes: reads are POSTs too), for tests counting writes."""
        self.site_url = "http://127.0.0.1"
        self.drift_hook = Drift(self.options.drift_page)
        self._pages: dict[str | None, int] = {None: 0}
        self._last_delivery: tuple[str, bytes, dict[str, str]] | None = None

    # --- what tests and `hub demo` use ---------------------------------------------------
    @property
    def main_location(self) -> dict[str, Any]:
        return next(iter(self.store.locations.values()))

    def account_settings(self, base_url: str) -> dict[str, str]:
        """A custom-app account: shop, base_url, access_token, app keys, location."""
        self.site_url = base_url.rstrip("/")
        return {"shop": SHOP, "base_url": self.site_url, "access_token": self.admin_token,
                "client_id": self.client_id, "client_secret": self.client_secret,
                "location_id": self.main_location["legacyResourceId"],
                "bulk_poll_seconds": "0.05"}

    def oauth_settings(self, base_url: str) -> dict[str, str]:
        """An OAuth account (no access_token): ``hub accounts authorize`` gets one."""
        settings = self.account_settings(base_url)
        del settings["access_token"]
        return settings

    def issue_token(self, *, expiring: bool = True, ttl: float | None = None
                    ) -> dict[str, Any]:
        """Credentials as the token exchange returns them (for tests that skip the browser)."""
        return self._issue("all", expiring, ttl)

    def expire_tokens(self) -> None:
        """Make every OAuth access token expired now (the custom app token stays)."""
        self.tokens.expire_all()

    def eligible_order_ids(self, backfill_days: int = BACKFILL_DAYS) -> set[str]:
        """Orders a first import (``backfill_days`` back, the hub in the shop's currency) must hold."""
        start = iso(self.now() - timedelta(days=backfill_days))
        out = set()
        for order in self.store.orders.values():
            if order["updatedAt"] < start or order["cancelledAt"]:
                continue
            if order["displayFinancialStatus"] not in ("PAID", "PARTIALLY_REFUNDED"):
                continue
            if order["displayFulfillmentStatus"] in ("FULFILLED", "RESTOCKED"):
                continue
            if not any(self.store.line_items[i]["currentQuantity"] for i in order["_lines"]):
                continue
            if self.customer_data and not self._contact(order):
                continue
            out.add(order["legacyResourceId"])
        return out

    def _contact(self, order: dict[str, Any]) -> bool:
        customer = order.get("customer") or {}
        phones = [order.get("phone"), (customer.get("defaultPhoneNumber") or {}).get("phoneNumber"),
                  (order.get("billingAddress") or {}).get("phone"),
                  (order.get("shippingAddress") or {}).get("phone")]
        email = order.get("email") or (customer.get("defaultEmailAddress") or {}).get("emailAddress")
        return bool(email or any(phones))

    def order_by_number(self, legacy: str) -> dict[str, Any]:
        return self.store.orders[f"gid://shopify/Order/{legacy}"]

    def available(self, sku: str, location: str | None = None) -> int:
        """The available quantity of ``sku`` at ``location`` (default: the main location)."""
        item = next(i for i in self.store.items.values() if i["sku"] == sku)
        where = location or self.main_location["id"]
        return int(item["_levels"][where]["available"])

    def variant(self, sku: str) -> dict[str, Any]:
        return next(v for v in self.store.variants.values() if v["sku"] == sku)

    def touch(self, legacy: str, **changes: Any) -> dict[str, Any]:
        """Change an order as the merchant would (fields in GraphQL shape) and bump updatedAt."""
        order = self.order_by_number(legacy)
        order.update(changes)
        order["updatedAt"] = iso(self.now())
        return order

    def shop_object(self) -> dict[str, Any]:
        return {"__typename": "Shop", "id": "gid://shopify/Shop/548380009", "name": "Hub Sandbox",
                "myshopifyDomain": DOMAIN, "currencyCode": self.store.currency,
                "ianaTimezone": "America/New_York"}

    def lookup(self, gid: str) -> dict[str, Any] | None:
        """Any object by global id (``node``/``nodes``)."""
        kind = gid.removeprefix("gid://shopify/").split("/", 1)[0]
        table = {"Order": self.store.orders, "Product": self.store.products,
                 "ProductVariant": self.store.variants, "InventoryItem": self.store.items,
                 "Location": self.store.locations, "BulkOperation": self.bulk_ops,
                 "FulfillmentOrder": self.store.fulfillment_orders,
                 "Fulfillment": self.store.fulfillments}.get(kind)
        found = table.get(gid) if table is not None else None
        if found is not None and kind == "BulkOperation":
            self._advance(found)
        return found

    # --- webhooks --------------------------------------------------------------------------
    def _variant(self, product_id: str, variant_id: str | None) -> dict[str, Any]:
        product = f"gid://shopify/Product/{product_id}"
        return next(v for v in self.store.variants.values()
                    if (variant_id and v["legacyResourceId"] == variant_id)
                    or (not variant_id and v.get("_product") == product))

    def read_stock(self, platform_product_id: str, platform_variant_id: str | None) -> int | None:
        """Available at the location accounts push to (``account_settings``' location_id)."""
        item = self.store.items[self._variant(platform_product_id, platform_variant_id)["_item"]]
        level = item["_levels"].get(self.main_location["id"])
        if level is None or not item.get("tracked", True):
            return None  # an untracked item (a gift card) has no quantity a push may set
        return level["available"]

    def read_price(self, platform_product_id: str, platform_variant_id: str | None
                   ) -> tuple[Decimal | None, Decimal | None]:
        """(regular, promotional): on sale when the price is below compareAtPrice."""
        variant = self._variant(platform_product_id, platform_variant_id)
        price = Decimal(variant["price"])
        compare = Decimal(variant["compareAtPrice"]) if variant.get("compareAtPrice") else None
        return (compare, price) if compare is not None and price < compare else (price, None)

    def read_tracking(self, platform_order_id: str) -> str | None:
        order = f"gid://shopify/Order/{platform_order_id}"
        numbers = [t["number"] for f in self.store.fulfillments.values() if f["_order"] == order
                   for t in f.get("_tracking", [])]
        return numbers[-1] if numbers else None

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """POST a webhook as Shopify does: REST-shaped JSON, ``X-Shopify-*`` headers, HMAC.

        ``topic``: ``orders/create|updated|paid|cancelled|fulfilled|edited|delete``,
        ``products/create|update``, or any other topic (a body naming ``resource_id``).
        """
        if topic.startswith("orders/"):
            if topic == "orders/delete":
                data: Mapping[str, Any] = {"id": int(resource_id)}
            elif topic == "orders/edited":
                data = {"order_edit": {"id": int(self.rng.getrandbits(40)),
                                       "order_id": int(resource_id), "line_items": {}}}
            else:
                data = rest.order_body(self.store, self.order_by_number(resource_id),
                                       customer_data=self.customer_data)
        elif topic.startswith("products/"):
            data = rest.product_body(self.store,
                                     self.store.products[f"gid://shopify/Product/{resource_id}"])
        else:
            data = {"id": int(resource_id) if resource_id.isdigit() else resource_id,
                    "shop_domain": DOMAIN}
        body = json.dumps(data).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign_hmac(self.client_secret, body),
            "X-Shopify-Shop-Domain": DOMAIN,
            "X-Shopify-API-Version": NEWEST,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": self.now().isoformat(),
        }
        self._last_delivery = (url, body, headers)
        return await self.post(url, content=body, headers=headers)

    async def redeliver(self) -> int:
        """Send the last delivery again, unchanged (Shopify's retry keeps the webhook id)."""
        assert self._last_delivery is not None, "nothing was delivered yet"
        url, body, headers = self._last_delivery
        return await self.post(url, content=body, headers=headers)

    def fault_body(self, status: int) -> Mapping[str, Any]:
        if status == 429:
            return {"errors": "Exceeded 2 calls per second for api client. Reduce request rates "
                              "to resume uninterrupted service."}
        return {"errors": "Service Unavailable"}

    # --- app -------------------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        for version in {"2026-01", "2026-04", "2026-07"}:
            attach(schema_for(version), MUTATIONS)
        return Starlette(routes=[
            Route("/admin/api/{version}/graphql.json", self._graphql, methods=["POST"]),
            Route("/admin/oauth/authorize", self._authorize, methods=["GET"]),
            Route("/admin/oauth/access_token", self._access_token, methods=["POST"]),
            Route("/bulk-results/{name}", self._bulk_file, methods=["GET"]),
            Route("/admin/api_permissions/current.json", self._uninstall, methods=["DELETE"]),
        ])

    def _token_ok(self, request: Request) -> bool:
        grant, _ = self.tokens.check(request.headers.get("x-shopify-access-token", ""))
        return grant is not None

    async def _graphql(self, request: Request) -> Response:
        version = effective_version(request.path_params["version"])
        if version is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        if not self._token_ok(request):
            return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
        self.site_url = str(request.base_url).rstrip("/")
        headers = {"X-Shopify-API-Version": version}
        try:
            body = json.loads(await request.body())
            query = body["query"]
            variables = body.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"errors": {"query": "Required parameter missing or invalid"}},
                                status_code=400, headers=headers)
        schema = schema_for(version)
        try:
            document = parse(query)
        except GraphQLError as exc:
            return JSONResponse({"errors": [exc.formatted]}, headers=headers)
        problems = validate(schema, document)
        if problems:
            return JSONResponse({"errors": [p.formatted for p in problems]}, headers=headers)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        if operation.operation.value == "mutation":
            self.mutations += 1
        calculator = CostCalculator(schema, operation, variables)
        requested = calculator.requested()
        self.requested_costs.append(requested)
        if requested > MAX_COST:
            message = (f"Query cost is {requested}, which exceeds the single query max cost "
                       f"limit ({MAX_COST}).")
            return JSONResponse({"errors": _errors((message, {
                "code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_COST}))},
                headers=headers)
        if not self.bucket.take(requested):
            self.throttled += 1
            return JSONResponse({
                "errors": _errors(("Throttled", {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits"})),
                "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                                        "throttleStatus": throttle_status(self.bucket)}}},
                headers=headers)
        context = Context(shop=self, version=version, site=self.site_url)
        result = execute_sync(schema, document, variable_values=variables,
                              context_value=context)
        actual = calculator.actual(result.data)
        self.bucket.refund(requested - actual)
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        answer["extensions"] = {"cost": {"requestedQueryCost": requested,
                                         "actualQueryCost": actual,
                                         "throttleStatus": throttle_status(self.bucket)}}
        response = JSONResponse(answer, headers=headers)
        if context.listed_orders:
            self._maybe_drift(context)
        return response

    @property
    def drifted(self) -> bool:
        """Whether the data already changed mid-scan (``SandboxOptions.drift_page``)."""
        return self.drift_hook.drifted

    def _maybe_drift(self, context: Context) -> None:
        """Count order pages of a scan; after ``drift_page`` the shop changes once."""
        number = self._pages.get(context.orders_after, 0) + 1
        if context.orders_after is None:
            number = 1
        last = self.store.orders[context.listed_orders[-1]]
        key = [last["updatedAt"], int(last["legacyResourceId"])]
        from hub_shopify.sandbox.resolvers import encode_cursor

        self._pages[encode_cursor(key)] = number
        if not self.drift_hook.served(number):
            return
        now = self.now()
        victim = self.store.orders[context.listed_orders[0]]
        if victim.get("shippingAddress"):
            victim["shippingAddress"] = {**victim["shippingAddress"],
                                         "address1": "1 Changed Road"}
        victim["updatedAt"] = iso(now)
        self.store.order(now, now, "paid", "full")

    # --- OAuth -----------------------------------------------------------------------------
    @property
    def codes(self) -> dict[str, str]:
        """Authorization codes not exchanged yet, and their scopes."""
        return {c: g.scope for c, g in self.tokens.codes.items() if not g.used}

    def _issue(self, scope: str, expiring: bool, ttl: float | None = None) -> dict[str, Any]:
        return self._answer(*self.tokens.issue("app", scope, ttl=ttl, expiring=expiring,
                                               refreshable=expiring))

    def _answer(self, access: str, grant: Grant) -> dict[str, Any]:
        """The token endpoint's answer for a new token."""
        body: dict[str, Any] = {"access_token": access, "scope": grant.scope}
        life = self.tokens.lifetime(grant)
        if life is not None:
            body.update(expires_in=round(life), refresh_token=grant.refresh_token,
                        refresh_token_expires_in=90 * 86400)
        return body

    async def _authorize(self, request: Request) -> Response:
        params = request.query_params
        if params.get("client_id") != self.client_id:
            return PlainTextResponse("Oauth error invalid_request: The client_id is invalid",
                                     status_code=400)
        redirect = params.get("redirect_uri")
        if not redirect:
            return PlainTextResponse("Oauth error invalid_request: redirect_uri is missing",
                                     status_code=400)
        code = self.tokens.authorization_code("app", params.get("scope", ""))
        host = base64.b64encode(f"admin.shopify.com/store/{SHOP}".encode()).decode()
        back = {"code": code, "host": host, "shop": DOMAIN, "state": params.get("state", ""),
                "timestamp": str(int(time.time()))}
        back["hmac"] = sign_callback(back, self.client_secret)
        return RedirectResponse(f"{redirect}?{urlencode(back)}", status_code=302)

    async def _uninstall(self, request: Request) -> Response:
        """``DELETE /admin/api_permissions/current.json``: uninstall the app; its tokens die."""
        grant, _ = self.tokens.check(request.headers.get("x-shopify-access-token", ""))
        if grant is None:
            return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
        self.tokens.revoke(grant.subject)
        self.uninstalled += 1
        return JSONResponse({})

    async def _access_token(self, request: Request) -> Response:
        raw = await request.body()
        try:
            form = json.loads(raw) if raw.strip().startswith(b"{") else parse_form(raw)
        except ValueError:
            form = {}
        if form.get("client_id") != self.client_id or form.get("client_secret") != \
                self.client_secret:
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "Client credentials are invalid"},
                                status_code=401)
        if form.get("grant_type") == "refresh_token":
            renewed = self.tokens.refresh(str(form.get("refresh_token")))
            if renewed is None:
                return JSONResponse({"error": "invalid_grant",
                                     "error_description": "The refresh token is invalid"},
                                    status_code=400)
            return JSONResponse(self._answer(*renewed))
        code, _ = self.tokens.redeem(str(form.get("code")))
        if code is None:
            return JSONResponse({"error": "invalid_request", "error_description":
                                 "The authorization code was not found or was already used"},
                                status_code=400)
        return JSONResponse(self._issue(code.scope, str(form.get("expiring")) == "1"))

    # --- bulk operations ---------------------------------------------------------------------
    def current_bulk(self) -> dict[str, Any] | None:
        if not self.bulk_ops:
            return None
        latest = list(self.bulk_ops.values())[-1]
        self._advance(latest)
        return latest

    def start_bulk(self, query: str, version: str, site: str) -> dict[str, Any]:
        running = [op for op in self.bulk_ops.values()
                   if op["status"] in ("CREATED", "RUNNING", "CANCELING")]
        if running:
            return {"bulkOperation": None, "userErrors": [{
                "field": ["query"], "code": "OPERATION_IN_PROGRESS",
                "message": "A bulk query operation for this app and shop is already in "
                           f"progress: {running[0]['id']}."}]}
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {"bulkOperation": None, "userErrors": [
                {"field": ["query"], "code": "INVALID", "message": exc.message}]}
        problems = validate(schema_for(version), document)
        if problems:
            return {"bulkOperation": None, "userErrors": [
                {"field": ["query"], "code": "INVALID", "message": problems[0].message}]}
        gid, legacy = self.store.new_id("BulkOperation", 1_000_000)
        op = {"__typename": "BulkOperation", "id": gid, "status": "RUNNING", "errorCode": None,
              "createdAt": iso(self.now()), "completedAt": None, "objectCount": "0",
              "rootObjectCount": "0", "fileSize": None, "url": None, "partialDataUrl": None,
              "query": query, "type": "QUERY", "_legacy": legacy, "_version": version,
              "_site": site, "_ready": time.monotonic() + self.bulk_seconds}
        self.bulk_ops[gid] = op
        return {"bulkOperation": op, "userErrors": []}

    def cancel_bulk(self, op_id: str) -> dict[str, Any]:
        """``bulkOperationCancel``: a running export is ``CANCELING`` until it is next read."""
        op = self.bulk_ops.get(op_id)
        if op is None:
            return {"bulkOperation": None, "userErrors": [
                {"field": ["id"], "message": "Bulk operation does not exist"}]}
        if op["status"] not in ("CREATED", "RUNNING"):
            return {"bulkOperation": op, "userErrors": [
                {"field": ["id"], "message": f"A bulk operation cannot be canceled when it is "
                                             f"{op['status'].lower()}"}]}
        op["status"] = "CANCELING"
        return {"bulkOperation": op, "userErrors": []}

    def _advance(self, op: dict[str, Any]) -> None:
        """Finish a running export once its time is up: run it and write the JSONL file."""
        if op["status"] == "CANCELING":
            op.update(status="CANCELED", completedAt=iso(self.now()))
            return
        if op["status"] != "RUNNING" or time.monotonic() < op["_ready"]:
            return
        op["completedAt"] = iso(self.now())
        if not self.customer_data and any(f in op["query"] for f in CUSTOMER_FIELDS):
            op.update(status="FAILED", errorCode="ACCESS_DENIED")
            return
        context = Context(shop=self, version=op["_version"], site=op["_site"], bulk=True)
        result = execute_sync(schema_for(op["_version"]), parse(op["query"]),
                              context_value=context)
        if result.errors or not result.data:
            op.update(status="FAILED", errorCode="INTERNAL_SERVER_ERROR")
            return
        records = flatten(result.data)
        roots = sum(1 for r in records if "__parentId" not in r)
        op.update(status="COMPLETED", objectCount=str(len(records)), rootObjectCount=str(roots))
        if records:
            data = "".join(json.dumps(r) + "\n" for r in records).encode()
            self.bulk_files[op["_legacy"]] = data
            op["fileSize"] = str(len(data))
            op["url"] = (f"{op['_site']}/bulk-results/{op['_legacy']}.jsonl?"
                         f"X-Goog-Signature={secrets.token_hex(16)}")

    async def _bulk_file(self, request: Request) -> Response:
        name = request.path_params["name"].removesuffix(".jsonl")
        data = self.bulk_files.get(name)
        if data is None or "X-Goog-Signature" not in request.query_params:
            return PlainTextResponse("AccessDenied", status_code=403)
        return Response(data, media_type="application/jsonl")


def flatten(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A bulk result as JSONL records: each node one line, nested nodes with ``__parentId``."""
    out: list[dict[str, Any]] = []

    def emit(node: Mapping[str, Any], parent: str | None) -> None:
        record: dict[str, Any] = {}
        children = []
        for key, value in node.items():
            if isinstance(value, Mapping) and isinstance(value.get("edges"), list):
                children.append(value)
            else:
                record[key] = value
        if parent is not None:
            record["__parentId"] = parent
        out.append(record)
        for connection in children:
            for edge in connection["edges"]:
                emit(edge["node"], str(node.get("id")))

    for root in data.values():
        if isinstance(root, Mapping):
            for edge in root.get("edges") or []:
                emit(edge["node"], None)
    return out
