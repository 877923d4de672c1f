"""Scenario 1, rate-limit efficiency: import 5,000 orders with 100 ms of latency per request.

WooCommerce has no documented limit, so its floor is the list requests a scan
cannot avoid (one per 100 orders in the window) times the latency; the hub's
time over that floor is what its own work and its paging add. Target: at most
1.15x the floor. (Scenario 1 for the rate-limited platforms is not written yet.)
"""

from __future__ import annotations

import asyncio
import math

from bench.common import Figure, Stopwatch, quiet_env
from bench.sandboxes import sandbox_process


def run(orders: int, latency: float) -> list[Figure]:
    from hub.core.app import HubApp
    from hub.core.sync.orders import import_orders

    with quiet_env(), sandbox_process("woocommerce", orders=orders, seed=9, latency=latency) as sb:
        app = HubApp()
        app.accounts.add("woocommerce", "r", sb["settings"])

        async def go():  # type: ignore[no-untyped-def]
            result = await import_orders(app, "r")
            live = app.accounts.open_named("r")
            sent = sum(c.stats.requests for c in live.runtime.clients.values())
            await app.accounts.aclose()
            return result, sent

        with Stopwatch() as wall:
            result, requests = asyncio.run(go())
        app.close()
    assert result.error is None, result.error
    in_window = result.counts.available or 0
    floor = math.ceil(in_window / 100) * latency
    ratio = wall.seconds / floor if floor else 0.0
    return [Figure("ratelimit", f"WooCommerce import of {orders:,} orders at {latency * 1000:.0f} ms",
                   round(wall.seconds, 2), "s", context={"requests": requests,
                                                           "orders_in_window": in_window}),
            Figure("ratelimit", "WooCommerce time / floor (pages x latency)", round(ratio, 2), "x",
                   "<= 1.15", ratio <= 1.15, {"floor_s": round(floor, 2)})]
