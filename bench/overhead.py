"""Scenario 2, hub overhead: orders per second end to end against a floor measured in the same run.

End to end: the WooCommerce plugin fetches pages from its sandbox on loopback
(no latency, no limit), the core parses, applies the rules, matches products and
customers, deduplicates and persists (SQLite). The floor: parsing the same JSON
and inserting the same rows (orders and lines) with plain ``executemany``.
Target: at least 2,000 orders/s and at most 3x the floor.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from bench.common import Figure, Stopwatch, quiet_env
from bench.sandboxes import sandbox_process


def run(orders: int) -> list[Figure]:
    import asyncio

    from hub.core.app import HubApp
    from hub.core.plugins import get_host
    from hub.core.sync.orders import import_orders

    with quiet_env() as tmp, sandbox_process("woocommerce", orders=orders, seed=11) as sandbox:
        app = HubApp()
        app.accounts.add("woocommerce", "bench", {**sandbox["settings"], "backfill_days": "120",
                                                  "backfill_slice_days": "0"})
        with Stopwatch() as wall:
            result = asyncio.run(import_orders(app, "bench"))
        assert result.error is None, result.error
        read = result.counts.counts["imported"] + sum(result.counts.skipped.values())
        payloads = _payloads(app)
        app.close()
        # the floor is short (~0.15 s) and noisy: the median of three runs
        floor = sorted(_floor(payloads, tmp / f"floor{i}.db") for i in range(3))[1]
    e2e_rate = read / wall.seconds
    floor_rate = len(payloads) / floor
    ratio = wall.seconds / floor * len(payloads) / max(read, 1)
    context = {"orders_read": read, "imported": result.counts.counts["imported"],
               "wall_s": round(wall.seconds, 3), "floor_s": round(floor, 3),
               "plugins": sorted(get_host().platforms)}
    return [
        Figure("overhead", "end-to-end import rate", round(e2e_rate), "orders/s", ">= 2000",
               e2e_rate >= 2000, context),
        Figure("overhead", "floor rate (json.loads + executemany)", round(floor_rate), "orders/s"),
        Figure("overhead", "end-to-end time / floor time", round(ratio, 2), "x", "<= 3", ratio <= 3),
    ]


def _payloads(app: object) -> list[bytes]:
    """The raw JSON of the orders the hub read (kept with each order), as the floor parses it."""
    from sqlmodel import select

    from hub.core.storage.models import Order

    with app.db.session() as s:  # type: ignore[attr-defined]
        raws = [o.raw for o in s.exec(select(Order))]
    return [json.dumps(raw).encode() for raw in raws if raw]


def _floor(payloads: list[bytes], path: Path) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE o (id INTEGER PRIMARY KEY, ext TEXT UNIQUE, status TEXT, total TEXT, "
                 "currency TEXT, email TEXT, raw TEXT)")
    conn.execute("CREATE TABLE l (id INTEGER PRIMARY KEY, ext TEXT, sku TEXT, name TEXT, qty TEXT, "
                 "price TEXT)")
    start = time.perf_counter()
    for i in range(0, len(payloads), 100):
        page = [json.loads(p) for p in payloads[i:i + 100]]
        conn.executemany("INSERT INTO o (ext, status, total, currency, email, raw) VALUES (?,?,?,?,?,?)",
                         [(str(o["id"]), o["status"], o["total"], o["currency"],
                           o["billing"]["email"], json.dumps(o)) for o in page])
        conn.executemany("INSERT INTO l (ext, sku, name, qty, price) VALUES (?,?,?,?,?)",
                         [(str(o["id"]), li.get("sku"), li["name"], str(li["quantity"]), str(li["price"]))
                          for o in page for li in o["line_items"]])
        conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds
