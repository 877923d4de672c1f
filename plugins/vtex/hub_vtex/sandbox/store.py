"""The sandbox VTEX account: an ASGI app with the routes the plugin uses.

One app serves both of VTEX's hosts (``{account}.vtexcommercestable.com.br`` and
the Pricing API's ``api.vtex.com/{account}``), so ``account_settings`` points
``base_url`` and ``pricing_base_url`` at the same address. Routes:

* Orders: ``GET /api/oms/pvt/orders`` (``f_creationDate``, ``f_status``,
  ``orderBy``, ``page`` up to 30, ``per_page`` up to 100; summaries, ``paging``),
  ``GET /api/oms/pvt/orders/{orderId}``, ``POST .../start-handling``,
  ``POST .../invoice``, ``PATCH .../invoice/{invoiceNumber}``;
* Feed v3 and hook: ``GET|POST /api/orders/feed/config``, ``GET|POST
  /api/orders/feed``, ``GET|POST /api/orders/hook/config`` (the POST pings the
  URL, and status changes then notify it);
* Catalog: ``stockkeepingunitids``, ``stockkeepingunitbyid/{skuId}``,
  ``stockkeepingunitByProductId/{productId}``, ``stockkeepingunit?RefId=``;
* Logistics: ``GET /api/logistics/pvt/inventory/skus/{skuId}``, ``PUT
  .../warehouses/{warehouseId}`` (an omitted quantity is zero, as on VTEX),
  ``PATCH .../warehouses/{warehouseId}/quantity`` (quantity and
  ``unlimitedQuantity``, lead time untouched; 204),
  ``GET /api/logistics/pvt/configuration/warehouses``;
* Pricing: ``GET|PUT /pricing/prices/{itemId}`` (a PUT replaces the fixed
  prices too), ``POST|DELETE /pricing/prices/{itemId}/fixed/{priceTableId}``
  (a POST replaces that table's fixed prices; VTEX's exact merge rule is not
  documented).

Authentication: ``X-VTEX-API-AppKey``/``X-VTEX-API-AppToken`` must match (401
otherwise); :meth:`VtexSandbox.revoke_role` makes a route answer 403 as VTEX
does for a key without the role. Rate limits (``enforce_rate_limit``): Get
order 6,000 a minute, Catalog 15,000 a minute per route, Pricing writes 2,000 a
minute (burst 500) and deletes 1,000; a 429 carries ``Retry-After`` and the
``Ratelimit-*`` headers, which Pricing also sends on every answer. App keys do
not expire, so ``token_ttl`` changes nothing. Errors use the OMS body
``{"error": {"code", "message", "exception"}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import random
import re
import secrets
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.sandbox import (
    Drift,
    IntProblem,
    Sandbox,
    SandboxOptions,
    TimeProblem,
    TokenBucket,
    int_param,
    page_count,
    page_slice,
    read_json,
    time_param,
)
from hub.sandbox import Refused as SandboxRefused
from hub.sandbox.rate import ratelimit_headers, refusal_headers
from hub.settings import BACKFILL_DAYS
from hub_vtex.info import ELIGIBLE_STATUSES, EXCLUDED_STATUSES, FOLLOWED_STATUSES
from hub_vtex.sandbox import catalog
from hub_vtex.sandbox.data import (
    STATUS_TEXT,
    STORE_CURRENCY,
    WAREHOUSES,
    OrderFactory,
    build_catalog,
    generate,
    vtex_date,
)
from hub_vtex.sandbox.queue import FeedQueue

ACCOUNT = "sandboxstore"
MAX_PAGES = 30
MAX_PER_PAGE = 100
Handler = Callable[[Request], Awaitable[Response]]
ROLES = ("orders", "feed", "hook", "catalog", "logistics", "pricing")
_RANGE = re.compile(r"^creationDate:\[(?P<start>\S+) TO (?P<end>\S+)\]$")


class Refused(SandboxRefused):
    """An error answer: status, OMS error code and message."""

    def __init__(self, status: int, message: str, code: str = "1",
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message=message)
        self.status, self.message, self.code = status, message, code
        self.headers = dict(headers or {})

    def answer(self) -> Response:
        return error(self.status, self.message, self.code, self.headers)


def vtex_bucket(per_minute: int, burst: float) -> TokenBucket:
    """A limit as VTEX documents it: ``per_minute`` requests, bursts of ``burst``."""
    return TokenBucket(burst, per_minute / 60.0)


def error(status: int, message: str, code: str = "1",
          headers: Mapping[str, str] | None = None) -> JSONResponse:
    """VTEX's OMS error body."""
    return JSONResponse({"error": {"code": code, "message": message, "exception": None}},
                        status_code=status, headers=dict(headers or {}))


def _when(value: str, name: str) -> datetime:
    def refuse(name: str, value: str, problem: TimeProblem) -> Refused:
        if problem is TimeProblem.NO_ZONE:
            return Refused(400, f"Date in {name} has no time zone: {value}")
        return Refused(400, f"Invalid date in {name}: {value}")
    return time_param(value, name, refuse, naive=None)


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    def refuse(name: str, value: str, problem: IntProblem) -> Refused:
        if problem is IntProblem.NOT_INTEGER:
            return Refused(400, f"{name} must be an integer")
        return Refused(400, f"{name} must be between {low} and {high}")
    return int_param(value, name, default, low, high, refuse)


async def _json(request: Request) -> Any:
    return await read_json(request, lambda: Refused(400, "The request body is not valid JSON"),
                           empty_ok=True)


def _date(payload: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(payload[key])


class VtexSandbox(Sandbox):
    """A fake VTEX account with seeded orders, catalogue, inventory and prices.

    State tests read back: :attr:`orders` (Get order payloads by id),
    :attr:`inventory` (``(skuId, warehouseId)`` -> balance), :attr:`prices`
    (by SKU id), :attr:`feed` (the configured queue), :attr:`hook`,
    :attr:`stock_pushes`, :attr:`price_pushes`, :attr:`invoices` (bodies received).

    :param feed_since: configure the feed this long before the sandbox's start
        (events of that period are in it, those past the retention expired).
    :param index_lag: seconds before a change shows in the order list.
    """

    platform = "vtex"
    catalogue_category = "21"  # Home/Mugs

    def __init__(self, options: SandboxOptions | None = None, *,
                 feed_since: timedelta | None = None, index_lag: float = 0.0) -> None:
        super().__init__(options)
        self.rng = random.Random(self.options.seed)
        self.app_key = f"vtexappkey-{ACCOUNT}-{self.rng.getrandbits(32):08X}"
        self.app_token = "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                                 for _ in range(40))
        self.hook_secret = self.options.webhook_secret
        self.index_lag = timedelta(seconds=index_lag)
        self.products, self.skus = build_catalog(self.rng)
        self.currency = (self.options.currency or STORE_CURRENCY).upper()
        self.factory = OrderFactory(self.rng, ACCOUNT, self.products, self.skus,
                                    currency=self.currency,
                                    other_currency="USD" if self.currency != "USD" else "BRL")
        self.orders, self.histories = generate(self.factory, self.options.orders, self.epoch)
        self.inventory = catalog.initial_inventory(self.rng, self.skus)
        self.prices = catalog.initial_prices(self.skus)
        self.roles = set(ROLES)
        self.feed: FeedQueue | None = None
        self.hook: dict[str, Any] | None = None
        self.stock_pushes: list[dict[str, Any]] = []
        self.price_pushes: list[dict[str, Any]] = []
        self.invoices: list[dict[str, Any]] = []
        self.notifications: list[tuple[str, int]] = []
        self.drift_hook = Drift(self.options.drift_page)
        self.served_list_pages = 0
        self.base_url = "http://127.0.0.1"
        self.order_topic = "ready-for-handling"
        self._tasks: set[asyncio.Task[None]] = set()
        self.buckets = {
            "order": vtex_bucket(6000, 100), "catalog": vtex_bucket(15000, 250),
            "pricing-write": vtex_bucket(2000, 500), "pricing-delete": vtex_bucket(1000, 250),
        }
        if feed_since is not None:
            # configured as the hub configures it (see hub_vtex.info.watched_statuses)
            self.configure_feed([*ELIGIBLE_STATUSES, *EXCLUDED_STATUSES, *FOLLOWED_STATUSES],
                                since=feed_since)

    # --- what tests and `hub demo` use ------------------------------------------------
    def account_settings(self, base_url: str) -> dict[str, str]:
        """account_name, keys, both base URLs, the warehouse and the hook secret."""
        self.base_url = base_url.rstrip("/")
        return {"account_name": ACCOUNT, "app_key": self.app_key, "app_token": self.app_token,
                "base_url": self.base_url, "pricing_base_url": self.base_url,
                "warehouse_id": WAREHOUSES[0]["id"], "hook_secret": self.hook_secret}

    def eligible_order_ids(self, backfill_days: int = BACKFILL_DAYS) -> set[str]:
        """Orders a first import (``backfill_days`` back, the hub in the store's currency,
        BRL unless ``options.currency`` says otherwise) must hold.

        Ready for handling, created inside the backfill, with items, in the
        store's currency, and a buyer with an e-mail or a phone.
        """
        start = self.now() - timedelta(days=backfill_days)
        return {oid for oid, o in self.orders.items()
                if o["status"] == "ready-for-handling" and _date(o, "creationDate") > start
                and o["items"] and o["storePreferencesData"]["currencyCode"] == self.currency
                and o["clientProfileData"]
                and (o["clientProfileData"]["email"] or o["clientProfileData"]["phone"])}

    def created_between(self, start: datetime, end: datetime | None = None) -> set[str]:
        """Ids of the orders created in ``[start, end]``."""
        end = end or self.now() + timedelta(days=1)
        return {oid for oid, o in self.orders.items() if start <= _date(o, "creationDate") <= end}

    def read_stock(self, platform_product_id: str, platform_variant_id: str | None) -> int | None:
        """The SKU's quantity in the account's warehouse (``account_settings``' ``warehouse_id``)."""
        entry = self.inventory.get((int(platform_variant_id or 0), WAREHOUSES[0]["id"]))
        return int(entry["totalQuantity"]) if entry else None

    def read_price(self, platform_product_id: str, platform_variant_id: str | None
                   ) -> tuple[Decimal | None, Decimal | None]:
        """The SKU's base price and its fixed price on price table 1 (the promotion)."""
        price = self.prices.get(int(platform_variant_id or 0))
        if price is None:
            return None, None
        fixed = [f for f in price["fixedPrices"] if f["tradePolicyId"] == "1"]
        return price["basePrice"], (fixed[0]["value"] if fixed else None)

    def read_tracking(self, platform_order_id: str) -> str | None:
        """The tracking number of the order's latest invoice."""
        order = self.orders.get(platform_order_id)
        packages = order["packageAttachment"]["packages"] if order else []
        return packages[-1].get("trackingNumber") if packages else None

    def revoke_role(self, role: str) -> None:
        """Make the app key lack ``role`` (one of :data:`ROLES`): its routes answer 403."""
        self.roles.discard(role)

    def configure_feed(self, statuses: list[str], since: timedelta = timedelta(0),
                       visibility: int = 250, retention: int = 345_600) -> FeedQueue:
        """Set the feed up ``since`` ago, with the events of that period (expired ones dropped)."""
        now = self.now()
        self.feed = FeedQueue(list(statuses), timedelta(seconds=visibility),
                              timedelta(seconds=retention), configured_at=now - since)
        changes = sorted(((when, oid, state, history[n - 1][0] if n else "")
                          for oid, history in self.histories.items()
                          for n, (state, when) in enumerate(history)), key=lambda c: c[0])
        for when, oid, state, last in changes:
            self.feed.offer(oid, state, last, when, when, now)
        return self.feed

    def new_order(self, status: str = "ready-for-handling", shape: str | None = None) -> str:
        """Create an order now (a shopper checked out); returns its id."""
        now = self.now()
        payload, history = self.factory.build(now - timedelta(minutes=5), status, shape)
        steps = len(history)
        history = [(state, now - timedelta(milliseconds=steps - n)) for n, (state, _) in
                   enumerate(history)]
        payload["creationDate"] = vtex_date(history[0][1])
        payload["lastChange"] = vtex_date(history[-1][1])
        self.orders[payload["orderId"]] = payload
        self.histories[payload["orderId"]] = history
        for n, (state, when) in enumerate(history):
            self._notify(payload["orderId"], state, history[n - 1][0] if n else "", when)
        return str(payload["orderId"])

    def change_status(self, order_id: str, status: str) -> None:
        """Move an order to ``status`` now (as the shop's admin or VTEX's workflow would)."""
        order = self.orders[order_id]
        last = order["status"]
        now = self.now()
        order["status"] = status
        order["statusDescription"] = STATUS_TEXT.get(status, status)
        order["lastChange"] = vtex_date(now)
        order["allowCancellation"] = status in ("ready-for-handling", "window-to-cancel")
        if status == "canceled":
            order["cancellationData"] = {"RequestedByUser": False, "RequestedBySystem": False,
                                         "RequestedBySellerNotification": True,
                                         "RequestedByPaymentNotification": False,
                                         "Reason": "Canceled by the seller",
                                         "CancellationDate": vtex_date(now)}
        if status == "invoiced":
            order["invoicedDate"] = vtex_date(now)
        self.histories[order_id].append((status, now))
        self._notify(order_id, status, last, now)

    def _notify(self, order_id: str, state: str, last: str, when: datetime) -> None:
        if self.feed is not None:
            self.feed.offer(order_id, state, last, when, when, self.now())
        if self.hook is not None and state in self.hook["filter"].get("status", []):
            self._spawn(self._deliver(order_id, state))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop: a change made by a test outside the server
            if asyncio.iscoroutine(coro):
                coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, order_id: str, state: str) -> None:
        assert self.hook is not None
        with contextlib.suppress(Exception):  # VTEX retries later; the sandbox just records
            status = await self.deliver_webhook(self.hook["hook"]["url"], state, order_id)
            self.notifications.append((order_id, status))

    def notification(self, order_id: str, state: str | None = None) -> dict[str, Any]:
        """The hook body VTEX sends about ``order_id``."""
        order = self.orders[order_id]
        return {"Domain": "Fulfillment", "OrderId": order_id,
                "State": state or order["status"], "LastChange": order["lastChange"],
                "Origin": {"Account": ACCOUNT, "Key": self.app_key}}

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """POST a hook notification (``topic`` is the state; an unknown one means the order's
        status) with the headers the hook configuration registered, else the hook secret."""
        state = topic if topic in STATUS_TEXT or topic in ("canceled", "cancel") else None
        body = json.dumps(self.notification(resource_id, state)).encode()
        headers = dict(self.hook["hook"].get("headers") or {}) if self.hook else {
            "X-Hub-Secret": self.hook_secret}
        headers["Content-Type"] = "application/json"
        return await self.post(url, content=body, headers=headers)

    def fault_body(self, status: int) -> Mapping[str, Any]:
        """Injected 429/503 answers carry the OMS error body."""
        message = "Too Many Requests" if status == 429 else "Service Unavailable"
        return {"error": {"code": str(status), "message": message, "exception": None}}

    # --- the app ----------------------------------------------------------------------
    def build_app(self) -> ASGIApp:
        r = self._route
        routes = [
            Route("/api/oms/pvt/orders", r(self.list_orders, "orders"), methods=["GET"]),
            Route("/api/oms/pvt/orders/{orderId}", r(self.get_order, "orders", "order"),
                  methods=["GET"]),
            Route("/api/oms/pvt/orders/{orderId}/start-handling",
                  r(self.start_handling, "orders"), methods=["POST"]),
            Route("/api/oms/pvt/orders/{orderId}/invoice", r(self.invoice, "orders"),
                  methods=["POST"]),
            Route("/api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}",
                  r(self.update_invoice, "orders"), methods=["PATCH"]),
            Route("/api/oms/pvt/orders/{orderId}/cancel", r(self.cancel, "orders"),
                  methods=["POST"]),
            Route("/api/oms/pvt/orders/{orderId}/invoice/{invoiceNumber}/tracking",
                  r(self.tracking_events, "orders"), methods=["PUT"]),
            Route("/api/orders/feed/config", r(self.feed_config, "feed"),
                  methods=["GET", "POST", "DELETE"]),
            Route("/api/orders/feed", r(self.feed_items, "feed"), methods=["GET", "POST"]),
            Route("/api/orders/hook/config", r(self.hook_config, "hook"),
                  methods=["GET", "POST", "DELETE"]),
            Route("/api/catalog_system/pvt/sku/stockkeepingunitids",
                  r(self.sku_ids, "catalog", "catalog"), methods=["GET"]),
            Route("/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}",
                  r(self.sku_context, "catalog", "catalog"), methods=["GET"]),
            Route("/api/catalog_system/pvt/sku/stockkeepingunitByProductId/{productId}",
                  r(self.product_skus, "catalog", "catalog"), methods=["GET"]),
            Route("/api/catalog/pvt/stockkeepingunit", r(self.sku_by_ref, "catalog", "catalog"),
                  methods=["GET"]),
            Route("/api/catalog_system/pvt/saleschannel/list",
                  r(self.sales_channels, "catalog", "catalog"), methods=["GET"]),
            Route("/api/logistics/pvt/configuration/warehouses",
                  r(self.warehouses, "logistics"), methods=["GET"]),
            Route("/api/logistics/pvt/inventory/skus/{skuId}", r(self.sku_inventory, "logistics"),
                  methods=["GET"]),
            Route("/api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}",
                  r(self.set_inventory, "logistics"), methods=["PUT"]),
            Route("/api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/quantity",
                  r(self.set_inventory, "logistics"), methods=["PATCH"]),
            Route("/pricing/prices/{itemId}", r(self.price, "pricing", "pricing"),
                  methods=["GET", "PUT"]),
            Route("/pricing/prices/{itemId}/fixed/{priceTableId}",
                  r(self.fixed_prices, "pricing", "pricing"), methods=["POST", "DELETE", "GET"]),
        ]
        from hub_vtex.sandbox import catalogue_out  # catalogue writes (issue 20)

        routes += catalogue_out.routes(self)
        return Starlette(routes=routes)

    def _route(self, handler: Handler, role: str, limit: str | None = None) -> Handler:
        async def endpoint(request: Request) -> Response:
            if (request.headers.get("X-VTEX-API-AppKey") != self.app_key
                    or request.headers.get("X-VTEX-API-AppToken") != self.app_token):
                return error(401, "Unauthorized access")
            if role not in self.roles:
                return error(403, "Forbidden: the app key has no role with this resource")
            bucket = self._bucket(limit, request.method)
            if bucket is not None and self.options.enforce_rate_limit and not bucket.take():
                return error(429, "Too Many Requests", "429", refusal_headers(bucket, ratelimit_headers))
            try:
                response = await handler(request)
            except Refused as exc:
                return exc.answer()
            if limit == "pricing" and bucket is not None:
                response.headers.update(ratelimit_headers(bucket))
            return response
        return endpoint

    def _bucket(self, limit: str | None, method: str) -> TokenBucket | None:
        if limit == "pricing":
            if method == "GET":
                return None
            return self.buckets["pricing-delete" if method == "DELETE" else "pricing-write"]
        return self.buckets.get(limit) if limit else None

    # --- orders -----------------------------------------------------------------------
    def _order(self, request: Request) -> dict[str, Any]:
        order = self.orders.get(request.path_params["orderId"])
        if order is None:
            raise Refused(404, "Order not found", "OMS004")
        return order

    def _summary(self, order: dict[str, Any]) -> dict[str, Any]:
        profile = order.get("clientProfileData") or {}
        payments = order["paymentData"]["transactions"][0]["payments"]
        return {"orderId": order["orderId"], "creationDate": order["creationDate"],
                "clientName": f"{profile.get('firstName', '')} {profile.get('lastName', '')}".strip(),
                "items": None, "totalValue": order["value"],
                "paymentNames": payments[0]["paymentSystemName"] if payments else "",
                "status": order["status"], "statusDescription": order["statusDescription"],
                "marketPlaceOrderId": None, "sequence": order["sequence"],
                "salesChannel": order["salesChannel"], "affiliateId": order["affiliateId"],
                "origin": order["origin"], "workflowInErrorState": False,
                "workflowInRetry": False, "lastMessageUnread": None,
                "ShippingEstimatedDate": None, "ShippingEstimatedDateMax": None,
                "ShippingEstimatedDateMin": None, "orderIsComplete": True, "listId": None,
                "listType": None, "authorizedDate": order["authorizedDate"],
                "callCenterOperatorName": None,
                "totalItems": sum(i["quantity"] for i in order["items"]),
                "currencyCode": order["storePreferencesData"]["currencyCode"]}

    async def list_orders(self, request: Request) -> Response:
        q = request.query_params
        page = _int(q.get("page"), "page", 1, 1, 10_000)
        per_page = _int(q.get("per_page"), "per_page", 15, 1, MAX_PER_PAGE)
        if page > MAX_PAGES:
            raise Refused(400, f"The maximum number of pages is {MAX_PAGES}; narrow the "
                               "creation date range")
        orders = list(self.orders.values())
        cutoff = self.now() - self.index_lag
        orders = [o for o in orders if _date(o, "creationDate") <= cutoff]
        if q.get("f_creationDate"):
            match = _RANGE.match(q["f_creationDate"])
            if not match:
                raise Refused(400, "f_creationDate must be creationDate:[FROM TO TO]")
            start = _when(match["start"], "f_creationDate")
            end = _when(match["end"], "f_creationDate")
            orders = [o for o in orders if start <= _date(o, "creationDate") <= end]
        if q.get("f_status"):
            wanted = {s.strip() for s in q["f_status"].split(",")}
            orders = [o for o in orders if o["status"] in wanted]
        field, _, direction = (q.get("orderBy") or "creationDate,desc").partition(",")
        if field not in ("creationDate", "orderId"):
            raise Refused(400, f"orderBy field {field} is not supported by the sandbox")
        orders.sort(key=lambda o: (o[field], o["orderId"]), reverse=direction != "asc")
        total = len(orders)
        chunk = page_slice(orders, page, per_page)
        response = JSONResponse({
            "list": [self._summary(o) for o in chunk], "facets": [],
            "paging": {"total": total, "pages": page_count(total, per_page), "currentPage": page,
                       "perPage": per_page},
            "stats": {"stats": {"totalValue": {"Count": total,
                                               "Sum": sum(o["value"] for o in orders)},
                                "totalItems": {"Count": total}}}})
        self.served_list_pages += 1
        if self.drift_hook.served(page, nonempty=bool(chunk)):
            ready = [o for o in chunk if o["status"] == "ready-for-handling"]
            self._drift((ready or chunk)[0]["orderId"])
        return response

    @property
    def drifted(self) -> bool:
        """Whether the data already changed mid-scan (``SandboxOptions.drift_page``)."""
        return self.drift_hook.drifted

    def _drift(self, served: str) -> None:
        """After a page was served: an order on it changes, and a new order arrives."""
        if self.orders[served]["status"] == "ready-for-handling":
            self.change_status(served, "canceled")
        else:
            self.orders[served]["openTextField"] = {"value": "Please ring twice."}
            self.orders[served]["lastChange"] = vtex_date(self.now())
        self.new_order()

    async def get_order(self, request: Request) -> Response:
        return JSONResponse(self._order(request))

    async def start_handling(self, request: Request) -> Response:
        order = self._order(request)
        if order["status"] != "ready-for-handling":
            raise Refused(409, "Order status should be ready-for-handling to perform this action",
                          "OMS003")
        self.change_status(order["orderId"], "handling")
        return Response(status_code=204)

    async def invoice(self, request: Request) -> Response:
        order = self._order(request)
        body = await _json(request)
        if not isinstance(body, dict):
            raise Refused(400, "The invoice must be a JSON object")
        for key in ("type", "issuanceDate", "invoiceNumber", "invoiceValue", "items"):
            if body.get(key) in (None, ""):
                raise Refused(400, f"{key} is required")
        if body["type"] not in ("Output", "Input"):
            raise Refused(400, "type must be Output or Input")
        value = str(body["invoiceValue"])
        if not value.isdigit() or int(value) <= 0:
            raise Refused(400, "invoiceValue must be a positive amount in cents, without "
                               "separators")
        known = {i["id"]: n for n, i in enumerate(order["items"])}
        items = body["items"]
        if not isinstance(items, list) or not items:
            raise Refused(400, "items must list the invoiced SKUs")
        for item in items:
            if not isinstance(item, dict) or str(item.get("id")) not in known or not isinstance(
                    item.get("price"), int) or not isinstance(item.get("quantity"), int):
                raise Refused(400, f"invalid invoice item {item!r}")
        if body["type"] == "Output" and order["status"] not in ("handling", "invoiced"):
            raise Refused(409, "Order status should be handling to receive an invoice", "OMS003")
        _date_or_400(str(body["issuanceDate"]), "issuanceDate")
        _refuse_second_invoice(order, body, int(value))  # ship: one invoice per shipment
        self.invoices.append({"orderId": order["orderId"], **body})
        package = {"items": [{"itemIndex": known[str(i["id"])], "quantity": i["quantity"],
                              "price": i["price"], "description": None, "unitMultiplier": 1.0}
                             for i in items],
                   "courier": body.get("courier"), "invoiceNumber": str(body["invoiceNumber"]),
                   "invoiceValue": int(value), "invoiceUrl": body.get("invoiceUrl"),
                   "issuanceDate": body["issuanceDate"],
                   "trackingNumber": body.get("trackingNumber"),
                   "invoiceKey": body.get("invoiceKey"), "trackingUrl": body.get("trackingUrl"),
                   "embeddedInvoice": body.get("embeddedInvoice") or "", "type": body["type"],
                   "courierStatus": None, "cfop": None, "restitutions": {}, "volumes": 1,
                   "EnableInferItems": False, "dispatchedDate": body.get("dispatchedDate")}
        packages = order["packageAttachment"]["packages"]
        packages[:] = [p for p in packages if p["invoiceNumber"] != package["invoiceNumber"]]
        packages.append(package)
        invoiced = sum(p["invoiceValue"] for p in packages if p["type"] == "Output")
        order["lastChange"] = vtex_date(self.now())
        if body["type"] == "Output" and invoiced >= order["value"] and order["status"] != "invoiced":
            self.change_status(order["orderId"], "invoiced")
        return JSONResponse(self._receipt(order))

    def _receipt(self, order: dict[str, Any]) -> dict[str, Any]:
        return {"date": vtex_date(self.now()), "orderId": order["orderId"],
                "receipt": secrets.token_hex(16)}

    async def update_invoice(self, request: Request) -> Response:
        order = self._order(request)
        number = request.path_params["invoiceNumber"]
        package = next((p for p in order["packageAttachment"]["packages"]
                        if p["invoiceNumber"] == number), None)
        if package is None:
            raise Refused(404, f"Invoice {number} not found in order {order['orderId']}", "OMS012")
        body = await _json(request)
        if not isinstance(body, dict):
            raise Refused(400, "The body must be a JSON object")
        for key in ("trackingNumber", "trackingUrl", "courier", "dispatchedDate"):
            if key not in body:
                raise Refused(400, f"{key} is required")
        for key in ("trackingNumber", "trackingUrl", "courier", "dispatchedDate"):
            package[key] = body[key]
        order["lastChange"] = vtex_date(self.now())
        self.invoices.append({"orderId": order["orderId"], "invoiceNumber": number, **body})
        return JSONResponse(self._receipt(order))

    async def cancel(self, request: Request) -> Response:
        """``POST .../cancel``: refused once invoiced (a return invoice is needed then)."""
        order = self._order(request)
        body = await _json(request)
        if order["status"] == "canceled":
            raise Refused(409, "Order is already canceled", "OMS004")
        if order["status"] == "invoiced":
            raise Refused(409, "Order cannot be canceled after it is invoiced; send a return "
                               "(Input) invoice instead", "OMS005")
        self.change_status(order["orderId"], "canceled")
        reason = body.get("reason") if isinstance(body, dict) else None
        order["cancellationData"]["Reason"] = reason or "Canceled by the seller"
        return JSONResponse(self._receipt(order))

    async def tracking_events(self, request: Request) -> Response:
        """``PUT .../invoice/{invoiceNumber}/tracking``: events (and delivery) of an invoice
        that already carries a tracking number."""
        order = self._order(request)
        number = request.path_params["invoiceNumber"]
        package = next((p for p in order["packageAttachment"]["packages"]
                        if p["invoiceNumber"] == number), None)
        if package is None:
            raise Refused(404, f"Invoice {number} not found in order {order['orderId']}", "OMS012")
        if order["status"] == "canceled":
            raise Refused(409, "Order is canceled", "OMS004")
        if not package.get("trackingNumber"):
            raise Refused(400, "The invoice has no tracking number: send it with PATCH "
                               ".../invoice/{invoiceNumber} first", "OMS013")
        body = await _json(request)
        if not isinstance(body, dict) or not isinstance(body.get("isDelivered"), bool):
            raise Refused(400, "isDelivered is required")
        delivered = body["isDelivered"]
        if delivered:
            _date_or_400(str(body.get("deliveredDate") or ""), "deliveredDate")
        package["courierStatus"] = {"status": "delivered" if delivered else "in transit",
                                    "finished": delivered,
                                    "deliveredDate": body.get("deliveredDate"),
                                    "data": body.get("events") or []}
        order["lastChange"] = vtex_date(self.now())
        return JSONResponse(self._receipt(order))

    # --- feed and hook ---------------------------------------------------------------
    async def feed_config(self, request: Request) -> Response:
        if request.method == "GET":
            if self.feed is None:
                raise Refused(404, "Feed configuration not found", "FD001")
            return JSONResponse(self.feed.config(self.now()))
        if request.method == "DELETE":
            self.feed = None
            return Response(status_code=200)
        body = await _json(request)
        statuses = _filter_statuses(body)
        queue = body.get("queue") if isinstance(body, dict) else None
        if not isinstance(queue, dict):
            raise Refused(400, "queue is required")
        visibility = queue.get("visibilityTimeoutInSeconds")
        retention = queue.get("MessageRetentionPeriodInSeconds",
                              queue.get("messageRetentionPeriodInSeconds"))
        if not isinstance(visibility, int) or not isinstance(retention, int):
            raise Refused(400, "queue needs visibilityTimeoutInSeconds and "
                               "MessageRetentionPeriodInSeconds")
        if not 345_600 <= retention <= 1_209_600:
            raise Refused(400, "MessageRetentionPeriodInSeconds must be between 345600 and "
                               "1209600")
        old = self.feed
        self.feed = FeedQueue(statuses, timedelta(seconds=visibility),
                              timedelta(seconds=retention), configured_at=self.now())
        if old is not None:  # events of the former queue stay until committed or expired
            self.feed.events = old.events
            self.feed.duplicate_next = old.duplicate_next
        return Response(status_code=200)

    async def feed_items(self, request: Request) -> Response:
        if self.feed is None:
            raise Refused(404, "Feed configuration not found", "FD001")
        if request.method == "GET":
            maxlot = _int(request.query_params.get("maxlot"), "maxlot", 0, 1, 10)
            if maxlot == 0:
                raise Refused(400, "maxlot is required")
            return JSONResponse(self.feed.read(maxlot, self.now()))
        body = await _json(request)
        handles = body.get("handles") if isinstance(body, dict) else None
        if not isinstance(handles, list) or not all(isinstance(h, str) for h in handles):
            raise Refused(400, "handles must be a list of strings")
        self.feed.commit(handles)
        return Response(status_code=200)

    async def hook_config(self, request: Request) -> Response:
        if request.method == "GET":
            if self.hook is None:
                raise Refused(404, "Hook configuration not found")
            return JSONResponse({**self.hook, "origin": {"account": ACCOUNT,
                                                         "appKey": self.app_key}})
        if request.method == "DELETE":
            self.hook = None
            return Response(status_code=200)
        body = await _json(request)
        _filter_statuses(body)
        hook = body.get("hook")
        if not isinstance(hook, dict) or not isinstance(hook.get("url"), str) or not isinstance(
                hook.get("headers"), dict):
            raise Refused(400, "hook needs url and headers")
        try:
            status = await self.post(hook["url"], content=b'{"hookConfig":"ping"}',
                                     headers={"Content-Type": "application/json",
                                              **{str(k): str(v) for k, v in
                                                 hook["headers"].items()}})
        except Exception:  # unreachable, refused connection, not loopback
            status = 0
        if status != 200:
            raise Refused(400, f"The hook endpoint answered {status or 'nothing'} to the ping")
        self.hook = copy.deepcopy(body)
        return Response(status_code=200)

    # --- catalogue, inventory, prices -------------------------------------------------
    def _sku(self, value: str) -> dict[str, Any]:
        if not value.isdigit() or int(value) not in self.skus:
            raise Refused(404, f"SKU {value} not found")
        return self.skus[int(value)]

    async def sku_ids(self, request: Request) -> Response:
        q = request.query_params
        if not q.get("page") or not q.get("pagesize"):
            raise Refused(400, "page and pagesize are required")
        page = _int(q.get("page"), "page", 1, 1, 1_000_000)
        size = _int(q.get("pagesize"), "pagesize", 25, 1, 1000)
        ids = sorted(self.skus)
        return JSONResponse(page_slice(ids, page, size))

    async def sku_context(self, request: Request) -> Response:
        sku = self._sku(request.path_params["skuId"])
        return JSONResponse(catalog.sku_context(sku, self.products[sku["ProductId"]], ACCOUNT))

    async def product_skus(self, request: Request) -> Response:
        product_id = request.path_params["productId"]
        if not product_id.isdigit() or int(product_id) not in self.products:
            raise Refused(404, f"Product {product_id} not found")
        return JSONResponse([catalog.sku_summary(s) for s in self.skus.values()
                             if s["ProductId"] == int(product_id)])

    async def sku_by_ref(self, request: Request) -> Response:
        ref = request.query_params.get("RefId")
        if not ref:
            raise Refused(400, "RefId is required")
        sku = next((s for s in self.skus.values() if s["RefId"] == ref), None)
        if sku is None:
            raise Refused(404, f"SKU with RefId {ref} not found")
        return JSONResponse(catalog.sku_summary(sku))

    async def sales_channels(self, request: Request) -> Response:
        """The trade policies: the main one sells in the store's currency."""
        return JSONResponse([{"Id": 1, "Name": "Main", "IsActive": True, "ProductClusterId": None,
                              "CountryCode": "BRA" if self.currency == "BRL" else "USA",
                              "CultureInfo": "pt-BR", "TimeZone": "E. South America Standard Time",
                              "CurrencyCode": self.currency, "CurrencySymbol": "",
                              "CurrencyLocale": 1046, "CurrencyFormatInfo": {}, "Origin": None,
                              "Position": 1, "ConditionRule": None, "CurrencyDecimalDigits": 2}])

    async def warehouses(self, request: Request) -> Response:
        return JSONResponse([{**w, "warehouseDocks": [{"dockId": "1", "time": "1.00:00:00",
                                                        "cost": 0}],
                              "pickupPointIds": [], "priority": 0, "isActive": True}
                             for w in WAREHOUSES])

    async def sku_inventory(self, request: Request) -> Response:
        sku = self._sku(request.path_params["skuId"])
        balance = [{"warehouseId": w["id"], "warehouseName": w["name"],
                    **catalog.balance(self.inventory[(sku["Id"], w["id"])])}
                   for w in WAREHOUSES if (sku["Id"], w["id"]) in self.inventory]
        return JSONResponse({"skuId": str(sku["Id"]), "balance": balance})

    async def set_inventory(self, request: Request) -> Response:
        sku = self._sku(request.path_params["skuId"])
        warehouse = request.path_params["warehouseId"]
        if warehouse not in {w["id"] for w in WAREHOUSES}:
            raise Refused(404, f"Warehouse {warehouse} not found")
        body = await _json(request)
        if not isinstance(body, dict):
            raise Refused(400, "The body must be a JSON object")
        patch = request.method == "PATCH"  # .../quantity: quantity and unlimitedQuantity only
        if patch and not {"quantity", "unlimitedQuantity"} <= set(body):
            raise Refused(400, "quantity and unlimitedQuantity are required")
        quantity = body.get("quantity", 0)  # VTEX: an omitted quantity is zero
        if not isinstance(quantity, int) or quantity < 0:
            raise Refused(400, "quantity must be a non-negative integer")
        entry = self.inventory.setdefault((sku["Id"], warehouse), catalog.new_balance())
        entry.update(totalQuantity=quantity,
                     hasUnlimitedQuantity=bool(body.get("unlimitedQuantity", False)))
        if "leadTime" in body and not patch:
            entry["leadTime"] = str(body["leadTime"])
        self.stock_pushes.append({"skuId": sku["Id"], "warehouseId": warehouse, **body})
        return Response(status_code=204) if patch else JSONResponse(True)

    async def price(self, request: Request) -> Response:
        sku = self._sku(request.path_params["itemId"])
        if request.method == "GET":
            price = self.prices.get(sku["Id"])
            if price is None:
                raise Refused(404, f"SKU {sku['Id']} has no price")
            return JSONResponse(_price_json(price))
        body = await _json(request)
        if not isinstance(body, dict):
            raise Refused(400, "The body must be a JSON object")
        price = {"itemId": str(sku["Id"]), "listPrice": body.get("listPrice"),
                 "costPrice": body.get("costPrice"), "markup": body.get("markup"),
                 "basePrice": body.get("basePrice"), "fixedPrices": body.get("fixedPrices") or []}
        if price["basePrice"] is None and price["costPrice"] is None:
            raise Refused(400, "basePrice or costPrice and markup are required")
        self.prices[sku["Id"]] = _exact(price)
        self.price_pushes.append({"itemId": sku["Id"], "method": "PUT", **body})
        return Response(status_code=200)

    async def fixed_prices(self, request: Request) -> Response:
        sku = self._sku(request.path_params["itemId"])
        table = request.path_params["priceTableId"]
        price = self.prices.setdefault(sku["Id"], catalog.empty_price(sku["Id"]))
        mine = [f for f in price["fixedPrices"] if f["tradePolicyId"] == table]
        if request.method == "GET":
            return JSONResponse(_price_json({"fixedPrices": mine})["fixedPrices"])
        if request.method == "DELETE":
            if not mine:
                raise Refused(404, f"SKU {sku['Id']} has no fixed price on {table}")
            price["fixedPrices"] = [f for f in price["fixedPrices"] if f["tradePolicyId"] != table]
            self.price_pushes.append({"itemId": sku["Id"], "method": "DELETE", "table": table})
            return Response(status_code=200)
        body = await _json(request)
        if not isinstance(body, list) or not body:
            raise Refused(400, "The body must be a list of fixed prices")
        for fixed in body:
            if not isinstance(fixed, dict) or fixed.get("value") is None or not isinstance(
                    fixed.get("minQuantity"), int):
                raise Refused(400, "each fixed price needs value and minQuantity")
            window = fixed.get("dateRange")
            if window is not None and (not isinstance(window, dict) or not window.get("from")
                                       or not window.get("to")):
                raise Refused(400, "dateRange needs from and to")
        price["fixedPrices"] = [f for f in price["fixedPrices"] if f["tradePolicyId"] != table]
        price["fixedPrices"] += [_exact({"tradePolicyId": table, **f}) for f in body]
        self.price_pushes.append({"itemId": sku["Id"], "method": "POST", "table": table,
                                  "fixed": body})
        return Response(status_code=200)


def _filter_statuses(body: Any) -> list[str]:
    flt = body.get("filter") if isinstance(body, dict) else None
    if not isinstance(flt, dict) or flt.get("type") not in ("FromWorkflow", "FromOrders"):
        raise Refused(400, "filter.type must be FromWorkflow or FromOrders")
    if flt["type"] == "FromWorkflow":
        if "expression" in flt or "disableSingleFire" in flt:
            raise Refused(409, "FromWorkflow filters take no expression", "FD002")
        statuses = flt.get("status")
        if not isinstance(statuses, list) or not statuses:
            raise Refused(400, "FromWorkflow needs a status list")
        return [str(s) for s in statuses]
    if "status" in flt:
        raise Refused(409, "FromOrders filters take no status list", "FD002")
    raise Refused(400, "the sandbox supports FromWorkflow filters only")


def _date_or_400(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refused(400, f"{name} is not a date") from None


def _exact(value: Any) -> Any:
    """Store pricing numbers exactly (as Decimal) whatever JSON float they came as."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def _price_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _price_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_price_json(v) for v in value]
    return value


# --- one invoice per shipment (added for issue 15: a second ship updates, never re-invoices) --
def _refuse_second_invoice(order: dict[str, Any], body: dict[str, Any], value: int) -> None:
    """Refuse an invoice number the order already has, and Output invoices beyond its value.

    The OMS keeps each invoice number once per order (a change goes through
    ``PATCH .../invoice/{invoiceNumber}``), and partial invoices add up to the
    order's value at most: a second full-value invoice would settle it twice.
    """
    packages = order["packageAttachment"]["packages"]
    number = str(body["invoiceNumber"])
    if any(str(p["invoiceNumber"]) == number for p in packages):
        raise Refused(409, f"Invoice {number} already exists in order {order['orderId']}",
                      "OMS014")
    if body["type"] == "Output":
        invoiced = sum(int(p["invoiceValue"]) for p in packages if p["type"] == "Output")
        if invoiced + value > int(order["value"]):
            raise Refused(409, f"The invoiced value ({invoiced + value}) would exceed the "
                               f"order value ({order['value']})", "OMS015")
