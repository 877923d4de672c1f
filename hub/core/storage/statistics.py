"""Planner statistics kept up with a growing import (PostgreSQL).

An import grows its tables from nothing to many thousands of rows in minutes.
Until PostgreSQL has analysed them (autovacuum does it late, a minute or more
after each 10 % of growth, or never where it is switched off) the planner
guesses: for a page's ``account_id = ? AND platform_order_id IN (...)`` it
scanned the unique index on ``account_id`` alone and read every order of the
account on each page, which made a 100,000-order import quadratic on the
server (issue 17: server CPU per order 4x at 100,000 than at 5,000). After an
``ANALYZE`` the same queries use the index on both columns (see
``tests/sync/test_import_plans.py``). :class:`GrowthAnalyzer` analyses the
tables an import writes each time the import doubles what it has read (from
1,000 rows on): a handful of ``ANALYZE`` in a 100,000-order import, each a
sample of a bounded number of rows.
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from hub.core.storage.db import Database

log = logging.getLogger("hub.db")

IMPORT_TABLES = ("hub_order", "order_line", "order_event", "order_terms", "customer",
                 "customer_link", "product", "product_link", "stock_reservation", "run_item")
"""The tables an order import grows."""


class GrowthAnalyzer:
    """Call :meth:`grew` with the rows an import has read so far."""

    FIRST = 1000

    def __init__(self, db: Database, tables: tuple[str, ...] = IMPORT_TABLES) -> None:
        self.db = db
        self.tables = tables
        self.next = self.FIRST

    def grew(self, done: int) -> bool:
        """``ANALYZE`` the tables (PostgreSQL) when ``done`` reached the next doubling."""
        if done < self.next or self.db.dialect != "postgresql":
            return False
        while self.next <= done:
            self.next *= 2
        with self.db.engine.begin() as conn:
            conn.execute(text(f"ANALYZE {', '.join(self.tables)}"))
        log.debug("analysed %s after %d rows read", ", ".join(self.tables), done)
        return True
