"""Two imports matching the same new buyer at the same time create one customer and one link.

Each import writes a page in its own transaction on its own connection: both match
the page's buyers before either has written (a barrier makes the race certain), then
both resolve them. Before issue 17 both created the customer (a duplicate), and on
platforms matched by buyer id the second insert of the link failed with a unique
violation. Now a page that creates customers holds the customers' write lock and
matches again, links are inserted with ``ON CONFLICT ... RETURNING``, and the one
"Unspecified" customer has a partial unique index (migration ``0014_customer_unique``,
which merges the duplicates an older hub may have left). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from hub.core.storage.db import HEAD, Database
from hub.core.storage.models import Customer, CustomerLink
from hub.core.sync.catalog import CustomerMatcher
from hub.types import Customer as Buyer

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
    """``writers`` threads, each a page on its own session, all matched before any resolves."""
    barrier = threading.Barrier(writers, timeout=30)
    results: list[list[int]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []

    def page(index: int) -> None:
        try:
            with db.session() as s:
                matcher = CustomerMatcher(s, "shop", by_platform_id=mode == "platform_id")
                buyers = BUYERS[mode](index)
                matcher.preload(buyers)
                barrier.wait()  # every page matched, none has written
                results[index] = matcher.resolve_many(buyers)
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=page, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
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
    assert db.revision() == HEAD == "0014_customer_unique"
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
