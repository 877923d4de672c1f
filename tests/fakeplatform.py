"""An in-memory platform plugin for core tests: orders, products and pushes without HTTP.

It implements the platform hooks the way a real plugin must (pages with
checkpoints, payload parsing, push results in order) and records every call so
tests can assert what the core asked for. HTTP behaviour is covered by the
toolkit's tests and by the WooCommerce sandbox tests.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import hub
from hub import (
    Capability,
    Customer,
    DataError,
    Money,
    Order,
    OrderLine,
    OrderPage,
    PlatformInfo,
    Product,
    PushResult,
    SettingSpec,
    TransientError,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_order(order_id: int, *, status: str = "paid", modified: datetime | None = None,
               email: str | None = "buyer{n}@example.com", phone: str | None = None,
               currency: str = "USD", lines: list[dict[str, Any]] | None = None,
               delivery: str = "Express") -> dict[str, Any]:
    """A payload in the fake platform's own shape (strings for money, like most APIs)."""
    modified = modified or NOW - timedelta(days=1, minutes=order_id)
    return {
        "id": order_id, "status": status, "currency": currency,
        "created": (modified - timedelta(hours=1)).isoformat(), "modified": modified.isoformat(),
        "buyer": {"id": f"b{order_id}", "first": "Ana", "last": f"Buyer{order_id}",
                  "email": email.format(n=order_id) if email else None, "phone": phone},
        "lines": lines if lines is not None else [
            {"product": "p1", "sku": "SKU-1", "name": "Mug", "qty": "2", "price": "9.95"},
            {"product": "p2", "variant": "v7", "sku": "SKU-2-RED", "name": "Shirt red",
             "qty": "1", "price": "20.10"}],
        "shipping": {"method": delivery, "cost": "4.00", "address": "1 Main St, Springfield"},
        "total": "44.00",
    }


class FakePlatform:
    """The plugin object (registered under the platform name ``fakeshop``)."""

    def __init__(self, name: str = "fakeshop", customer_match: str = "contact") -> None:
        self.name = name
        self.customer_match = customer_match
        self.orders: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {
            "p1": {"id": "p1", "sku": "SKU-1", "name": "Mug", "category": "Kitchen"},
            "p2": {"id": "p2", "name": "Shirt", "category": "Clothes",
                   "variants": [{"id": "v7", "sku": "SKU-2-RED", "name": "red"}]},
        }
        self.page_size = 2
        self.fail_on_page: int | None = None
        self.read_ahead = 0  # PlatformInfo.read_ahead
        self.peeking = False  # answer peek_order (else None: every payload is parsed)
        self.parsed: list[str] = []  # ids parse_order was called for
        self.on_resume: Any = None  # called each time the scan resumes after a yield
        self.stock_calls: list[list[hub.StockUpdate]] = []
        self.price_calls: list[list[hub.PriceUpdate]] = []
        self.tracking_calls: list[hub.Shipment] = []
        self.reject_skus: set[str] = set()
        self.fetch_calls: list[tuple[datetime, datetime | None]] = []
        self.product_fetches: list[list[str] | None] = []
        self.refreshes: list[Any] = []
        self.used_refresh_tokens: set[Any] = set()
        self.before_fetch: Any = None  # an async callable awaited before the first page
        self.checkpoint_pages = True  # False: only a scan's last page carries a checkpoint
        self.checkpoint_at: datetime | None = None  # vouch for this instant on every page instead
        # the lifecycle: platform statuses -> hub states, and what the platform can be told
        self.order_states: dict[str, hub.OrderState] = {
            "pending": hub.OrderState.NEW, "paid": hub.OrderState.READY,
            "packing": hub.OrderState.HANDLING, "sent": hub.OrderState.SHIPPED,
            "cancelled": hub.OrderState.CANCELLED, "refunded": hub.OrderState.CANCELLED}
        self.writes_states = [hub.OrderState.HANDLING, hub.OrderState.CANCELLED,
                              hub.OrderState.DELIVERED]
        self.state_calls: list[hub.StateUpdate] = []
        self.refuse_state: str | None = None  # answer every state push failed with this
        self.currency: str | None = None  # what store_currency answers (None: it cannot say)

    @hub.hookimpl
    async def store_currency(self, account: hub.Account) -> str | None:
        return self.currency

    def add(self, *payloads: dict[str, Any]) -> None:
        for payload in payloads:
            self.orders[str(payload["id"])] = copy.deepcopy(payload)

    @hub.hookimpl
    def platform_info(self) -> PlatformInfo:
        return PlatformInfo(
            name=self.name, display_name="FakeShop",
            capabilities=[Capability.ORDERS, Capability.PRODUCTS, Capability.STOCK,
                          Capability.PRICE, Capability.TRACKING, Capability.WEBHOOKS],
            settings=[SettingSpec(name="base_url", kind="url", required=True, description="store URL"),
                      SettingSpec(name="api_key", secret=True, required=True, description="API key"),
                      SettingSpec(name="mode", choices=["a", "b"], description="a choice")],
            eligible_statuses=["paid"], excluded_statuses=["cancelled", "refunded"],
            customer_match=self.customer_match, stock_batch_size=3, price_batch_size=3,
            read_ahead=self.read_ahead, order_states=self.order_states,
            writes_states=self.writes_states)

    @hub.hookimpl
    async def fetch_orders(self, account: hub.Account, since: datetime, until: datetime | None
                           ) -> AsyncIterator[OrderPage]:
        self.fetch_calls.append((since, until))
        if self.before_fetch is not None:
            await self.before_fetch()
        chosen = sorted((p for p in self.orders.values()
                         if datetime.fromisoformat(p["modified"]) >= since
                         and (until is None or datetime.fromisoformat(p["modified"]) < until)),
                        key=lambda p: (p["modified"], p["id"]))
        pages = [chosen[i:i + self.page_size] for i in range(0, len(chosen), self.page_size)]
        for number, page in enumerate(pages, start=1):
            if self.fail_on_page == number:
                raise TransientError(f"FakeShop: page {number} answered 503")
            checkpoint = datetime.fromisoformat(page[-1]["modified"])
            if not self.checkpoint_pages and number < len(pages):
                checkpoint = None
            if self.checkpoint_at is not None:
                checkpoint = self.checkpoint_at
            yield OrderPage(payloads=copy.deepcopy(page), checkpoint=checkpoint, total=len(chosen))
            if self.on_resume is not None:
                self.on_resume()

    @hub.hookimpl
    async def refresh_credentials(self, account: hub.Account, credentials: dict[str, Any]
                                  ) -> dict[str, Any]:
        self.refreshes.append(credentials.get("refresh_token"))
        await asyncio.sleep(0.05)  # slow enough that concurrent callers pile up behind the lock
        if credentials.get("refresh_token") in self.used_refresh_tokens:
            raise hub.AuthError("invalid_grant: refresh token already used")
        self.used_refresh_tokens.add(credentials.get("refresh_token"))
        n = len(self.refreshes)
        return {"access_token": f"token-{n}", "refresh_token": f"refresh-{n}",
                "expires_at": (datetime.now(UTC) + timedelta(hours=6)).isoformat()}

    @hub.hookimpl
    async def fetch_order(self, account: hub.Account, order_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.orders.get(order_id))

    @hub.hookimpl
    def peek_order(self, payload: dict[str, Any]) -> hub.OrderPeek | None:
        if not self.peeking or "status" not in payload:
            return None
        return hub.OrderPeek(str(payload["id"]), payload["status"])

    @hub.hookimpl
    def parse_order(self, account: hub.Account, payload: dict[str, Any]) -> Order:
        self.parsed.append(str(payload.get("id")))
        if "status" not in payload:
            raise DataError(f"order {payload.get('id')}: no status")
        buyer = payload.get("buyer")
        currency = payload["currency"]
        ship = payload.get("shipping") or {}
        return Order(
            platform_order_id=str(payload["id"]), number=f"#{payload['id']}",
            status=payload["status"],
            created_at=hub.parse_datetime(payload["created"]),
            updated_at=hub.parse_datetime(payload["modified"]), currency=currency,
            customer=None if buyer is None else Customer(
                platform_id=buyer["id"], first_name=buyer["first"], last_name=buyer["last"],
                email=buyer.get("email"), phone=buyer.get("phone"),
                document=buyer.get("document"),
                unspecified=buyer.get("redacted", False)),
            lines=[OrderLine(platform_product_id=ln.get("product"),
                             platform_variant_id=ln.get("variant"), sku=ln.get("sku"),
                             name=ln["name"], quantity=hub.parse_decimal(ln["qty"]),
                             unit_price=Money(amount=hub.parse_decimal(ln["price"]), currency=currency))
                   for ln in payload["lines"]],
            total=Money(amount=hub.parse_decimal(payload["total"]), currency=currency),
            delivery=hub.Delivery(service=ship.get("method"),
                                  cost=Money(amount=ship.get("cost", "0"), currency=currency),
                                  address=hub.Address(line1=ship.get("address"))) if ship else None,
            raw=payload)

    @hub.hookimpl
    async def fetch_products(self, account: hub.Account, product_ids: list[str] | None
                             ) -> AsyncIterator[list[dict[str, Any]]]:
        self.product_fetches.append(product_ids)
        ids = product_ids if product_ids is not None else list(self.products)
        yield [copy.deepcopy(self.products[i]) for i in ids if i in self.products]

    @hub.hookimpl
    def map_product(self, account: hub.Account, payload: dict[str, Any]) -> Product:
        return Product(platform_product_id=payload["id"], sku=payload.get("sku"),
                       name=payload["name"], category=payload.get("category"),
                       variants=[hub.Variant(platform_variant_id=v["id"], sku=v["sku"],
                                             name=v["name"]) for v in payload.get("variants", [])])

    @hub.hookimpl
    async def push_stock(self, account: hub.Account, updates: list[hub.StockUpdate]) -> list[PushResult]:
        self.stock_calls.append(list(updates))
        return [PushResult.failed(u.sku, "listing locked") if u.sku in self.reject_skus
                else PushResult.ok(u.sku) for u in updates]

    @hub.hookimpl
    async def push_price(self, account: hub.Account, updates: list[hub.PriceUpdate]) -> list[PushResult]:
        self.price_calls.append(list(updates))
        return [PushResult.ok(u.sku) for u in updates]

    @hub.hookimpl
    async def push_tracking(self, account: hub.Account, shipment: hub.Shipment) -> PushResult:
        self.tracking_calls.append(shipment)
        return PushResult.ok(shipment.platform_order_id)

    @hub.hookimpl
    async def push_order_state(self, account: hub.Account, update: hub.StateUpdate) -> PushResult:
        self.state_calls.append(update)
        if self.refuse_state:
            return PushResult.failed(update.platform_order_id, self.refuse_state, retryable=False)
        words = {hub.OrderState.HANDLING: "packing", hub.OrderState.CANCELLED: "cancelled",
                 hub.OrderState.DELIVERED: "delivered"}
        order = self.orders.get(update.platform_order_id)
        if order is not None:
            order["status"] = words[update.state]
        return PushResult.ok(update.platform_order_id)

    @hub.hookimpl
    def verify_webhook(self, account: hub.Account, headers: dict[str, str], body: bytes) -> bool:
        return hub.verify_hmac(account.require("api_key"), body, headers.get("x-signature"))

    @hub.hookimpl
    def parse_webhook(self, account: hub.Account, headers: dict[str, str], body: bytes
                      ) -> hub.WebhookEvent:
        import json

        data = json.loads(body)
        if data.get("ping"):
            return hub.WebhookEvent(topic="ping", ignore=True)
        if "only_id" in data:  # a notification that names the order to re-fetch
            return hub.WebhookEvent(topic="order", order_id=str(data["only_id"]))
        return hub.WebhookEvent(topic="order", payload=data, dedupe_key=headers.get("x-delivery-id"))


class Observer:
    """A non-platform plugin: broadcast events and a wrapper around every platform's calls."""

    def __init__(self) -> None:
        self.imported: list[tuple[str, str, bool]] = []
        self.failed: list[tuple[str, str]] = []
        self.wrapped: list[str] = []

    @hub.hookimpl
    def order_imported(self, account: hub.Account, order: Order, created: bool) -> None:
        self.imported.append((account.name, order.platform_order_id, created))

    @hub.hookimpl
    def sync_failed(self, account: hub.Account, flow: str, run_id: int, error: str) -> None:
        self.failed.append((account.name, flow))

    @hub.hookimpl
    def register_commands(self, cli: Any) -> None:
        import click

        @cli.group("observer")
        def group() -> None:
            """Commands of the observer plugin."""

        @group.command("hello")
        def hello() -> None:
            click.echo("hello from a plugin command")

    @hub.hookimpl(wrapper=True)
    def parse_order(self, account: hub.Account, payload: dict[str, Any]) -> Any:
        self.wrapped.append(account.platform)
        return (yield)


class FakeOAuthPlatform(FakePlatform):
    """FakeShop with an OAuth2 code flow (platform ``fakeoauth``).

    ``authorize`` sends the user to a made-up authorization page carrying the
    session's ``state`` and ``redirect_uri``, waits for the redirect and swaps
    the code :attr:`good_code` for tokens; any other code is refused. An account
    whose ``mode`` setting is ``a`` has keys instead, verified on the spot, and
    ``b`` has keys the platform refuses.
    """

    good_code = "good-code"

    def __init__(self) -> None:
        super().__init__(name="fakeoauth")
        self.authorize_urls: list[str] = []

    @hub.hookimpl
    async def authorize(self, account: hub.Account, session: hub.AuthSession) -> dict[str, Any] | None:
        from urllib.parse import urlencode

        if account.setting("mode") == "a":
            return None
        if account.setting("mode") == "b":
            raise hub.AuthError(f"{account.label}: the platform refused the keys",
                                hint=f"run: hub accounts authorize {account.name}")
        url = "https://auth.fakeoauth.test/authorize?" + urlencode(
            {"state": session.state, "redirect_uri": session.redirect_uri,
             "code_challenge": session.pkce_challenge})
        self.authorize_urls.append(url)
        callback = await session.wait_for_callback(url)
        code = callback.params.get("code")
        if code != self.good_code:
            raise hub.AuthError(f"{account.label}: the platform refused the code")
        return {"access_token": "oauth-access-1", "refresh_token": "oauth-refresh-1",
                "seller_id": "S-1"}
