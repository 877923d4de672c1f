"""On PostgreSQL, the queries an import sends for each page use indexes, never a sequential scan.

A sequential scan per page makes an import quadratic (issue 17: matching customers
with ``email IN (...) OR phone IN (<empty>)`` read the whole customer table on every
page). Every SELECT, UPDATE and DELETE sent while a page is written is captured and
planned again with ``EXPLAIN`` after the growing tables are padded to tens of
thousands of rows and analysed: no sequential scan of them, as the planner would
choose in production; and under ``enable_seqscan = off`` none of any table (the
planner then scans a table only when no index can answer the query). Statements
without a WHERE clause (``SELECT id FROM warehouse LIMIT 2``) read a fixed handful
of rows and are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from hub.core.storage.statistics import IMPORT_TABLES, GrowthAnalyzer
from hub.core.sync.catalog import _unspecified_customer
from hub.core.sync.orders import OrderWriter
from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness
from tests.conftest import postgres_url

pytestmark = pytest.mark.postgres

# Tables that grow with every import, padded to realistic sizes (then ANALYZEd) so the
# planner makes the choice it would make in production: a scan of these is a bug.
GROWING = {"hub_order", "customer", "customer_link", "product", "product_link"}
PADDING = [
    "INSERT INTO customer (first_name, email, phone, unspecified, created_at) "
    "SELECT 'Pad', 'pad' || g || '@example.com', (5550000000 + g)::text, false, now() "
    "FROM generate_series(1, 30000) g",
    # buyers matched by the platform's buyer id (Mercado Libre), and those of another platform
    "INSERT INTO customer_link (platform, platform_customer_id, customer_id) "
    "SELECT p, 'pad-' || id, id FROM customer, (VALUES ('{platform}'), ('other')) AS v(p) "
    "WHERE first_name = 'Pad'",
    "INSERT INTO hub_order (account_id, platform, platform_order_id, status, platform_created_at, "
    "platform_updated_at, currency, total, fingerprint, imported_at, updated_at) "
    "SELECT {account}, '{platform}', 'pad-' || g, 'processing', now(), now(), 'USD', '1', 'x', "
    "now(), now() FROM generate_series(1, 30000) g",
    "INSERT INTO product (sku, name, unit, created_at, stock_managed) "
    "SELECT 'PAD-' || g, 'Pad', 'piece', now(), false FROM generate_series(1, 30000) g",
    "INSERT INTO product_link (account_id, product_id, platform_product_id, platform_variant_id) "
    "SELECT {account}, (SELECT min(id) FROM product), 'pad-' || g, '' "
    "FROM generate_series(1, 30000) g",
]


def seq_scans(plan: Any) -> Iterator[str]:
    """The relations a plan (``EXPLAIN (FORMAT JSON)``) reads with a sequential scan."""
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan":
            yield plan.get("Relation Name", "?")
        for value in plan.values():
            yield from seq_scans(value)
    elif isinstance(plan, list):
        for value in plan:
            yield from seq_scans(value)


@pytest.mark.parametrize("platform", ["woocommerce", "mercadolibre"])
def test_every_per_page_query_of_an_import_uses_an_index(platform: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    url = postgres_url()
    captured: list[tuple[str, Any]] = []
    in_page = [False]
    prepare, store = OrderWriter.prepare, OrderWriter.store

    async def capturing_prepare(self: OrderWriter, *args: Any, **kw: Any) -> Any:
        in_page[0] = True
        try:
            return await prepare(self, *args, **kw)
        finally:
            in_page[0] = False

    def capturing_store(self: OrderWriter, *args: Any, **kw: Any) -> Any:
        in_page[0] = True  # (in the import's worker thread: a page is prepared after the last
        try:               # one was stored, so the two never overlap)
            return store(self, *args, **kw)
        finally:
            in_page[0] = False

    monkeypatch.setattr(OrderWriter, "prepare", capturing_prepare)
    monkeypatch.setattr(OrderWriter, "store", capturing_store)
    options = SandboxOptions(orders=80, seed=5)
    with SandboxHarness(platform, tmp_path, options, database_url=url) as h:
        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                    executemany: bool) -> None:
            words = statement.upper().split()
            if in_page[0] and not executemany and words[0] in ("SELECT", "UPDATE", "DELETE") \
                    and "WHERE" in words:
                captured.append((statement, parameters))

        event.listen(h.app.db.engine, "before_cursor_execute", capture)
        first = h.import_orders()
        second = h.import_orders(full=True)
        event.remove(h.app.db.engine, "before_cursor_execute", capture)
        assert first.error is None and second.error is None
        assert first.counts.counts["imported"] > 0 and second.counts.counts["unchanged"] > 0
        account_id = h.app.accounts.row(h.account).id
        with h.app.db.engine.begin() as conn:
            for sql in PADDING:
                conn.exec_driver_sql(sql.format(account=account_id, platform=platform))
            # only this test's schema: a bare ANALYZE takes a lock on every table of every
            # parallel test's schema in one transaction and runs out of shared memory
            tables = conn.exec_driver_sql("SELECT tablename FROM pg_tables "
                                          "WHERE schemaname = current_schema()").scalars().all()
            conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")
        # the one "Unspecified" customer, looked up by a page with a buyer the platform withheld
        # (the sandboxes have none): its partial unique index answers
        captured.append((str(_unspecified_customer().compile(dialect=h.app.db.engine.dialect)), {}))
        scanned: dict[str, list[str]] = {}
        with h.app.db.engine.connect() as conn:
            for setting, big_only in (("on", True), ("off", False)):
                conn.exec_driver_sql(f"SET enable_seqscan = {setting}")
                for statement, parameters in captured:
                    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}",
                                                parameters).scalar()
                    tables = [t for t in seq_scans(json.loads(plan) if isinstance(plan, str)
                                                   else plan) if t in GROWING or not big_only]
                    if tables:
                        scanned.setdefault(f"seqscan {setting}: "
                                           f"{' '.join(statement.split())[:300]}", tables)
    assert {"hub_order", "customer", "product_link"} <= {
        table for statement, _ in captured for table in ("hub_order", "customer", "product_link")
        if f"FROM {table}" in " ".join(statement.split())}, "the import sent fewer queries than expected"
    if platform == "mercadolibre":  # buyers matched by the platform's id
        assert any("FROM customer_link" in " ".join(statement.split())
                   for statement, _ in captured), "no buyer link lookup was captured"
    assert not scanned, f"sequential scans: {scanned}"


def test_an_import_analyses_the_tables_it_grows(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner's statistics follow a growing import (autovacuum may be late, or off):
    without them the page's order lookup read every order of the account on each page."""
    monkeypatch.setattr(GrowthAnalyzer, "FIRST", 20)  # 1,000 rows at full size
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=80, seed=5),
                        database_url=postgres_url()) as h:
        assert h.import_orders().error is None
        with h.app.db.engine.connect() as conn:
            analysed = dict(conn.exec_driver_sql(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema()").all())
    assert {table: analysed.get(table) for table in IMPORT_TABLES} == \
        dict.fromkeys(IMPORT_TABLES, True)
    assert analysed.get("account") is False  # only the tables an import grows
