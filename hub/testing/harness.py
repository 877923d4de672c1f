"""Run a platform plugin against its sandbox through the real core.

:class:`SandboxHarness` starts the plugin's sandbox on 127.0.0.1, builds a hub
on a temporary data directory (SQLite), adds an account with the sandbox's
settings and drives the same services the CLI and the daemon use: order import,
stock, price and tracking pushes, shipping and deduction. Use it in a plugin's
tests::

    from hub.sandbox import SandboxOptions
    from hub.testing.harness import SandboxHarness

    def test_import_twice_creates_nothing_new(tmp_path):
        with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=40)) as h:
            first = h.import_orders()
            assert first.counts.counts["imported"] == len(h.sandbox.eligible_order_ids())
            assert h.import_orders(full=True).counts.counts["imported"] == 0

Every call runs to completion on its own event loop, closing the account's
HTTP clients afterwards, exactly like one CLI command.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.plugins import PluginHost, get_host
from hub.sandbox import Sandbox, SandboxOptions
from hub.types import Capability

T = TypeVar("T")


class SandboxHarness:
    """One sandbox, one temporary hub, one account (more with :meth:`add_account`)."""

    def __init__(self, platform: str, tmp_path: Path, options: SandboxOptions | None = None, *,
                 account: str = "main", settings: dict[str, str] | None = None,
                 host: PluginHost | None = None, currency: str | None = None,
                 flows: tuple[str, ...] = ("orders", "stock", "price", "tracking"),
                 database_url: str | None = None, fast_retries: bool = True) -> None:
        self.platform = platform
        self.tmp_path = tmp_path
        self.options = options or SandboxOptions()
        self.account = account
        self.extra_settings = settings or {}
        self.host = host or get_host()
        self.currency = currency
        self.flows = flows
        self.database_url = database_url
        self.fast_retries = fast_retries
        self.sandbox: Sandbox = self.host.create_sandbox(platform, self.options)
        self.base_url = ""
        self._stack = contextlib.ExitStack()
        self.app: HubApp

    def __enter__(self) -> SandboxHarness:
        self.base_url = self._stack.enter_context(self.sandbox.serve())
        data = self.tmp_path / "hub-data"
        self.app = HubApp(Config(data_dir=data, database_url=self.database_url
                                 or f"sqlite:///{data / 'hub.db'}"), host=self.host)
        self._stack.callback(self.app.close)
        if self.fast_retries:  # the same retries, with waits in milliseconds (Retry-After still honoured)
            from hub.core.http.retry import RetryPolicy

            self.app.retry_policy = RetryPolicy(base_delay=0.01, max_delay=0.5)
        currency = self.currency or self.options.currency
        if currency:  # the hub sells in the sandbox store's currency unless told otherwise
            self.app.set_setting("currency", currency)
        from hub.core.sync.stock import add_warehouse

        with self.app.db.session() as s:
            add_warehouse(s, "main")
        self.add_account(self.account, self.extra_settings)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def add_account(self, name: str, settings: dict[str, str] | None = None,
                    base_url: str | None = None) -> str:
        """Add another account on this (or another running) sandbox, with every flow on.

        An OAuth platform's account is authorized right away (the sandbox approves
        the browser step at once), as a user would before the first import.
        """
        values = {**self.sandbox.account_settings(base_url or self.base_url), **(settings or {})}
        self.app.accounts.add(self.platform, name, values)
        self.app.accounts.set_flags(name, **{f"flow_{f}": True for f in self.flows})
        if Capability.OAUTH in self.host.info(self.platform).capabilities:
            self.authorize(name)
        return name

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        async def main() -> T:
            try:
                return await coro
            finally:
                await self.app.accounts.aclose()

        return asyncio.run(main())

    # --- the services -------------------------------------------------------------
    def authorize(self, account: str | None = None) -> bool:
        """Run the plugin's authorize hook; an OAuth redirect is followed like a browser would."""
        import httpx

        from hub.core.authorize import authorize_account

        async def browser(url: str) -> None:
            async with httpx.AsyncClient(follow_redirects=True, timeout=10) as client:
                await client.get(url)

        return self.run(authorize_account(self.app, account or self.account, opener=browser))

    def import_orders(self, account: str | None = None, **kw: Any) -> Any:
        from hub.core.sync.orders import import_orders

        return self.run(import_orders(self.app, account or self.account, **kw))

    def import_payload(self, payload: dict[str, Any], account: str | None = None) -> Any:
        from hub.core.sync.orders import import_payload

        return self.run(import_payload(self.app, account or self.account, payload))

    def sync_products(self, account: str | None = None) -> Any:
        from hub.core.sync.products import sync_products

        return self.run(sync_products(self.app, account or self.account))

    def push(self, kind: str, account: str | None = None) -> Any:
        from hub.core.sync.push import push

        return self.run(push(self.app, account or self.account, kind))

    def set_stock(self, sku: str, quantity: int, warehouse: str = "main") -> None:
        from hub.core.sync.inventory import set_stock

        set_stock(self.app, sku, quantity, warehouse)

    def set_price(self, sku: str, regular: str, promo: str | None = None,
                  promo_from: datetime | None = None, promo_to: datetime | None = None) -> None:
        from hub.core.sync.inventory import set_price

        set_price(self.app, sku, Decimal(regular), promo=Decimal(promo) if promo else None,
                  promo_from=promo_from, promo_to=promo_to)

    def ship(self, order_id: int, **kw: Any) -> Any:
        from hub.core.sync.fulfilment import ship

        kw.setdefault("carrier", "UPS")
        kw.setdefault("tracking", "1Z999")
        return ship(self.app, order_id, **kw)

    def deduct(self, order_id: int) -> Any:
        from hub.core.sync.fulfilment import deduct

        return deduct(self.app, order_id)

    def set_state(self, order_id: int, state: str, reason: str | None = None, **kw: Any) -> Any:
        """Move a hub order to ``state`` as an admin would (``hub orders status``)."""
        from hub.core.sync.lifecycle import request_state
        from hub.lifecycle import parse_state

        return request_state(self.app, order_id, parse_state(state), source="cli",
                             reason=reason, **kw)

    # --- reading back ----------------------------------------------------------------
    def run_items(self, outcome: str) -> list[Any]:
        """Run items with ``outcome`` (``failed``, ``alert``...), oldest first."""
        from sqlmodel import col, select

        from hub.core.storage.models import RunItem

        with self.app.db.session() as s:
            return list(s.exec(select(RunItem).where(RunItem.outcome == outcome)
                               .order_by(col(RunItem.id))))

    def orders(self, account: str | None = None) -> list[Any]:
        from sqlmodel import select

        from hub.core.storage.models import Order

        account_id = self.app.accounts.row(account or self.account).id
        with self.app.db.session() as s:
            return list(s.exec(select(Order).where(Order.account_id == account_id)))

    def order_ids(self, account: str | None = None) -> set[str]:
        return {o.platform_order_id for o in self.orders(account)}

    def skus(self, account: str | None = None) -> list[str]:
        """SKUs of the listings this account has linked."""
        from sqlmodel import select

        from hub.core.storage.models import ProductLink

        account_id = self.app.accounts.row(account or self.account).id
        with self.app.db.session() as s:
            return sorted({lk.sku for lk in s.exec(select(ProductLink).where(
                ProductLink.account_id == account_id)) if lk.sku})


@contextlib.contextmanager
def harness(platform: str, tmp_path: Path, **kw: Any) -> Iterator[SandboxHarness]:
    with SandboxHarness(platform, tmp_path, **kw) as h:
        yield h
