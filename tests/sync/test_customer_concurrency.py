"""Two imports matching the same new buyer at the same time create one customer and one link.

Each import writes a page in its own transaction on its own connection: both read the
customers before either writes (a barrier after each one's first query of them makes the
race certain), then both resolve the buyers. Before issue 17 both created the customer (a duplicate), and on
platforms matched by buyer id the second insert of the link failed with a unique
violation. Now a page that creates customers holds the customers' write lock and
matches again, links are inserted with ``ON CONFLICT ... RETURNING``, and the one
"Unspecified" customer has a partial unique index (migration ``0014_customer_unique``,
which merges the duplicates an older hub may have left). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from hub.core.app import HubApp
from hub.core.config import Config
from hub.core.storage.db import HEAD, Database
from hub.core.storage.models import Customer, CustomerLink
from hub.core.sync.catalog import CustomerMatcher
from hub.core.sync.orders import ImportResult, import_orders
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from hub.types import Customer as Buyer

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
BUYERS: dict[str, Callable[[int], list[Buyer]]] = {
    # matched by e-mail or phone (WooCommerce, Shopify...); the page's second order shares it
    "contact": lambda n: [Buyer(first_name="Ana", email="Ana@Example.com", phone="+1 555 0100"),
                          Buyer(first_name="Ana", email="ana@example.com")],
    # matched by the platform's buyer id (Mercado Libre: no contact data)
    "platform_id": lambda n: [Buyer(platform_id="buyer-7", first_name="Ana"),
                              Buyer(platform_id="buyer-7", first_name="Ana")],
    "unspecified": lambda n: [Buyer(unspecified=True), Buyer(unspecified=True)],
}


def _race(db: Database, mode: str, writers: int = 2) -> list[list[int]]:
    """``writers`` threads, each a page on its own session; every page has read the
    customers (its first query of them) before any goes on to write."""
    barrier = threading.Barrier(writers, timeout=30)
    read = threading.local()
    results: list[list[int]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []

    def after_read(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM customer" in statement \
                and not getattr(read, "done", False):
            read.done = True
            barrier.wait()  # every page matched, none has written

    def page(index: int) -> None:
        try:
            with db.session() as s:
                matcher = CustomerMatcher(s, "shop", by_platform_id=mode == "platform_id")
                buyers = BUYERS[mode](index)
                matcher.preload(buyers)
                results[index] = matcher.resolve_many(buyers)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
            barrier.abort()

    event.listen(db.engine, "after_cursor_execute", after_read)
    try:
        threads = [threading.Thread(target=page, args=(i,)) for i in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(db.engine, "after_cursor_execute", after_read)
    assert not errors, f"a concurrent import failed: {errors[0]!r}"
    return results


@pytest.mark.parametrize("mode", sorted(BUYERS))
def test_concurrent_imports_of_one_new_buyer_create_one_customer(db_url: str, mode: str) -> None:
    db = Database(db_url)
    db.ensure_schema()
    results = _race(db, mode)
    with Session(db.engine) as s:
        customers = s.exec(select(Customer)).all()
        links = s.exec(select(CustomerLink)).all()
    assert len(customers) == 1, f"{len(customers)} customers for one buyer"
    ids = {customer_id for result in results for customer_id in result}
    assert ids == {customers[0].id}, "the two imports resolved the buyer differently"
    if mode == "contact":
        assert (customers[0].email, customers[0].phone) == ("ana@example.com", "15550100")
    if mode == "platform_id":
        assert [(link.platform_customer_id, link.customer_id) for link in links] == \
            [("buyer-7", customers[0].id)]
    else:
        assert links == []
    if mode == "unspecified":
        assert customers[0].unspecified and customers[0].first_name == "Unspecified"
    # a later page finds what the race left, and creates nothing
    assert _race(db, mode, writers=1) == [[customers[0].id] * 2]
    with Session(db.engine) as s:
        assert s.exec(select(func.count()).select_from(Customer)).one() == 1
    db.dispose()


def test_the_migration_merges_duplicate_unspecified_customers(db_url: str) -> None:
    """Rows an older hub's race left: the oldest "Unspecified" customer keeps every reference."""
    db = Database(db_url)
    db.upgrade("0013_console_sessions")
    with db.engine.begin() as conn:
        for name, unspecified in (("Unspecified", True), ("Ana", False), ("Unspecified", True),
                                  ("Unspecified", True)):
            conn.execute(text("INSERT INTO customer (first_name, unspecified, created_at) "
                              "VALUES (:name, :unspecified, CURRENT_TIMESTAMP)"),
                         {"name": name, "unspecified": unspecified})
        ids = conn.execute(text("SELECT id FROM customer ORDER BY id")).scalars().all()
        conn.execute(text("INSERT INTO customer_link (platform, platform_customer_id, customer_id) "
                          "VALUES ('shop', 'a', :c), ('shop', 'b', :d), ('shop', 'c', :e)"),
                     {"c": ids[1], "d": ids[2], "e": ids[3]})
    db.ensure_schema()
    assert db.revision() == HEAD
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id, first_name FROM customer ORDER BY id")).all() == \
            [(ids[0], "Unspecified"), (ids[1], "Ana")]
        assert conn.execute(text("SELECT platform_customer_id, customer_id FROM customer_link "
                                 "ORDER BY platform_customer_id")).all() == \
            [("a", ids[1]), ("b", ids[0]), ("c", ids[0])]
    with pytest.raises(IntegrityError), db.engine.begin() as conn:  # the index holds from now on
        conn.execute(text("INSERT INTO customer (first_name, unspecified, created_at) "
                          "VALUES ('Unspecified', :t, CURRENT_TIMESTAMP)"), {"t": True})
    db.dispose()


@pytest.mark.parametrize("platform", ["woocommerce", "mercadolibre"])
def test_two_accounts_importing_one_store_at_once_share_each_customer(
        db_url: str, platform: str, tmp_path: Path) -> None:
    """Two accounts of one store (the same buyers), imported at the same time by two hubs
    (threads, each its own app and connections) on one database: no failure, each buyer
    id linked once, and no buyer's customer twice. (Which contact a customer gains by a
    fill-in depends on the order buyers come in, so the rows themselves may differ a
    little from a lone import's.)"""
    options = SandboxOptions(orders=240, seed=3, now=NOW)
    with SandboxHarness(platform, tmp_path / "alone", options) as alone:
        assert alone.import_orders(since=SINCE).error is None
        want = _people(alone.app.db)
    with SandboxHarness(platform, tmp_path / "two", options, database_url=db_url) as h:
        h.add_account("second")
        other = HubApp(Config(data_dir=tmp_path / "two" / "hub-data", database_url=db_url),
                       host=h.host)
        errors: list[BaseException] = []
        results: list[ImportResult] = []

        def run(app: HubApp, name: str) -> None:
            async def main() -> ImportResult:
                try:
                    return await import_orders(app, name, since=SINCE)
                finally:
                    await app.accounts.aclose()
            try:
                results.append(asyncio.run(main()))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(h.app, h.account)),
                   threading.Thread(target=run, args=(other, "second"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        other.close()
        assert not errors, f"an import failed: {errors[0]!r}"
        assert [r.error for r in results] == [None, None]
        assert results[0].counts.counts["imported"] == results[1].counts.counts["imported"] > 0
        got = _people(h.app.db)
    customers, links = got
    assert links == want[1], "each buyer id linked once, as by a lone import"
    # what a lone import guarantees whatever the order pages come in: a phone is never
    # given to a second customer, and a customer without a phone is matched by its
    # e-mail, so two of them never share one (a duplicated buyer breaks one of these)
    phones = [phone for _, _, _, phone, _ in customers if phone]
    assert len(phones) == len(set(phones)), "two customers with one phone"
    emails = [email for _, _, email, phone, _ in customers if email and not phone]
    assert len(emails) == len(set(emails)), "two customers without a phone with one e-mail"
    assert abs(len(customers) - len(want[0])) <= len(want[0]) // 10  # the same people, about


def _people(db: Database) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The customers (contact columns, sorted) and the linked buyer ids."""
    with db.engine.connect() as conn:
        customers = sorted((tuple(row) for row in conn.execute(text(
            "SELECT first_name, last_name, email, phone, unspecified FROM customer"))), key=repr)
        links = sorted(conn.execute(text("SELECT platform_customer_id FROM customer_link")).scalars())
    return customers, links
