"""Order import: stream pages from the platform, apply the rules, upsert exactly once.

Each page is one transaction: its orders, their customers and products, their
stock debit, their run items and (when the plugin vouches for one) the new
cursor are committed together. A killed or failed import therefore resumes from
the last committed page: nothing lost (the cursor never passed an uncommitted
order) and nothing duplicated (orders are keyed by account and platform id).

What only writing needs (the order's lines and events, stock, states, outbound events) is
imported where an order is written: a run that brings nothing new, the scheduler's
most common one, never loads those modules and their tables (issue 17).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam
from sqlmodel import Session, select

from hub.account import Account
from hub.core.connections import back_office_currency, terms_of
from hub.core.heap import settled_heap
from hub.core.storage.bulk import insert_rows, one_of, prepared
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Order as OrderRow
from hub.core.storage.models import ProductLink, SyncCursor
from hub.core.storage.statistics import GrowthAnalyzer
from hub.core.sync import runs
from hub.core.sync.catalog import CustomerMatcher, ProductMatcher
from hub.core.sync.parsing import parse_newest
from hub.core.sync.prefetch import aclose, chain
from hub.core.sync.rules import Eligibility, data_reason
from hub.core.sync.writebehind import WriteBehind
from hub.errors import ConfigError, HubError
from hub.lifecycle import OrderState
from hub.types import Order, OrderPage, OrderPeek, PlatformInfo
from hub.types import Product as CanonicalProduct

if TYPE_CHECKING:
    from hub.core.app import HubApp

log = logging.getLogger("hub.sync.orders")
FLOW = "orders"
Progress = Callable[[int, int | None], None]


def fingerprint(order: Order) -> str:
    """A digest of what the hub keeps of an order.

    The raw payload and the platform's modified time are left out, so a touch
    that changes nothing the hub keeps (a private note, a meta field) is not an
    update and adds nothing to the event feed. The buyer's tax document is left out too:
    it is the customer's (filled in once, never overwritten), and leaving it out keeps the
    digests of orders imported before the hub kept it, so an upgrade reports no update.
    """
    return hashlib.sha256(order.model_dump_json(exclude={
        "raw": True, "updated_at": True, "customer": {"document"}}).encode()).hexdigest()


def _payload_key(payload: dict[str, Any], keys: Iterable[str] = ("id",)) -> str:
    """The id a rejected payload is quarantined under: the first of the plugin's
    ``PlatformInfo.order_id_keys`` it carries."""
    for key in keys:
        if payload.get(key) not in (None, ""):
            return str(payload[key])
    return "?"


# the queries every page runs, built once (values bound by name when they run)
@prepared
def _held_keys() -> Any:
    return select(OrderRow.platform_order_id).where(OrderRow.account_id == bindparam("account_id"),
                                                    one_of(OrderRow.platform_order_id, "keys"))


@prepared
def _held_orders() -> Any:
    return select(OrderRow).where(OrderRow.account_id == bindparam("account_id"),
                                  one_of(OrderRow.platform_order_id, "keys"))


@prepared
def _held_order_ids() -> Any:
    return select(OrderRow.platform_order_id, OrderRow.id).where(
        OrderRow.account_id == bindparam("account_id"), one_of(OrderRow.platform_order_id, "keys"))


@prepared
def _linked_products() -> Any:
    return select(ProductLink.platform_product_id).where(
        ProductLink.account_id == bindparam("account_id"),
        one_of(ProductLink.platform_product_id, "ids"))


def _scalars(s: Session, statement: Any, params: dict[str, Any]) -> list[Any]:
    """The first column of ``statement``'s rows, run on the session's connection.

    For the per-page queries of plain columns: the session's ORM layer (an
    autoflush, an ORM compile state per execution) doubled their cost on SQLite,
    and they read nothing the page's own pending objects could change.
    """
    return list(s.connection().execute(statement, params).scalars())


@dataclass
class PageResult:
    counts: runs.RunCounts = field(default_factory=runs.RunCounts)
    committed: list[tuple[Order, bool]] = field(default_factory=list)  # (order, created)


@dataclass
class PreparedPage:
    """A page triaged, parsed and with its products' details: ready for its transaction."""

    run_id: int
    skipped: dict[str, str]  # order id -> reason, skipped unparsed (see OrderWriter.triage)
    orders: list[Order]
    bad: list[tuple[str, str, dict[str, Any]]]  # (key, reason, payload) quarantined
    details: dict[str, CanonicalProduct]
    checkpoint: datetime | None


class OrderWriter:
    """Writes pages of one account's order payloads through every rule."""

    def __init__(self, app: HubApp, row: AccountRow, account: Account, info: PlatformInfo) -> None:
        self.app = app
        self.row = row
        self.account = account
        self.info = info
        self.rules = Eligibility.for_account(account, info)
        self.currency = back_office_currency(app, account.core)
        self.currency_owner = ("the account's back-office" if account.core.back_office_currency
                               else "the hub's")
        self.terms = terms_of(account.core)  # recorded on each new order
        self.product_key = account.setting("product_key", "sku") or "sku"
        self.can_fetch_products = (app.host.implements("fetch_products", row.platform)
                                   and app.host.implements("map_product", row.platform))
        self.can_peek = app.host.implements("peek_order", row.platform)
        self.apply_on = account.core.apply_on or []

    def parse(self, payloads: Iterable[dict[str, Any]], result: PageResult,
              run_id: int | None) -> tuple[list[Order], list[tuple[str, str, dict[str, Any]]]]:
        return parse_newest(payloads, lambda p: self.app.host.parse_order(self.account, p), Order,
                            lambda o: o.platform_order_id,
                            lambda p: _payload_key(p, self.info.order_id_keys),
                            hook="parse_order", what="order")

    def triage(self, payloads: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Split a page with ``peek_order``: payloads to parse, and new orders skipped by status.

        An order is skipped unparsed only when the hub does not hold it and the
        status the plugin reads off the payload is one the rules exclude; the
        reason recorded is the one the parsed order would get.
        """
        if not self.can_peek:
            return payloads, {}
        peeks: list[tuple[dict[str, Any], OrderPeek | None]] = []
        for payload in payloads:
            try:
                peek = self.app.host.peek_order(self.account, payload)
            except Exception:  # a plugin bug must not lose the order: parse it instead
                log.exception("%s: peek_order failed; parsing the payload", self.account.label)
                peek = None
            peeks.append((payload, peek if isinstance(peek, OrderPeek) else None))
        ids = [peek.platform_order_id for _, peek in peeks if peek is not None]
        with self.app.db.session() as s:
            held = set(_scalars(s, _held_keys(), {"account_id": self.row.id or 0,
                                                   "keys": ids})) if ids else set()
        skipped: dict[str, str] = {}
        parse: list[dict[str, Any]] = []
        parsed_ids: set[str] = set()
        for payload, peek in peeks:
            reason = (self.rules.reason_for_status(peek.status)
                      if peek is not None and peek.platform_order_id not in held else None)
            if reason and peek is not None:
                skipped[peek.platform_order_id] = reason
            else:
                parse.append(payload)
                if peek is not None:
                    parsed_ids.add(peek.platform_order_id)
        for order_id in parsed_ids & set(skipped):  # a newer copy in the same page decides
            del skipped[order_id]
        return parse, skipped

    async def write(self, payloads: list[dict[str, Any]], *, run_id: int,
                    checkpoint: datetime | None = None) -> PageResult:
        result = self.store(await self.prepare(payloads, run_id, checkpoint))
        self.announce(result)
        return result

    async def prepare(self, payloads: list[dict[str, Any]], run_id: int,
                      checkpoint: datetime | None = None) -> PreparedPage:
        """Everything a page's transaction needs that is worked out before it opens.

        Reads what the pages written before it committed (held orders, linked
        products), so the previous page's :meth:`store` must have returned first.
        """
        payloads, skipped = self.triage(payloads)
        orders, bad = self.parse(payloads, PageResult(), run_id)
        details = await self._product_details(orders)
        return PreparedPage(run_id, skipped, orders, bad, details, checkpoint)

    def store(self, page: PreparedPage) -> PageResult:
        """Write a prepared page in one transaction (no plugin hook and no await inside, so
        the import may run it in a worker thread while the event loop reads the next pages)."""
        result = PageResult()
        run_id = page.run_id
        with self.app.db.session() as s:
            for reason in page.skipped.values():
                result.counts.add(runs.SKIPPED, reason)
            skipped: list[tuple[str, str, str | None]] = [
                (key, runs.SKIPPED, reason) for key, reason in page.skipped.items()]
            if skipped and (page.bad or not page.orders):  # before the quarantined, as ever
                runs.record_items(s, run_id, self.row.id or 0, skipped)
                skipped = []
            for key, reason, payload in page.bad:
                result.counts.add(runs.QUARANTINED)
                runs.record_item(s, run_id, self.row.id or 0, key, runs.QUARANTINED, reason,
                                 payload)
            if page.orders:  # the skipped in the same statement as the others, ahead of them
                self._write_orders(s, page.orders, page.details, result, run_id, skipped)
            if page.checkpoint is not None:
                advance_cursor(s, self.row.id or 0, FLOW, page.checkpoint)
        return result

    def announce(self, result: PageResult) -> None:
        """The plugins' ``order_imported`` hooks for a committed page (on the event loop)."""
        for order, created in result.committed:
            self.app.host.order_imported(self.account, order, created)

    async def _product_details(self, orders: list[Order]) -> dict[str, CanonicalProduct]:
        """Fetch platform details (category, description) of products this account never linked."""
        if not self.can_fetch_products:
            return {}
        pids = {line.platform_product_id for o in orders for line in o.lines
                if line.platform_product_id}
        if not pids:
            return {}
        with self.app.db.session() as s:
            linked = set(_scalars(s, _linked_products(), {"account_id": self.row.id,
                                                          "ids": list(pids)}))
        missing = sorted(pids - linked)
        details: dict[str, CanonicalProduct] = {}
        if not missing:
            return details
        try:
            async for batch in self.app.host.fetch_products(self.account, missing):
                for payload in batch:
                    product = self.app.host.map_product(self.account, payload)
                    details[product.platform_product_id] = product
        except HubError as exc:  # details are a nicety: the order still imports
            log.warning("%s: product details unavailable (%s); creating products from order lines",
                        self.account.label, exc)
        return details

    def _write_orders(self, s: Session, orders: list[Order], details: dict[str, CanonicalProduct],
                      result: PageResult, run_id: int,
                      items: list[tuple[str, str, str | None]] | None = None) -> None:
        """``items``: run items recorded ahead of the ones these orders give (one statement)."""
        account_id = self.row.id or 0
        existing = {o.platform_order_id: o for o in s.exec(_held_orders(), params={
            "account_id": account_id, "keys": [o.platform_order_id for o in orders]}).all()}
        products = ProductMatcher(s, account_id, self.product_key)
        lines = [line for o in orders for line in o.lines]
        products.preload(lines)
        if products.unresolved(lines):  # this page creates products in the shared catalogue
            products.lock_and_reload(lines)
        customers = CustomerMatcher(s, self.row.platform, self.info.customer_match == "platform_id")
        customers.preload([o.customer for o in orders if o.customer])
        items = items if items is not None else []  # (key, outcome, reason)
        new: list[tuple[Order, str]] = []
        with s.no_autoflush:
            for order in orders:
                row = existing.get(order.platform_order_id)
                if row is None:
                    reason = self.rules.status_reason(order) or data_reason(
                        order, currency=self.currency, contact_required=self.rules.contact_required,
                        currency_owner=self.currency_owner)
                    if reason:
                        result.counts.add(runs.SKIPPED, reason)
                        items.append((order.platform_order_id, runs.SKIPPED, reason))
                    else:
                        new.append((order, fingerprint(order)))
                    continue
                digest = fingerprint(order)
                if row.state == OrderState.RELEASED:
                    # handed back to the store on a disconnect: the hub no longer follows it
                    result.counts.add(runs.UNCHANGED)
                elif row.fingerprint == digest or order.updated_at < row.platform_updated_at:
                    # same content, or an older copy arriving late (a retried webhook,
                    # a slow page): the hub keeps the newest state it has seen
                    result.counts.add(runs.UNCHANGED)
                elif row.stock_deducted_at is not None:
                    # lines and totals stay as deducted; the status (the order's life) moves on
                    moved = row.status != order.status
                    if moved:
                        self._event(s, row, "updated", f"status {row.status} -> {order.status}")
                        row.status = order.status
                        row.platform_updated_at = order.updated_at
                        self._follow(s, row, order.status, result, items)
                    else:
                        self._event(s, row, "ignored", "changed on the platform after the stock "
                                    f"was deducted; not applied (status {order.status})")
                    row.fingerprint = digest
                    s.add(row)
                    if moved:
                        self._committed(s, result, items, order, created=False)
                    else:
                        result.counts.add(runs.UNCHANGED)
                else:
                    before = row.status
                    self._update(s, row, order, digest, products, details)
                    if order.status != before:  # the state follows status changes only
                        self._follow(s, row, order.status, result, items)
                    self._committed(s, result, items, order, created=False)
        if new:
            self._create_many(s, new, products, customers, details, result, items)
        runs.record_items(s, run_id, account_id, items)

    def _follow(self, s: Session, row: OrderRow, status: str, result: PageResult,
                items: list[tuple[str, str, str | None]]) -> None:
        """Move the order's canonical state with its platform status (see
        :func:`hub.core.sync.lifecycle.follow_platform`); an alert becomes a run item."""
        from hub.core.sync.lifecycle import ALERT, follow_platform  # the write path (see top)

        done = follow_platform(s, self.row, self.info, row, status, self.apply_on)
        if done.alert:
            result.counts.add(ALERT)
            items.append((row.platform_order_id, ALERT, f"order {row.id}: {done.alert}"))

    def _committed(self, s: Session, result: PageResult, items: list[tuple[str, str, str | None]],
                   order: Order, *, created: bool) -> None:
        from hub.core import outbound  # the write path (see top)

        outcome = runs.IMPORTED if created else runs.UPDATED
        result.counts.add(outcome)
        items.append((order.platform_order_id, outcome, None))
        result.committed.append((order, created))
        outbound.enqueue_order_event(s, self.row, order, created)  # same transaction as the order

    # --- create / update ---------------------------------------------------------
    def _create_many(self, s: Session, new: list[tuple[Order, str]], products: ProductMatcher,
                     customers: CustomerMatcher, details: dict[str, CanonicalProduct],
                     result: PageResult, items: list[tuple[str, str, str | None]]) -> None:
        """Insert a page's new orders with one statement per table (ids come back in order)."""
        from hub.core.connections import link_reimported, terms_rows  # the write path (see top)
        from hub.core.storage.connections import OrderTerms
        from hub.core.storage.models import OrderEvent, OrderLine
        from hub.core.sync.lifecycle import imported_state
        from hub.core.sync.stock import reserve_new, sales_warehouse_id

        customer_ids = customers.resolve_many([o.customer for o, _ in new])  # type: ignore[misc]
        product_ids = iter(products.resolve_many([
            (line, details.get(line.platform_product_id or "")) for o, _ in new for line in o.lines]))
        stamp = now()
        account_id = self.row.id or 0
        insert_rows(s, OrderRow, [
            {"account_id": account_id, "platform": self.row.platform,
             "platform_order_id": order.platform_order_id, "fingerprint": digest,
             "customer_id": customer_id, "imported_at": stamp, "updated_at": stamp,
             "state": imported_state(self.info, order.status).value,
             "stock_deducted_at": stamp if order.status in self.apply_on else None,
             **self._order_fields(order)}
            for (order, digest), customer_id in zip(new, customer_ids, strict=True)])
        stored: dict[str, int] = {key: order_id for key, order_id in s.connection().execute(
            _held_order_ids(), {"account_id": account_id,
                                "keys": [o.platform_order_id for o, _ in new]})}
        order_ids: list[int] = [stored[order.platform_order_id] or 0 for order, _ in new]
        insert_rows(s, OrderTerms, terms_rows(list(order_ids), self.terms))
        link_reimported(s, account_id, [(order.platform_order_id, order_id)
                                        for (order, _), order_id in zip(new, order_ids, strict=True)])
        lines: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        wanted: dict[int, dict[int, Decimal]] = {}
        for (order, _), order_id in zip(new, order_ids, strict=True):
            per_product = wanted.setdefault(order_id, {})
            for line in order.lines:
                product_id = next(product_ids)
                per_product[product_id] = per_product.get(product_id, Decimal(0)) + line.quantity
                lines.append(self._line_row(order_id, product_id, line))
            events.append({"order_id": order_id, "at": stamp, "kind": "created",
                           "source": "platform",
                           "message": f"imported from {self.info.display_name} store "
                                      f"'{self.row.name}' with status {order.status} "
                                      f"({imported_state(self.info, order.status)})"})
            if order.status in self.apply_on:
                events.append({"order_id": order_id, "at": stamp, "kind": "deducted",
                               "source": "platform",
                               "message": f"the sale was finalised on {self.info.display_name} "
                                          f"(status '{order.status}'): stock deducted; platform "
                                          "changes are no longer applied"})
            if order.delivery:
                events.append({"order_id": order_id, "at": stamp, "kind": "delivery",
                               "source": "platform", "message": order.delivery.describe()})
            self._committed(s, result, items, order, created=True)
        insert_rows(s, OrderLine, lines)
        insert_rows(s, OrderEvent, events)
        reserve_new(s, sales_warehouse_id(s, self.row), wanted)

    def _update(self, s: Session, row: OrderRow, order: Order, digest: str,
                products: ProductMatcher, details: dict[str, CanonicalProduct]) -> None:
        from hub.core.storage.models import OrderLine  # the write path (see top)
        from hub.core.sync.stock import reserve, sales_warehouse_id

        changes = []
        if row.status != order.status:
            changes.append(f"status {row.status} -> {order.status}")
        old_lines = {(ln.sku or ln.name): ln.quantity for ln in s.exec(
            select(OrderLine).where(OrderLine.order_id == row.id)).all()}
        new_lines = {(ln.sku or ln.name): ln.quantity for ln in order.lines}
        for key in sorted(set(old_lines) | set(new_lines)):
            before, after = old_lines.get(key, Decimal(0)), new_lines.get(key, Decimal(0))
            if before != after:
                changes.append(f"{key} quantity {before:g} -> {after:g}")
        if row.total != order.total.amount:
            changes.append(f"total {row.total} -> {order.total.amount}")
        old_delivery = row.delivery
        for key, value in self._order_fields(order).items():
            setattr(row, key, value)
        row.fingerprint = digest
        row.updated_at = now()
        s.add(row)
        for line in s.exec(select(OrderLine).where(OrderLine.order_id == row.id)).all():
            s.delete(line)
        wanted = self._write_lines(s, row, order, products, details)
        if self.rules.is_excluded(order.status):
            wanted = {}  # cancelled, refunded...: give the stock back
        self._event(s, row, "updated", "; ".join(changes) or "details changed on the platform")
        if row.delivery and row.delivery != old_delivery:
            self._event(s, row, "delivery", row.delivery)
        reserve(s, row.id or 0, sales_warehouse_id(s, self.row), wanted)

    def _order_fields(self, order: Order) -> dict[str, Any]:
        def amount(m: Any) -> Decimal | None:
            return m.amount if m is not None else None

        return {
            "number": order.number, "status": order.status,
            "platform_created_at": order.created_at, "platform_updated_at": order.updated_at,
            "currency": order.currency.upper(), "subtotal": amount(order.subtotal),
            "shipping_total": amount(order.shipping_total),
            "discount_total": amount(order.discount_total), "tax_total": amount(order.tax_total),
            "total": order.total.amount,
            "billing_address": order.billing_address.model_dump(exclude_none=True)
            if order.billing_address else None,
            "shipping_address": order.shipping_address.model_dump(exclude_none=True)
            if order.shipping_address else None,
            "delivery": order.delivery.describe() if order.delivery else None,
            "flags": order.flags or (order.customer.flags if order.customer else None) or None,
            "raw": order.raw or None,
        }

    def _write_lines(self, s: Session, row: OrderRow, order: Order, products: ProductMatcher,
                     details: dict[str, CanonicalProduct]) -> dict[int, Decimal]:
        from hub.core.storage.models import OrderLine  # the write path (see top)

        wanted: dict[int, Decimal] = {}
        ids = products.resolve_many([(line, details.get(line.platform_product_id or ""))
                                     for line in order.lines])
        for line, product_id in zip(order.lines, ids, strict=True):
            wanted[product_id] = wanted.get(product_id, Decimal(0)) + line.quantity
        insert_rows(s, OrderLine, [self._line_row(row.id or 0, product_id, line)
                                      for line, product_id in zip(order.lines, ids, strict=True)])
        return wanted

    @staticmethod
    def _line_row(order_id: int, product_id: int, line: Any) -> dict[str, Any]:
        return {"order_id": order_id, "product_id": product_id,
                "platform_line_id": line.platform_line_id, "sku": line.sku, "name": line.name,
                "quantity": line.quantity, "unit_price": line.unit_price.amount,
                "total": line.total.amount if line.total else None,
                "tax": line.tax.amount if line.tax else None}

    @staticmethod
    def _event(s: Session, row: OrderRow, kind: str, message: str) -> None:
        from hub.core.storage.models import OrderEvent  # the write path (see top)

        s.add(OrderEvent(order_id=row.id or 0, kind=kind, message=message, source="platform"))


def get_cursor(session: Session, account_id: int, flow: str) -> datetime | None:
    row = session.get(SyncCursor, (account_id, flow))
    return row.position if row else None


def advance_cursor(session: Session, account_id: int, flow: str, position: datetime) -> None:
    """Move the cursor forward (never back) inside the caller's transaction."""
    row = session.get(SyncCursor, (account_id, flow))
    if row is None:
        session.add(SyncCursor(account_id=account_id, flow=flow, position=position))
    elif position > row.position:
        row.position = position
        row.updated_at = now()
        session.add(row)


@dataclass
class ImportResult:
    run_id: int
    counts: runs.RunCounts
    status: str
    error: str | None = None


def import_windows(start: datetime, end: datetime, slice_days: int
                   ) -> list[tuple[datetime, datetime | None]]:
    """Split a backfill (or a resume from an old cursor) into slices of ``slice_days``.

    The cursor is committed at the end of each finished slice, so a killed
    import resumes from its last finished slice even when the plugin's
    listing checkpoints only at its end.
    """
    if slice_days <= 0 or end - start <= timedelta(days=slice_days):
        return [(start, None)]
    windows: list[tuple[datetime, datetime | None]] = []
    cursor = start
    while end - cursor > timedelta(days=slice_days):
        windows.append((cursor, cursor + timedelta(days=slice_days)))
        cursor += timedelta(days=slice_days)
    windows.append((cursor, None))
    return windows


def _window_source(app: HubApp, account: Account, lower: datetime, upper: datetime | None
                   ) -> Callable[[], AsyncIterator[OrderPage]]:
    async def pages() -> AsyncIterator[OrderPage]:
        source = app.host.fetch_orders(account, lower, upper)
        try:
            async for page in source:
                if not isinstance(page, OrderPage):
                    raise HubError(f"fetch_orders yielded {type(page).__name__}, not hub.OrderPage")
                yield page
        finally:
            await aclose(source)

    return pages


async def import_orders(app: HubApp, name: str, *, since: datetime | None = None,
                        full: bool = False, trigger: str = "manual",
                        progress: Progress | None = None,
                        stop: asyncio.Event | None = None) -> ImportResult:
    """Import one account's orders: backfill on first run, then incremental from the cursor."""
    row = app.accounts.row(name)
    check_flow(row, FLOW)
    account = app.accounts.open(row)
    info = app.host.info(row.platform)
    writer = OrderWriter(app, row, account, info)
    async with app.accounts.lease(f"run:{FLOW}:{row.id}", ttl=120, wait=0), settled_heap():
        run_id, cursor = await runs.begin_reading(app.db, row.id or 0, FLOW, trigger,
                                                  lambda s: get_cursor(s, row.id or 0, FLOW))
        counts = runs.RunCounts()
        error: str | None = None
        interrupted = False
        started = now()
        slice_days = account.core.backfill_slice_days
        windows: list[tuple[datetime, datetime | None]]
        if since is not None:
            windows = [(since, None)]
        elif cursor is None or full:
            begin = started - timedelta(days=account.core.backfill_days)
            windows = import_windows(begin, started, slice_days)
        else:  # a resumed import far behind is sliced like a backfill: a cursor per slice
            overlap = timedelta(minutes=account.core.overlap_minutes)
            windows = import_windows(cursor - overlap, started, slice_days)
        done = 0
        statistics = GrowthAnalyzer(app.db)  # the planner sees the tables this import grows
        totals: set[int] = set()
        # PostgreSQL: the page's transaction in a worker thread, the hub's own work overlapping
        # the server's (SQLite's work is the hub's process's: a thread only adds GIL handoffs)
        writing = WriteBehind[PageResult](
            threaded=info.read_ahead > 0 and app.db.dialect == "postgresql")
        read: list[int] = []  # payloads of the page being written

        async def settle() -> bool:
            """Wait for the page being written; count it. True when it was told to stop."""
            nonlocal done
            result = await writing.result()
            if result is None:
                return False
            writer.announce(result)
            counts.counts.update(result.counts.counts)
            counts.skipped.update(result.counts.skipped)
            done += read.pop()
            statistics.grew(done)
            if progress:
                progress(done, counts.available)
            return stop is not None and stop.is_set()

        try:
            sources = [_window_source(app, account, lower, upper) for lower, upper in windows]
            async with contextlib.aclosing(chain(sources, ahead=info.read_ahead)) as pages:
                async for index, page in pages:
                    # the page before is committed before this one reads the database (held
                    # orders, linked products) and before a slice's cursor moves past it
                    if await settle():
                        interrupted = True
                        break
                    upper = windows[index][1]
                    if page is None:  # a finished backfill slice: resume after it next time
                        if upper is not None:
                            with app.db.session() as s:
                                advance_cursor(s, row.id or 0, FLOW, upper)
                        continue
                    if page.total is not None and index not in totals:
                        totals.add(index)  # each backfill slice reports its own total
                        counts.available = (counts.available or 0) + page.total
                    checkpoint = page.checkpoint
                    if checkpoint is not None and upper is not None and checkpoint > upper:
                        checkpoint = upper  # a slice vouches for nothing after its end
                    prepared = await writer.prepare(page.payloads, run_id, checkpoint)
                    read.append(len(page.payloads))
                    writing.start(writer.store, prepared)
                    if not info.read_ahead and await settle():  # nothing read before the commit
                        interrupted = True
                        break
                if await settle():
                    interrupted = True
        except HubError as exc:
            error = str(exc)
            try:  # a page still being written is committed (and counted) or failed first
                await settle()
            except HubError as failed:
                error = str(failed)
        finally:
            await writing.drain()
        run = await runs.end(app.db, run_id, counts, error, interrupted)
        if error:
            app.host.sync_failed(account, FLOW, run_id, error)
        return ImportResult(run_id=run_id, counts=counts, status=run.status, error=error)


async def import_payload(app: HubApp, name: str, payload: dict[str, Any],
                         trigger: str = "payload") -> ImportResult:
    """Import one platform payload (API object or webhook body) through the same pipeline."""
    row = app.accounts.row(name)
    account = app.accounts.open(row)
    writer = OrderWriter(app, row, account, app.host.info(row.platform))
    run_id = await runs.begin(app.db, row.id or 0, FLOW, trigger)
    result = await writer.write([payload], run_id=run_id)
    run = await runs.end(app.db, run_id, result.counts)
    return ImportResult(run_id=run_id, counts=result.counts, status=run.status)


def check_flow(row: AccountRow, flow: str) -> None:
    if not row.enabled:
        raise ConfigError(f"account '{row.name}' is disabled",
                          hint=f"run: hub accounts enable {row.name}")
    if row.paused_reason:
        raise ConfigError(f"account '{row.name}' is paused: {row.paused_reason}")
    if not getattr(row, f"flow_{flow}"):
        raise ConfigError(f"the {flow} flow is off for account '{row.name}'",
                          hint=f"run: hub accounts flows {row.name} --{flow.replace('_', '-')} on")
