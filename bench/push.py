"""Scenario 3, push efficiency: 10,000 SKUs, 1,000 of them changed.

Requests are counted on the wire: WooCommerce's batch endpoints are answered by
a transport that echoes each item as WooCommerce does, so the plugin confirms
every update. Shopify, Mercado Libre and VTEX push against their sandboxes,
whose catalogues are small: every SKU is changed and the count is projected
to 1,000 changes. Targets: Shopify <= 4, WooCommerce <= 10, Mercado Libre and
VTEX <= 1,000 requests for the 1,000 changes, and zero when nothing changed.
Then, in daemon mode against the real WooCommerce sandbox, the time from a
stock change to the sandbox holding it.
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from bench.common import Figure, quiet_env
from bench.ratelimit import Recorder

if TYPE_CHECKING:
    from hub.core.app import HubApp
    from hub.core.sync.push import PushRun
    from hub.testing.harness import SandboxHarness


class BatchEcho(httpx.AsyncBaseTransport):
    """Answers WooCommerce batch updates like the store does, counting requests."""

    def __init__(self) -> None:
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        body = json.loads(request.content or b"{}")
        return httpx.Response(200, json={"update": [dict(item) for item in body.get("update", [])]})


def _catalogue(app: HubApp, skus: int) -> None:
    from sqlalchemy import insert

    from hub.core.storage.models import Product, ProductLink, StockLevel, Warehouse

    with app.db.session() as s:
        s.add(Warehouse(name="main"))
        s.execute(insert(Product), [{"sku": f"SKU-{i:05d}", "name": f"P{i}", "unit": "piece",
                                     "created_at": _now()} for i in range(skus)])
        s.execute(insert(ProductLink), [{"account_id": 1, "product_id": i + 1,
                                         "platform_product_id": str(1000 + i), "platform_variant_id": "",
                                         "sku": f"SKU-{i:05d}"} for i in range(skus)])
        s.execute(insert(StockLevel), [{"product_id": i + 1, "warehouse_id": 1, "quantity": 5,
                                        "updated_at": _now()} for i in range(skus)])


def _now() -> datetime:
    from hub.core.storage.columns import now

    return now()


def requests_per_push(skus: int, changed: int) -> list[Figure]:
    from hub.core.app import HubApp
    from hub.core.storage.models import StockLevel
    from hub.core.sync.push import push

    with quiet_env():
        app = HubApp()
        echo = BatchEcho()
        app.transport = echo
        app.accounts.add("woocommerce", "w", {"base_url": "https://shop.example.com",
                                              "consumer_key": "ck_bench0000",
                                              "consumer_secret": "cs_bench0000"})
        app.accounts.set_flags("w", flow_stock=True)
        _catalogue(app, skus)
        asyncio.run(push(app, "w", "stock"))  # the first full sync
        first = echo.requests
        with app.db.session() as s:
            level: Any  # a row of the stock_level table (product_id, warehouse_id, ...)
            for level in s.exec(StockLevel.__table__.select().limit(changed)).all():  # type: ignore[attr-defined]
                row = s.get(StockLevel, (level.product_id, level.warehouse_id))
                row.quantity = 9  # type: ignore[union-attr]
                s.add(row)
        echo.requests = 0
        with_changes = asyncio.run(push(app, "w", "stock"))
        sent = echo.requests
        echo.requests = 0
        asyncio.run(push(app, "w", "stock"))
        unchanged = echo.requests
        app.close()
    return [
        Figure("push", f"WooCommerce requests, {changed:,} of {skus:,} SKUs changed", sent, "requests",
               "<= 10", sent <= 10, {"pushed": with_changes.counts.counts["pushed"],
                                      "first_full_sync_requests": first}),
        Figure("push", "WooCommerce requests, nothing changed", unchanged, "requests", "0",
               unchanged == 0),
    ]


def change_latency(samples: int) -> list[Figure]:
    """Daemon mode: a stock change until the WooCommerce sandbox holds it."""
    from hub.core.scheduler import Daemon
    from hub.sandbox import SandboxOptions
    from hub.testing.harness import SandboxHarness

    with quiet_env() as tmp, SandboxHarness("woocommerce", tmp, SandboxOptions(orders=10),
                                            settings={"push_interval": "1", "orders_interval": "3600"}) as h:
        h.app.accounts.set_flags(h.account, flow_orders=False)  # no sales debiting the level
        h.sync_products()
        sku = h.skus()[0]
        listing = _listing(h, sku)
        daemon = Daemon(h.app, startup_jitter=0.1)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=lambda: loop.run_until_complete(daemon.run()), daemon=True)
        thread.start()
        waits = []
        for n in range(samples):
            start = time.perf_counter()
            h.set_stock(sku, 100 + n)
            deadline = start + 30
            while h.sandbox.read_stock(*listing) != 100 + n:
                if time.perf_counter() > deadline:
                    raise RuntimeError("the daemon never pushed the change")
                time.sleep(0.01)
            waits.append(time.perf_counter() - start)
        loop.call_soon_threadsafe(daemon.stop)
        thread.join(timeout=15)
    waits.sort()
    p50, p95 = statistics.median(waits), waits[int(len(waits) * 0.95) - 1]
    label = "stock change -> sandbox (daemon, push_interval 1 s)"
    return [Figure("push", f"{label}, p50", round(p50, 3), "s", context={"samples": samples}),
            Figure("push", f"{label}, p95", round(p95, 3), "s")]


def _listing(h: SandboxHarness, sku: str) -> tuple[str, str | None]:
    from sqlmodel import select

    from hub.core.storage.models import ProductLink

    with h.app.db.session() as s:
        link = s.exec(select(ProductLink).where(ProductLink.sku == sku)).first()
    return link.platform_product_id, link.platform_variant_id or None  # type: ignore[union-attr]


# Requests for 1,000 changed SKUs: Shopify's inventorySetQuantities carries a batch per mutation
# (one request per batch); Mercado Libre and VTEX write one SKU per request.
PER_PLATFORM = {"shopify": ("Shopify", 4, True), "mercadolibre": ("Mercado Libre", 1000, False),
                "vtex": ("VTEX", 1000, False)}


def sandbox_requests(platform: str) -> list[Figure]:
    """Every linked SKU of the platform's sandbox changed, then nothing changed: requests on the wire.

    The sandboxes' catalogues are small (tens of SKUs), so the count for 1,000
    changes is projected: per SKU for platforms writing one SKU a request, per
    batch (``stock_batch_size``) for those that batch.
    """
    from hub.core.sync.products import sync_products
    from hub.core.sync.push import push
    from hub.sandbox import SandboxOptions
    from hub.testing.harness import SandboxHarness

    title, target, batched = PER_PLATFORM[platform]
    with quiet_env() as tmp, SandboxHarness(platform, tmp, SandboxOptions(orders=0),
                                            flows=("stock",)) as h:
        counter = Recorder()  # real HTTP to the sandbox, each request written down
        h.app.transport = counter

        async def daemon_like() -> tuple[list[str], PushRun, int, int]:
            # one event loop and one account runtime throughout, as in the daemon
            await sync_products(h.app, h.account)
            skus = h.skus()
            await push(h.app, h.account, "stock")  # the first full sync
            counter.log.clear()
            for sku in skus:
                h.set_stock(sku, 41)
            changed = await push(h.app, h.account, "stock")
            sent = len(counter.log)
            counter.log.clear()
            await push(h.app, h.account, "stock")
            await h.app.accounts.aclose()
            return skus, changed, sent, len(counter.log)

        skus, result, sent, unchanged = asyncio.run(daemon_like())
        batch = h.host.info(platform).stock_batch_size
    pushed = result.counts.counts["pushed"]
    if batched:
        projected = math.ceil(1000 / batch) * sent / max(1, math.ceil(pushed / batch))
    else:
        projected = 1000 * sent / max(1, pushed)
    context = {"skus_changed": len(skus), "pushed": pushed, "requests": sent, "batch": batch}
    return [
        Figure("push", f"{title} requests for 1,000 changed SKUs (projected from {pushed})",
               round(projected), "requests", f"<= {target}", projected <= target, context),
        Figure("push", f"{title} requests, nothing changed", unchanged, "requests", "0", unchanged == 0),
    ]


def run(skus: int, changed: int, samples: int) -> list[Figure]:
    figures = requests_per_push(skus, changed)
    for platform in PER_PLATFORM:
        figures += sandbox_requests(platform)
    return figures + change_latency(samples)
