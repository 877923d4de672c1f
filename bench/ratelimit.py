"""Scenario 1, rate-limit efficiency: each plugin imports 5,000 orders from its sandbox.

Every request has 100 ms of latency and the sandbox enforces the platform's
limit. Each request is recorded on the wire (time, path, status, and for
Shopify the query's actual cost), and the floor is what the limit implies for
the import's requests:

* WooCommerce has no limit: the list pages a scan cannot avoid (one per 100
  orders) times the latency, fetched one after the other.
* VTEX, 6,000 order reads a minute (burst 100): one detail read per order,
  ``(orders - 100) / 100`` seconds, or the list pages' latency if longer.
* Mercado Libre publishes no figure; its sandbox lets an app send 50 requests
  a second and answers 429 bursts (no ``Retry-After``) beyond. The account is
  set just under that rate (48), as an admin sets it to the quota Mercado Libre
  gave the app; the floor is the requests the import needed, minus the first
  second's burst, at the full 50 a second.
* Shopify's cost bucket (1,000 points, 100 restored a second), paging: the
  actual cost of the queries beyond the first bucket, at 100 points a second,
  or the pages' latency if longer. A full order costs ~80 points, so paging is
  measured on 300 orders; the 5,000-order backfill runs as a bulk export (the
  plugin's choice for a backfill), timed without a floor.

* SkyHub (Americanas), per endpoint and method: the order list (a backfill) 1 page of 100 a
  second, so the pages after the first at one a second; the order queue 9 reads a second, one
  order each (acknowledgements have their own 9 a second and run alongside), so the reads that
  brought an order beyond the first second's 9, at 9 a second.
* Tiendanube / Nuvemshop's leaky bucket (40 requests, draining at 2 a second). A
  backfill of 5,000 orders takes ~50 requests (200 orders a page, weekly slices,
  each with its cancelled and refunded sweeps): the bucket never empties, so that
  run is timed without a floor. The measured run starts with the store's bucket
  already full (another client of the app just spent it): the limiter, new, only
  learns it from the first answer's ``x-rate-limit-*`` headers; the floor is
  then every request at 2 a second, or the requests' latency if longer.

Targets: at most 1.15x the floor, and no request refused for rate after the
first second.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from bench.common import Figure, Stopwatch, quiet_env
from bench.sandboxes import sandbox_process

if TYPE_CHECKING:
    from hub.core.sync.orders import ImportResult


@dataclass
class Exchange:
    at: float
    path: str
    status: int
    throttled: bool
    cost: float = 0.0


class Recorder(httpx.AsyncBaseTransport):
    """A real HTTP transport that writes down every exchange."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.log: list[Exchange] = []
        self.start = time.perf_counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        throttled, cost = response.status_code == 429, 0.0
        if request.url.path.endswith("graphql.json") and body:
            data = json.loads(body)
            errors = data.get("errors") or []
            throttled = throttled or any((e.get("extensions") or {}).get("code") == "THROTTLED"
                                         for e in errors if isinstance(e, dict))
            cost = float(((data.get("extensions") or {}).get("cost") or {}).get("actualQueryCost") or 0)
        self.log.append(Exchange(time.perf_counter() - self.start, request.url.path,
                                 response.status_code, throttled, cost))
        return httpx.Response(response.status_code, headers=response.headers, content=body,
                              request=request, extensions=response.extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Profile:
    platform: str
    title: str
    limit: str
    floor: Callable[[list[Exchange], int, float], float] | None
    settings: dict[str, str] = field(default_factory=dict)
    orders: int | None = None  # instead of the scenario's size
    spend_bucket: int = 0  # requests another client of the app makes just before the import


def _ok(log: list[Exchange]) -> list[Exchange]:
    return [e for e in log if not e.throttled and e.status < 400]


def _woocommerce_floor(log: list[Exchange], orders: int, latency: float) -> float:
    return math.ceil(orders / 100) * latency


def _vtex_floor(log: list[Exchange], orders: int, latency: float) -> float:
    return max(math.ceil(orders / 100) * latency, max(0, orders - 100) / 100)


def _mercadolibre_floor(log: list[Exchange], orders: int, latency: float) -> float:
    return max(0, len(_ok(log)) - 50) / 50


def _nuvemshop_full_floor(log: list[Exchange], orders: int, latency: float) -> float:
    return max(len(_ok(log)) * latency, len(_ok(log)) / 2)


def _shopify_floor(log: list[Exchange], orders: int, latency: float) -> float:
    done = _ok(log)
    return max(len(done) * latency, max(0.0, sum(e.cost for e in done) - 1000) / 100)


def _skyhub_list_floor(log: list[Exchange], orders: int, latency: float) -> float:
    """GET /orders: 1 a second, 100 orders a page: the pages after the first, one a second."""
    return max(0, math.ceil(orders / 100) - 1) * 1.0 + latency


def _skyhub_queue_floor(log: list[Exchange], orders: int, latency: float) -> float:
    """GET /queues/orders: 9 a second, one order a read (DELETE has its own 9/s): the reads that
    brought an order, beyond the first second's 9."""
    reads = [e for e in _ok(log) if e.path == "/queues/orders" and e.status == 200]
    return max(0, len(reads) - 9) / 9 + latency


PROFILES = {
    "woocommerce": Profile("woocommerce", "WooCommerce", "none", _woocommerce_floor),
    "vtex": Profile("vtex", "VTEX", "6,000 order reads/min", _vtex_floor),
    "mercadolibre": Profile("mercadolibre", "Mercado Libre", "50 requests/s, 429 beyond",
                            _mercadolibre_floor, {"requests_per_second": "48"}),
    # Paged, a full order costs Shopify ~80 points: 5,000 would take over an hour at 100 points/s,
    # which is why the plugin backfills through a bulk export. Paging is measured on 300 orders.
    "shopify": Profile("shopify", "Shopify paging", "1,000-point bucket, 100 points/s",
                       _shopify_floor, {"bulk_threshold_days": "3650"}, orders=300),
    "shopify-bulk": Profile("shopify", "Shopify bulk backfill", "bulk export", None),
    # SkyHub: the order list (backfills) reads 1 page a second; the queue 9 orders a second
    # (plus as many acknowledgements on their own limit). Sized to stay under a minute each.
    "skyhub": Profile("skyhub", "SkyHub list backfill", "GET /orders 1/s", _skyhub_list_floor,
                      {"order_source": "list"}, orders=2000),
    "skyhub-queue": Profile("skyhub", "SkyHub queue import", "queue 9/s", _skyhub_queue_floor,
                            {"order_source": "queue"}, orders=270),
    "nuvemshop": Profile("nuvemshop", "Tiendanube, bucket full at start",
                         "leaky bucket: 40 requests, 2/s", _nuvemshop_full_floor,
                         spend_bucket=48),
    "nuvemshop-backfill": Profile("nuvemshop", "Tiendanube backfill", "not reached", None),
}


async def _spend(settings: dict[str, str], requests: int) -> None:
    """Another client of the same app fills the store's bucket (Tiendanube's settings)."""
    url = f"{settings['base_url']}/{settings['store_id']}/store"
    headers = {"Authentication": f"bearer {settings['access_token']}",
               "User-Agent": settings["user_agent"]}
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        await asyncio.gather(*(client.get(url) for _ in range(requests)))  # at once: nothing leaks


def run(orders: int, latency: float, platforms: list[str] | None = None) -> list[Figure]:
    figures: list[Figure] = []
    for name in platforms or list(PROFILES):
        profile = PROFILES[name]
        figures += _one(profile, min(orders, profile.orders or orders), latency)
    return figures


def _one(profile: Profile, orders: int, latency: float) -> list[Figure]:
    from hub.core.app import HubApp
    from hub.core.authorize import authorize_account
    from hub.core.sync.orders import import_orders

    async def browser(url: str) -> None:  # sandboxes approve an authorization at once
        async with httpx.AsyncClient(follow_redirects=True, timeout=10) as client:
            await client.get(url)

    with quiet_env(), sandbox_process(profile.platform, orders=orders, seed=9, latency=latency) as sb:
        app = HubApp()
        app.accounts.add(profile.platform, "r", {**sb["settings"], **profile.settings})

        async def go() -> tuple[ImportResult, list[Exchange], float]:
            await authorize_account(app, "r", opener=browser)
            if profile.spend_bucket:
                await _spend(sb["settings"], profile.spend_bucket)
            recorder = Recorder()
            app.transport = recorder
            await app.accounts.aclose()  # reopen the account on the recording transport
            with Stopwatch() as wall:
                result = await import_orders(app, "r")
            await app.accounts.aclose()
            return result, recorder.log, wall.seconds

        result, log, seconds = asyncio.run(go())
        app.close()
    assert result.error is None, f"{profile.platform}: {result.error}"
    in_window = result.counts.available or result.counts.counts["imported"]
    start = log[0].at if log else 0.0  # the import's first request (the clock starts earlier)
    late = [e for e in log if e.throttled and e.at > start + 1.0]
    refused = [e for e in log if e.throttled]
    context: dict[str, object] = {
        "requests": len(log), "orders_in_window": in_window, "imported": result.counts.counts["imported"],
        "limit": profile.limit, "refused_for_rate": len(refused)}
    if profile.platform == "shopify":
        context["actual_cost"] = round(sum(e.cost for e in _ok(log)))
    timed = Figure("ratelimit", f"{profile.title}: import of {orders:,} orders at {latency * 1000:.0f} ms",
                   round(seconds, 2), "s", context=context)
    if profile.floor is None:
        return [timed]
    floor = profile.floor(log, in_window, latency)
    ratio = seconds / floor if floor else 0.0
    context["floor_s"] = round(floor, 2)
    return [
        timed,
        Figure("ratelimit", f"{profile.title}: time / floor ({profile.limit})", round(ratio, 2), "x",
               "<= 1.15", ratio <= 1.15, {"floor_s": round(floor, 2)}),
        Figure("ratelimit", f"{profile.title}: requests refused for rate after the first second",
               len(late), "requests", "0", not late, {"refused_in_all": len(refused)}),
    ]
