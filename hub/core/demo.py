"""``hub demo``: the whole cycle against the local sandbox of every installed plugin.

For each platform it starts the plugin's sandbox on 127.0.0.1 (two stores for
the first platform, to show several accounts of one platform whose ids
collide), connects accounts, backfills orders with their skip reasons, sets and
pushes stock, pushes a promotional price, ships one order with invoice and
tracking, imports again (nothing new), and has the sandbox deliver a signed
webhook to the hub's HTTP service. Everything lives in its own data directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.plugins import PluginHost
from hub.sandbox import Sandbox, SandboxOptions
from hub.types import Capability

MARKER = ".hub-demo"
FIRST_CHOICE = ("woocommerce", "shopify", "mercadolibre", "vtex")
Say = Callable[[str], None]


@dataclass
class AccountReport:
    name: str
    platform: str
    imported: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    reimported: int = 0
    pushes: dict[str, int] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)
    webhook: str = "-"
    errors: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    data_dir: Path
    database: str
    accounts: list[AccountReport]

    @property
    def ok(self) -> bool:
        return bool(self.accounts) and not any(a.errors for a in self.accounts)

    @property
    def failed_pushes(self) -> int:
        return sum(len(items) for a in self.accounts for items in a.failed.values())

    @property
    def exit_code(self) -> int:
        """0 all done, 1 an account failed, 3 some pushed items were refused (partial)."""
        return 1 if not self.ok else 3 if self.failed_pushes else 0


def prepare_data_dir(path: Path) -> Path:
    """Use ``path`` for the demo, clearing an earlier demo there; refuse a real hub's directory."""
    path = path.expanduser().resolve()
    if path.exists() and any(path.iterdir()):
        if not (path / MARKER).exists():
            from hub.errors import ConfigError

            raise ConfigError(f"{path} is not empty and was not made by hub demo",
                              hint="pass an empty or new --data-dir")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("made by hub demo; deleted by the next hub demo\n")
    return path


async def _browser(url: str) -> None:
    """Follow an authorization URL the way a browser would (sandboxes approve at once)."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=10) as client:
        await client.get(url)


class Demo:
    def __init__(self, host: PluginHost, data_dir: Path, *, orders: int = 60,
                 platforms: list[str] | None = None, say: Say = print) -> None:
        self.host = host
        self.data_dir = data_dir
        self.orders = orders
        self.say = say
        installed = [p for p in host.platforms if host.implements("create_sandbox", p)]
        if platforms:
            missing = sorted(set(platforms) - set(installed))
            if missing:
                from hub.errors import ConfigError

                raise ConfigError(f"no installed plugin with a sandbox for: {', '.join(missing)}")
            installed = [p for p in installed if p in platforms]
        def order(p: str) -> tuple[int, str]:
            return (FIRST_CHOICE.index(p) if p in FIRST_CHOICE else len(FIRST_CHOICE), p)

        self.platforms = sorted(installed, key=order)
        self.app = HubApp(Config(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'hub.db'}"),
                          host=host)
        self.sandboxes: dict[str, Sandbox] = {}
        self.urls: dict[str, str] = {}
        self.hub_url = ""

    def run(self, stack: contextlib.ExitStack) -> DemoResult:
        from hub.core.server import create_server
        from hub.sandbox import serve

        if not self.platforms:
            from hub.errors import ConfigError

            raise ConfigError("no installed plugin has a sandbox",
                              hint="install one, e.g.: pip install hub-woocommerce")
        stack.callback(self.app.close)
        with self.app.db.session() as s:
            from hub.core.sync.stock import add_warehouse

            add_warehouse(s, "main")
        server_app = HubApp(self.app.config, host=self.host)  # the HTTP service's own handles
        stack.callback(server_app.close)
        self.hub_url = stack.enter_context(serve(create_server(server_app)))
        self.say(f"hub HTTP service (webhooks) on {self.hub_url}")
        reports = []
        for index, platform in enumerate(self.platforms):
            stores = ["main", "outlet"] if index == 0 else ["main"]
            for number, store in enumerate(stores):
                name = f"{platform}-{store}"
                sandbox = self.host.create_sandbox(platform, SandboxOptions(
                    seed=1 + number, orders=self.orders, currency=self.app.currency))
                self.sandboxes[name] = sandbox
                self.urls[name] = stack.enter_context(sandbox.serve())
                self.say(f"{platform} sandbox for '{name}' on {self.urls[name]}")
                reports.append(self._cycle(platform, name, sandbox))
        from hub.core.demo_catalogue import publish_demo_product

        publish_demo_product(self, reports)
        return DemoResult(self.data_dir, str(self.data_dir / "hub.db"), reports)

    def _run(self, coro: Any) -> Any:
        async def main() -> Any:
            try:
                return await coro
            finally:
                await self.app.accounts.aclose()

        return asyncio.run(main())

    def _cycle(self, platform: str, name: str, sandbox: Sandbox) -> AccountReport:
        from hub.core.authorize import authorize_account
        from hub.core.sync.orders import import_orders

        report = AccountReport(name=name, platform=platform)
        info = self.host.info(platform)
        capabilities = {str(c) for c in info.capabilities}
        try:
            self.app.accounts.add(platform, name, sandbox.account_settings(self.urls[name]))
            self._run(authorize_account(self.app, name, opener=_browser))
            flows = {f"flow_{f}": True for f in ("stock", "price", "tracking") if f in capabilities}
            self.app.accounts.set_flags(name, **flows)
            progress = self._progress(name)
            first = self._run(import_orders(self.app, name, progress=progress))
            if progress:
                self.say("")
            if first.error:
                report.errors.append(first.error)
            counts = first.counts
            report.imported, report.quarantined = counts.counts["imported"], counts.counts["quarantined"]
            report.skipped = dict(counts.skipped)
            self.say(f"{name}: backfill {counts.summary()}")
            if Capability.STOCK in info.capabilities:
                report.pushes["stock"] = self._push_stock(name, sandbox, report)
            if Capability.PRICE in info.capabilities:
                report.pushes["price"] = self._push_price(name, report)
            if Capability.TRACKING in info.capabilities:
                report.pushes["tracking"] = self._ship_one(name, sandbox.shippable_order_ids(),
                                                           report)
            again = self._run(import_orders(self.app, name))
            report.reimported = again.counts.counts["imported"]
            self.say(f"{name}: second import {again.counts.summary()}")
            if Capability.WEBHOOKS in info.capabilities:
                report.webhook = self._webhook(platform, name, sandbox)
        except Exception as exc:  # the demo reports every account, even a failing one
            from hub.core.http.redact import redact

            report.errors.append(redact(f"{type(exc).__name__}: {exc}"))
            self.say(f"{name}: failed: {report.errors[-1]}")
        return report

    def _progress(self, name: str) -> Callable[[int, int | None], None] | None:
        import sys

        if not sys.stderr.isatty():
            return None

        def show(done: int, total: int | None) -> None:
            of = f" of {total}" if total is not None else ""
            self.say(f"\r{name}: importing, {done}{of} orders read   ")
        return show

    def _linked_skus(self, name: str, sandbox: Sandbox | None = None) -> list[str]:
        """SKUs linked to the account; with ``sandbox``, only listings whose stock the store tracks."""
        from sqlmodel import select

        from hub.core.storage.models import ProductLink

        account_id = self.app.accounts.row(name).id
        with self.app.db.session() as s:
            links = s.exec(select(ProductLink).where(ProductLink.account_id == account_id)).all()
        tells = sandbox is not None and type(sandbox).read_stock is not Sandbox.read_stock
        return sorted({lk.sku for lk in links if lk.sku and not (tells and sandbox and sandbox.read_stock(
            lk.platform_product_id, lk.platform_variant_id or None) is None)})

    def _push(self, name: str, kind: str, report: AccountReport) -> int:
        from sqlmodel import select

        from hub.core.storage.models import RunItem
        from hub.core.sync.push import push

        result = self._run(push(self.app, name, kind))
        if result.error:
            raise RuntimeError(f"{kind} push failed: {result.error}")
        summary = result.summary() if kind != "tracking" else \
            f"pushed {result.counts.counts['pushed']}, failed {result.counts.counts['failed']}"
        self.say(f"{name}: {kind} push {summary}")
        if result.counts.counts["failed"]:
            with self.app.db.session() as s:
                report.failed[kind] = [f"{i.key}: {i.reason}" for i in s.exec(select(RunItem).where(
                    RunItem.run_id == result.run_id, RunItem.outcome == "failed"))]
        return int(result.counts.counts["pushed"])

    def _push_stock(self, name: str, sandbox: Sandbox, report: AccountReport) -> int:
        """Set a level for each listing whose quantity the store tracks (not a gift card), and push."""
        from hub.core.sync.inventory import set_stock

        for i, sku in enumerate(self._linked_skus(name, sandbox)):
            set_stock(self.app, sku, 5 + (i * 7) % 23, "main")
        return self._push(name, "stock", report)

    def _push_price(self, name: str, report: AccountReport) -> int:
        from hub.core.sync.inventory import set_price

        skus = self._linked_skus(name)
        if not skus:
            return 0
        today = datetime.now(UTC).replace(microsecond=0)
        set_price(self.app, skus[0], Decimal("29.90"), promo=Decimal("24.90"),
                  promo_from=today - timedelta(days=1), promo_to=today + timedelta(days=7),
                  account=name)
        return self._push(name, "price", report)

    def _ship_one(self, name: str, shippable: set[str], report: AccountReport) -> int:
        """Ship (and deduct) the first imported order whose tracking the seller may set."""
        from sqlmodel import col, select

        from hub.core.storage.models import Order
        from hub.core.sync.fulfilment import deduct, ship

        account_id = self.app.accounts.row(name).id
        with self.app.db.session() as s:
            order = s.exec(select(Order).where(Order.account_id == account_id,
                                               col(Order.platform_order_id).in_(shippable))
                           .order_by(col(Order.id))).first()
        if order is None:
            return 0
        ship(self.app, order.id or 0, carrier="Demo Express", tracking=f"DEMO{order.id:06d}",
             url=f"https://track.example/DEMO{order.id:06d}", invoice_number=f"INV-{order.id}",
             invoice_key=f"{order.id:044d}", invoice_date=datetime.now(UTC))
        deduct(self.app, order.id or 0)
        self.say(f"{name}: order {order.number or order.platform_order_id} shipped and deducted")
        return self._push(name, "tracking", report)

    def _webhook(self, platform: str, name: str, sandbox: Sandbox) -> str:
        ids = sorted(sandbox.eligible_order_ids())
        if not ids:
            return "-"
        topic = sandbox.order_topic
        url = f"{self.hub_url}/webhooks/{platform}/{name}"
        before = self._last_event_id()
        status = asyncio.run(sandbox.deliver_webhook(url, topic, ids[0]))
        outcome = self._wait_processed(before)
        self.say(f"{name}: sandbox delivered a signed '{topic}' webhook; hub answered {status}"
                 + (f", event {outcome}" if outcome else ""))
        return str(status)

    def _last_event_id(self) -> int:
        from sqlmodel import func, select

        from hub.core.storage.models import InboundEvent

        with self.app.db.session() as s:
            return s.exec(select(func.max(InboundEvent.id))).one() or 0

    def _wait_processed(self, after: int, timeout: float = 15.0) -> str | None:
        """Wait for the HTTP service's background processing of the event stored after ``after``."""
        import time

        from sqlmodel import col, select

        from hub.core.storage.models import InboundEvent

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.app.db.session() as s:
                event = s.exec(select(InboundEvent).where(col(InboundEvent.id) > after)).first()
            if event is None:
                return None  # ignored or duplicate: nothing was stored
            if event.status != "pending":
                return event.status
            time.sleep(0.05)
        return "still pending"


def render(result: DemoResult, say: Say) -> None:
    say("")
    header = f"{'account':<24} {'imported':>8} {'skipped':>8} {'quar.':>5} {'again':>5} " \
             f"{'stock':>5} {'price':>5} {'track':>5} {'failed':>6} {'webhook':>7}"
    say(header)
    say("-" * len(header))
    for a in result.accounts:
        say(f"{a.name:<24} {a.imported:>8} {sum(a.skipped.values()):>8} {a.quarantined:>5} "
            f"{a.reimported:>5} {a.pushes.get('stock', 0):>5} {a.pushes.get('price', 0):>5} "
            f"{a.pushes.get('tracking', 0):>5} {sum(len(f) for f in a.failed.values()):>6} "
            f"{a.webhook:>7}")
    for a in result.accounts:
        if a.skipped:
            reasons = "; ".join(f"{n} {r}" for r, n in sorted(a.skipped.items(), key=lambda x: -x[1]))
            say(f"  {a.name} skipped: {reasons}")
        for kind, items in a.failed.items():
            say(f"  {a.name} {kind} push failed {len(items)}: {'; '.join(items[:3])}")
        for error in a.errors:
            say(f"  {a.name} FAILED: {error}")
    say("")
    say(f"data: {result.data_dir} (database {result.database}); explore with:")
    say(f"  HUB_DATA_DIR={result.data_dir} hub orders list")
    say(f"  HUB_DATA_DIR={result.data_dir} hub runs list")


@contextlib.contextmanager
def demo(host: PluginHost, data_dir: Path, **kw: Any) -> Iterator[tuple[Demo, DemoResult]]:
    """Run the demo; sandboxes and the HTTP service stay up until the block exits."""
    with contextlib.ExitStack() as stack:
        runner = Demo(host, prepare_data_dir(data_dir), **kw)
        yield runner, runner.run(stack)
