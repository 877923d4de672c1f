"""The sandbox Mercado Libre seller: state, generated data, changes, and what tests read back.

One app (``client_id``/``client_secret``) and one seller on site MLA
(Argentina, ARS). The HTTP routes live in :mod:`.routes`; this class holds
what they serve and change:

* :attr:`items` (by id), :attr:`orders`, :attr:`packs`, :attr:`shipments`;
* :attr:`promotions` (by item id), :attr:`fiscal_documents` (by pack or order id);
* :attr:`writes`: every write the API accepted, as ``(method, path, body)``;
* :attr:`tokens`: the OAuth server (its ``refreshes`` and ``rejected_refreshes``).

Knobs beyond :class:`hub.sandbox.SandboxOptions`: :meth:`advance` moves the
sandbox's clock (tokens expire 6 hours, or ``token_ttl`` seconds, after
issue), :attr:`lock_conflicts` makes the next N listing writes answer 409,
:attr:`hour_granularity` makes the order search ignore minutes in its date
filters (as third parties report), :attr:`rate_per_second` is the app's
request rate (``enforce_rate_limit``), answered with 429 and no ``Retry-After``.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.sandbox import Drift, FaultInjector, Sandbox, SandboxOptions, Scroll, TokenBucket
from hub.settings import BACKFILL_DAYS
from hub_mercadolibre.sandbox import catalog
from hub_mercadolibre.sandbox.sales import (
    FRAUD_TAG,
    READY,
    SaleFactory,
    Scenario,
    ages,
    parse,
    stamp,
)
from hub_mercadolibre.sandbox.tokens import TokenServer

SITE = "AR"
SITE_ID = "MLA"
CURRENCY = "ARS"
TOKEN_TTL = 21600.0
FIXED = [  # the first sales, so every case exists even in a small sandbox: (scenario, size, usd, cancel_one)
    (READY, 2, False, False),
    (READY, 3, False, True),
    (Scenario("paid", "me2", "ready_to_ship", "ready_to_print", fraud=True), 1, False, False),
    (READY, 1, True, False),
    (Scenario("paid", None, "to_be_agreed"), 1, False, False),
    (Scenario("paid", "custom", "ready_to_ship"), 1, False, False),
    (Scenario("paid", "me1", "pending"), 1, False, False),
    (Scenario("cancelled", "me2", "cancelled"), 1, False, False),
    (Scenario("paid", "me2", "handling"), 1, False, False),
]


class _WithoutRetryAfter:
    """ASGI wrapper removing ``Retry-After`` from 429 answers: Mercado Libre sends none."""

    sets_date_header = True

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def strip(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 429:
                message = {**message, "headers": [(k, v) for k, v in message.get("headers", [])
                                                  if k.lower() != b"retry-after"]}
            await send(message)

        await self.app(scope, receive, strip)


class MercadoLibreSandbox(Sandbox):
    """A fake Mercado Libre API for one app and one seller (see the module docstring)."""

    platform = "mercadolibre"
    order_topic = "orders_v2"
    catalogue_category = "MLA1574"  # Hogar, Muebles y Jardín
    exempt_paths = ("/authorization",)

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.clock_offset = timedelta(0)
        super().__init__(options)
        self.currency = self.options.currency or CURRENCY
        rng = self.rng = random.Random(self.options.seed)
        self.seller_id = 180000000 + rng.randrange(10**6)
        self.seller: dict[str, Any] = {
            "id": self.seller_id, "nickname": f"TIENDA_HUB_{self.options.seed}",
            "first_name": "Tienda", "last_name": "Sandbox", "country_id": SITE,
            "site_id": SITE_ID, "user_type": "normal", "email": f"seller{self.seller_id}@example.com",
            "tags": ["normal", "test_user", "user_product_seller"], "status": {"site_status": "active"},
        }
        self.client_id = str(rng.randrange(10**15, 10**16))
        self.client_secret = "".join(rng.choices(string.ascii_letters + string.digits, k=32))
        self.revoked_grants = 0  # DELETE /users/{id}/applications/{app} calls that ended the grant
        self.tokens = TokenServer(self.client_id, self.client_secret, self.seller_id, self.now,
                                  self.options.token_ttl or TOKEN_TTL)
        self.items = catalog.build(rng, SITE_ID, self.seller_id, self.epoch - timedelta(days=400),
                                   self.currency)
        self.factory = SaleFactory(rng, self.seller_id, SITE_ID, self.currency,
                                   catalog.sellables(self.items))
        self.orders: dict[int, dict[str, Any]] = {}
        self.packs: dict[int, dict[str, Any]] = {}
        self.shipments: dict[int, dict[str, Any]] = {}
        self._generate()
        self.promotions: dict[str, list[dict[str, Any]]] = {}
        self.fiscal_documents: dict[str, list[dict[str, Any]]] = {}
        self.fiscal_sequence = 0
        self.writes: list[tuple[str, str, Any]] = []
        self.scrolls: dict[str, Scroll] = {}
        self.lock_conflicts = 0
        self.hour_granularity = True
        self.rate_per_second = 50.0
        self.items_offset_cap = 1000
        self.drift_hook = Drift(self.options.drift_page, self.drift)
        self.notifications_sent = 0
        from hub_mercadolibre.sandbox.tickets import TicketDesk

        self.desk = TicketDesk(self)  # questions, post-sale messages, claims

    @property
    def rate_per_second(self) -> float:
        """The app's request rate; setting it starts a full bucket of that many requests."""
        return self.rate_bucket.rate

    @rate_per_second.setter
    def rate_per_second(self, value: float) -> None:
        self.rate_bucket = TokenBucket(value, value)

    # --- clock --------------------------------------------------------------------------
    def now(self) -> datetime:
        """The sandbox's time, moved by :meth:`advance`."""
        return super().now() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward (expires tokens without waiting)."""
        self.clock_offset += timedelta(seconds=seconds)

    # --- data -----------------------------------------------------------------------------
    def _add(self, orders: list[dict[str, Any]], pack: dict[str, Any] | None,
             shipment: dict[str, Any] | None) -> str:
        for order in orders:
            self.orders[order["id"]] = order
        if pack is not None:
            self.packs[pack["id"]] = pack
        if shipment is not None:
            self.shipments[shipment["id"]] = shipment
        return f"pack:{pack['id']}" if pack else str(orders[0]["id"])

    def _generate(self) -> None:
        rng = self.rng
        for age, (scenario, size, usd, cancel_one) in zip(
                ages(rng, len(FIXED), days=50), FIXED, strict=True):
            self._sale_at(scenario, age, size=size, usd=usd, cancel_one=cancel_one)
        old = timedelta(days=70, hours=rng.uniform(0, 48))
        self._sale_at(Scenario("paid", "me2", "handling"), old)  # drift brings it back
        target = self.options.orders
        for age in ages(rng, max(0, target * 2)):
            if len(self.orders) >= target:
                break
            size = rng.choice([2, 2, 3]) if rng.random() < 0.15 else 1
            scenario = self.factory.scenario()
            self._sale_at(scenario, age, size=size, usd=rng.random() < 0.04,
                          cancel_one=size > 1 and scenario.status == "paid" and rng.random() < 0.2)

    def _sale_at(self, scenario: Scenario, age: timedelta, *, size: int = 1, usd: bool = False,
                 cancel_one: bool = False) -> str:
        updated = self.epoch - age
        created = updated - timedelta(seconds=self.rng.uniform(300, 2 * 86400))
        orders, pack, shipment = self.factory.sale(scenario, created, updated, size=size,
                                                   currency="USD" if usd else None,
                                                   cancel_one=cancel_one)
        return self._add(orders, pack, shipment)

    def add_sale(self, scenario: Scenario = READY, *, size: int = 1) -> str:
        """A new sale made now; returns its key (``pack:<id>`` or the order id)."""
        now = self.now()
        orders, pack, shipment = self.factory.sale(scenario, now - timedelta(minutes=2), now,
                                                   size=size)
        return self._add(orders, pack, shipment)

    def sales(self) -> dict[str, list[dict[str, Any]]]:
        """Orders by sale key (``pack:<id>`` for a cart, else the order id)."""
        grouped: dict[str, list[dict[str, Any]]] = {}
        for order in self.orders.values():
            key = f"pack:{order['pack_id']}" if order.get("pack_id") else str(order["id"])
            grouped.setdefault(key, []).append(order)
        return grouped

    def shipment_of(self, key: str, orders: list[dict[str, Any]] | None = None
                    ) -> dict[str, Any] | None:
        """The shipment of sale ``key`` (whose ``orders`` may be given), or None."""
        orders = orders if orders is not None else self.sales()[key]
        shipping_id = (orders[0].get("shipping") or {}).get("id")
        return self.shipments.get(shipping_id) if shipping_id else None

    def touch(self, key: str) -> None:
        """Mark sale ``key`` as modified now (its orders' ``last_updated``)."""
        now = stamp(self.now())
        for order in self.sales()[key]:
            order["last_updated"] = order["date_last_updated"] = now
        shipment = self.shipment_of(key)
        if shipment is not None:
            shipment["last_updated"] = now
        if key.startswith("pack:"):
            self.packs[int(key[5:])]["last_updated"] = now

    def set_shipment_status(self, key: str, status: str, *, tracking_number: str | None = None,
                            substatus: str | None = None) -> None:
        """Change the shipment of sale ``key`` (and touch the sale, as Mercado Libre does)."""
        shipment = self.shipment_of(key)
        assert shipment is not None, f"sale {key} has no shipment"
        shipment["status"] = status
        shipment["substatus"] = substatus
        if tracking_number is not None:
            shipment["tracking_number"] = tracking_number
        self.touch(key)

    @property
    def drifted(self) -> bool:
        """Whether the data already changed mid-scan (``SandboxOptions.drift_page``)."""
        return self.drift_hook.drifted

    def drift(self) -> None:
        """The data changing mid-scan: an old sale becomes ready (re-entering the search) and
        a new sale arrives."""
        self.drift_hook.drifted = True  # also when a test calls it directly
        cutoff = self.now() - timedelta(days=61)
        for key, orders in sorted(self.sales().items(), key=lambda kv: kv[1][0]["date_created"]):
            shipment = self.shipment_of(key, orders)
            if (shipment is not None and shipment["mode"] == "me2"
                    and shipment["status"] == "handling"
                    and all(o["status"] == "paid" for o in orders)
                    and max(parse(o["last_updated"]) for o in orders) < cutoff):
                self.set_shipment_status(key, "ready_to_ship", substatus="ready_to_print")
                break
        self.add_sale()

    # --- what a correct import holds ----------------------------------------------------------
    def sale_status(self, key: str, orders: list[dict[str, Any]] | None = None
                    ) -> tuple[str, str | None]:
        """(order status of the sale's live orders, shipment status or None)."""
        orders = orders if orders is not None else self.sales()[key]
        live = [o for o in orders if o["status"] not in ("cancelled", "invalid")] or orders
        statuses = {o["status"] for o in live}
        shipment = self.shipment_of(key, orders)
        status = "paid" if statuses == {"paid"} else sorted(statuses - {"paid"})[0]
        return status, shipment["status"] if shipment else None

    def eligible_order_ids(self, backfill_days: int = BACKFILL_DAYS) -> set[str]:
        """Sales a first import (``backfill_days`` back, in the store currency, defaults) must hold.

        Modified inside the backfill, every live order paid, the shipment ready
        to ship (any mode: ``self_shipping_ready_statuses`` defaults to
        ready_to_ship), no fraud tag, in pesos.
        """
        start = self.now() - timedelta(days=backfill_days)
        found = set()
        for key, orders in self.sales().items():
            status, shipment = self.sale_status(key, orders)
            if (status == "paid" and shipment == "ready_to_ship"
                    and max(parse(o["last_updated"]) for o in orders) >= start
                    and not any(FRAUD_TAG in o["tags"] for o in orders)
                    and orders[0]["currency_id"] == self.currency):
                found.add(key)
        return found

    def _listing(self, item_id: str, variation_id: str | None) -> dict[str, Any]:
        item = self.items[item_id]
        if variation_id:
            return next(v for v in item.get("variations", []) if str(v["id"]) == variation_id)
        return item

    def read_stock(self, platform_product_id: str, platform_variant_id: str | None) -> int | None:
        return self._listing(platform_product_id, platform_variant_id).get("available_quantity")

    def read_price(self, platform_product_id: str, platform_variant_id: str | None
                   ) -> tuple[Decimal | None, Decimal | None]:
        """The item's price and its live PRICE_DISCOUNT promotion (a variation's own price)."""
        listing = self._listing(platform_product_id, platform_variant_id)
        live = [p for p in self.promotions.get(platform_product_id, [])
                if p["status"] in ("started", "pending")]
        promo = Decimal(str(live[-1]["price"])) if live else None
        return Decimal(str(listing["price"])), promo

    def read_tracking(self, platform_order_id: str) -> str | None:
        shipment = self.shipment_of(platform_order_id)
        return shipment.get("tracking_number") if shipment else None

    def shippable_order_ids(self) -> set[str]:
        """Eligible sales on ME1 or custom shipping: the seller sets their tracking
        (Mercado Libre manages ME2's itself)."""
        return {key for key in self.eligible_order_ids()
                if (self.shipment_of(key) or {}).get("mode") in ("me1", "custom")}

    # --- tickets for the kit (see hub.testing.kit_tickets) -------------------------------------
    def ticket_ids(self) -> set[str]:
        """Tickets a scan lists: unanswered questions, threads with unread messages, open claims."""
        desk = self.desk
        return ({f"question:{q}" for q, v in desk.questions.items() if v["status"] == "UNANSWERED"}
                | {f"pack:{p}" for p in desk.unread}
                | {f"claim:{c}" for c, v in desk.claims.items() if v["status"] == "opened"})

    def new_ticket(self) -> str:
        """A buyer asks a new question (the seller can answer it)."""
        return f"question:{self.desk.ask('¿Está disponible?')}"

    def read_reply(self, ticket_id: str) -> str | None:
        """The seller's answer to a question, or last message on a pack's thread."""
        kind, _, rest = ticket_id.partition(":")
        if kind == "question":
            answer = (self.desk.questions.get(int(rest)) or {}).get("answer") or {}
            return answer.get("text")
        mine = [m for m in self.desk.threads.get(int(rest), []) if m["from"]["user_id"] == self.seller_id]
        return mine[-1]["text"] if mine else None

    # --- tokens for tests ---------------------------------------------------------------------
    def credentials(self) -> dict[str, Any]:
        """Credentials as ``authorize`` stores them, issued without the browser round trip."""
        body = self.tokens.issue(self.seller_id)
        return {"access_token": body["access_token"], "refresh_token": body["refresh_token"],
                "expires_at": (datetime.now(UTC) + timedelta(seconds=body["expires_in"])).isoformat(),
                "seller_id": str(self.seller_id), "nickname": self.seller["nickname"]}

    # --- Sandbox ------------------------------------------------------------------------------
    def account_settings(self, base_url: str) -> dict[str, str]:
        """site, client_id, client_secret, base_url and auth_base_url for a hub account."""
        url = base_url.rstrip("/")
        return {"site": SITE, "client_id": self.client_id, "client_secret": self.client_secret,
                "base_url": url, "auth_base_url": url, "requests_per_second": "40"}

    def fault_body(self, status: int) -> Mapping[str, Any]:
        """Mercado Libre's error body for an injected 429 or 503."""
        if status == 429:
            return {"message": "Too many requests", "error": "too_many_requests", "status": 429,
                    "cause": []}
        return {"message": "Service unavailable", "error": "service_unavailable",
                "status": status, "cause": []}

    @cached_property
    def app(self) -> ASGIApp:
        """The routes behind the fault injector, with 429 answers stripped of ``Retry-After``."""
        return _WithoutRetryAfter(FaultInjector(self.build_app(), self.options, self.stats,
                                                body=self.fault_body, exempt=self.exempt_paths,
                                                clock=self.now))

    def build_app(self) -> ASGIApp:
        """The API's routes (see :mod:`.routes`)."""
        from hub_mercadolibre.sandbox.routes import build

        return build(self)

    def notification(self, topic: str, resource_id: str, *, user_id: int | None = None
                     ) -> dict[str, Any]:
        """A notification body as Mercado Libre posts it."""
        resource = {"orders_v2": f"/orders/{resource_id}", "orders": f"/orders/{resource_id}",
                    "shipments": f"/shipments/{resource_id}",
                    "items": f"/items/{resource_id}"}.get(topic, f"/{topic}/{resource_id}")
        now = self.now().astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"_id": str(uuid.UUID(int=self.rng.getrandbits(128))), "resource": resource,
                "user_id": user_id if user_id is not None else self.seller_id, "topic": topic,
                "application_id": int(self.client_id), "attempts": 1, "sent": now,
                "received": now}

    async def deliver_webhook(self, url: str, topic: str, resource_id: str) -> int:
        """POST a notification (``orders_v2``, ``shipments``, ``items``...) to ``url``."""
        body = json.dumps(self.notification(topic, resource_id)).encode()
        self.notifications_sent += 1
        return await self.post(url, content=body, headers={"Content-Type": "application/json"})
