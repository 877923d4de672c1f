"""``hub demo``: the whole cycle against the local sandbox of every installed plugin.

For each platform it starts the plugin's sandbox on 127.0.0.1 (two stores for
the first platform, to show several accounts of one platform whose ids
collide), connects accounts, backfills orders with their skip reasons, sets and
pushes stock, pushes a promotional price, invoices one order with an NF-e, ships it
with tracking, marks it delivered and cancels another on the platform (the status
flow) with the admin's restock confirmation, imports again (nothing new), and has
the sandbox deliver a signed webhook to the hub's HTTP service. Everything lives
in its own data directory.
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

        carriers = {p for p in installed if Capability.CARRIER in host.info(p).capabilities}
        self.carriers = sorted(carriers)
        self.platforms = sorted(set(installed) - carriers, key=order)
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
        for carrier in self.carriers:
            reports.append(self._carrier(carrier, stack))
        from hub.core.demo_catalogue import publish_demo_product

        publish_demo_product(self, reports)
        return DemoResult(self.data_dir, str(self.data_dir / "hub.db"), reports)

    def _carrier(self, platform: str, stack: contextlib.ExitStack) -> AccountReport:
        """A carrier account tracks one order shipped with it, to delivered."""
        from sqlmodel import col, select

        from hub.core.authorize import authorize_account
        from hub.core.storage.models import Order
        from hub.core.sync.fulfilment import ship
        from hub.core.sync.tracking_in import poll_tracking

        name = f"{platform}-carrier"
        report = AccountReport(name=name, platform=platform)
        try:
            sandbox = self.host.create_sandbox(platform, SandboxOptions(seed=1))
            url = stack.enter_context(sandbox.serve())
            self.say(f"{platform} sandbox (carrier) for '{name}' on {url}")
            self.app.accounts.add(platform, name, sandbox.account_settings(url))
            self._run(authorize_account(self.app, name, opener=_browser))
            self.app.accounts.set_flags(name, flow_tracking_in=True)
            code = getattr(sandbox, "demo_delivered_code", None)
            carrier = self.host.info(platform).carrier
            with self.app.db.session() as s:
                order = s.exec(select(Order).where(col(Order.state) == "ready")
                               .order_by(col(Order.id).desc())).first()
            if order is None or not code or carrier is None:
                self.say(f"{name}: no open order or scripted parcel to track")
                return report
            ship(self.app, order.id or 0, carrier=carrier.names[0], tracking=code)
            done = self._run(poll_tracking(self.app, name))
            if done.error:
                report.errors.append(done.error)
            report.pushes["tracking"] = int(done.counts.counts["new_events"])
            with self.app.db.session() as s:
                state = s.get(Order, order.id).state  # type: ignore[union-attr]
            self.say(f"{name}: tracked {code} for order {order.number or order.platform_order_id}"
                     f" (run {done.run_id} {done.status}); the order is now {state}")
        except Exception as exc:
            from hub.core.http.redact import redact

            report.errors.append(redact(f"{type(exc).__name__}: {exc}"))
            self.say(f"{name}: failed: {report.errors[-1]}")
        return report

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
            if info.writes_states and self.host.implements("push_order_state", platform):
                report.pushes["status"] = self._lifecycle(name, report)
            again = self._run(import_orders(self.app, name))
            report.reimported = again.counts.counts["imported"]
            self.say(f"{name}: second import {again.counts.summary()}")
            if Capability.WEBHOOKS in info.capabilities:
                report.webhook = self._webhook(platform, name, sandbox)
            if Capability.TICKETS in info.capabilities:
                self._tickets(name)
            if name.endswith("-outlet"):  # last: it disconnects the store
                report.imported += self._connections(name)
        except Exception as exc:  # the demo reports every account, even a failing one
            from hub.core.http.redact import redact

            report.errors.append(redact(f"{type(exc).__name__}: {exc}"))
            self.say(f"{name}: failed: {report.errors[-1]}")
        return report

    def _connections(self, name: str) -> int:
        """Seeds 000 and 004 on one store: re-import an order by giving the hub's copy a new
        reference, then disconnect the store (its open orders go back to it). :return: the
        orders the re-import created (1)."""
        from sqlmodel import col, select

        from hub.core.connections import change_reference, disconnect
        from hub.core.storage.models import Order
        from hub.core.sync.orders import import_payload

        account_id = self.app.accounts.row(name).id
        with self.app.db.session() as s:
            order = s.exec(select(Order).where(Order.account_id == account_id)
                           .order_by(col(Order.id).desc())).first()
        if order is None:
            return 0
        _, key = change_reference(self.app, order.id or 0, f"DEMO-{order.id}")

        async def reimport() -> int:
            account = self.app.accounts.open_named(name)
            payload = await self.host.fetch_order(account, key)
            if payload is None:
                return 0
            result = await import_payload(self.app, name, payload)
            return int(result.counts.counts["imported"])

        created = int(self._run(reimport()))
        self.say(f"{name}: order {order.id} kept as reference DEMO-{order.id}; platform order "
                 f"{key} imported again as a new order ({created})")
        done = self._run(disconnect(self.app, name))
        self.say(f"{name}: disconnected: " + done.summary(name).split(": ", 1)[1])
        return created

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
        number = self._invoice_one(order)
        ship(self.app, order.id or 0, carrier="Demo Express", tracking=f"DEMO{order.id:06d}",
             url=f"https://track.example/DEMO{order.id:06d}")  # carries the order's invoice
        deduct(self.app, order.id or 0)
        self.say(f"{name}: order {order.number or order.platform_order_id} invoiced (NF-e "
                 f"{number}), shipped and deducted")
        return self._push(name, "tracking", report)

    def _lifecycle(self, name: str, report: AccountReport) -> int:
        """The status flow: the shipped order delivered, an open one cancelled on the platform
        after its stock was deducted, and the admin's restock confirmation."""
        from sqlmodel import col, select

        from hub.core.storage.models import Order
        from hub.core.sync.fulfilment import deduct
        from hub.core.sync.lifecycle import TransitionRefused, request_state, restock
        from hub.lifecycle import OrderState

        self.app.accounts.set_flags(name, flow_status=True)
        account_id = self.app.accounts.row(name).id
        with self.app.db.session() as s:
            orders = list(s.exec(select(Order).where(Order.account_id == account_id)
                                 .order_by(col(Order.id))))
        shipped = next((o for o in orders if o.state == OrderState.SHIPPED), None)
        if shipped is not None:
            try:
                done = request_state(self.app, shipped.id or 0, OrderState.DELIVERED,
                                     source="cli", reason="the carrier confirmed delivery")
                self.say(f"{name}: order {shipped.number or shipped.platform_order_id} "
                         f"{done.previous} -> {done.state}; {done.note}")
            except TransitionRefused as exc:
                self.say(f"{name}: delivered not sent: {exc.message}")
        victim = next((o for o in orders if o.state == OrderState.READY
                       and o.stock_deducted_at is None), None)
        if victim is not None:
            label = victim.number or victim.platform_order_id
            deduct(self.app, victim.id or 0)
            try:
                done = request_state(self.app, victim.id or 0, OrderState.CANCELLED,
                                     source="cli", reason="the buyer asked (demo)")
            except TransitionRefused as exc:
                self.say(f"{name}: cancel not sent: {exc.message}; recorded in the hub only")
                done = request_state(self.app, victim.id or 0, OrderState.CANCELLED,
                                     source="cli", reason="the buyer asked (demo)", local=True)
            self.say(f"{name}: order {label} (stock deducted) {done.previous} -> {done.state}; "
                     f"{done.note}")
        pushed = self._push(name, "status", report)
        if victim is not None:
            try:
                units = restock(self.app, victim.id or 0).units
                self.say(f"{name}: order {label}: restock confirmed by the admin "
                         f"(hub orders restock {victim.id}): {units} unit(s) back in stock")
            except TransitionRefused as exc:
                self.say(f"{name}: order {label}: {exc.message}")
        return pushed

    def _invoice_one(self, order: Any) -> str:
        """Record an authorised NF-e for ``order`` (built from its lines) before it ships."""
        from decimal import Decimal

        from sqlmodel import select

        from hub.core.storage.models import OrderLine
        from hub.core.sync import invoicing
        from hub.testing.nfe import build_nfe

        with self.app.db.session() as s:
            lines = list(s.exec(select(OrderLine).where(OrderLine.order_id == order.id)))
        products = sum((ln.quantity * ln.unit_price for ln in lines), Decimal(0))
        items: list[tuple[str, str, Decimal | int, Decimal | str]] = [
            (ln.sku or "", ln.name, ln.quantity, ln.unit_price) for ln in lines]
        if not lines or products > order.total or not all(ln.sku for ln in lines):
            items, products = [(f"PEDIDO-{order.id}", "Pedido", 1, order.total)], order.total
        xml = build_nfe(int(order.id or 0), items, issued_at=datetime.now(UTC),
                        shipping=order.total - products)
        done = invoicing.record_invoice(self.app, order.id or 0,
                                        invoicing.InvoiceInput.from_xml(xml))
        return done.invoice.number
    def _tickets(self, name: str) -> None:
        """Switch the tickets flow on, download the buyers' tickets, answer one of each kind
        the sandbox opened (a question, a post-sale message) and show it confirmed."""
        from hub.core.sync.tickets import import_tickets, list_tickets, reply, show_ticket

        self.app.accounts.set_flags(name, flow_tickets=True)
        result = self._run(import_tickets(self.app, name))
        self.say(f"{name}: tickets {result.counts.summary()}")
        answers = {"question": "Yes, it is in stock and ships today.",
                   "message": "Thanks for writing: your parcel ships today."}
        for ticket in list_tickets(self.app, account=name, status="open"):
            text = answers.pop(str(ticket["kind"]), None)
            if text is None or not ticket["can_reply"]:
                continue
            asked = next((m["text"] for m in reversed(show_ticket(self.app, str(ticket["id"]))["messages"])
                          if m["author"] == "buyer"), "")
            sent = self._run(reply(self.app, str(ticket["id"]), text, source="demo"))
            self.say(f"{name}: buyer {ticket['kind']} \"{asked}\" -> answered \"{text}\" "
                     f"({sent.status}{', confirmed on the platform' if sent.status == 'sent' else ''})")

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
