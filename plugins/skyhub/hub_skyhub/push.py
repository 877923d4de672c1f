"""Stock and prices out: ``PUT /products/{sku}`` and ``PUT /variations/{sku}``.

A product without variations is updated with ``{"product": {...}}`` at its SKU; a variation of a
configurable product with ``{"variation": {...}}`` at the variation's SKU (SkyHub recommends
updating a configurable product's stock and price per variation). Stock is ``qty``; the price is
``price`` (the "de" price) and ``promotional_price`` (the "por" price, what the buyer pays).
SkyHub cannot schedule a promotion, so ``promotional_price`` carries the promotional price only
while its window is open, and the regular price otherwise (so an ended promotion does not stay).

SkyHub answers 204 to an update it applied; an unknown SKU (404) or a value it refuses (422,
``{"error": "..."}``) is reported failed with SkyHub's words and not retried.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hub import DataError, HubError, PlatformError, PriceUpdate, PushResult, StockUpdate, bounded
from hub_skyhub.client import SkyhubClient, error_text, segment

CONCURRENCY = 9


def target(product_id: str, variant_id: str | None) -> tuple[str, str, str]:
    """(api, path, body key) of a listing: the variation when it has its own SKU."""
    if variant_id and variant_id != product_id:
        return "skyhub-variations-put", f"variations/{segment(variant_id)}", "variation"
    return "skyhub-products-put", f"products/{segment(product_id)}", "product"


async def put(client: SkyhubClient, key: str, product_id: str, variant_id: str | None,
              fields: dict[str, Any]) -> PushResult:
    """One update; accepted only on SkyHub's 2xx."""
    try:
        api, path, wrapper = target(product_id, variant_id)
        response = await client.send_json(api, "PUT", path, {wrapper: fields}, expect={404, 422})
    except DataError as exc:
        return PushResult.failed(key, str(exc), retryable=False)
    except PlatformError as exc:
        return PushResult.failed(key, str(exc), retryable=exc.status is None or exc.status >= 500)
    except HubError as exc:
        return PushResult.failed(key, str(exc))
    if response.status_code == 404:
        return PushResult.failed(key, f"SkyHub has no {wrapper} with SKU {variant_id or product_id}"
                                      f" ({error_text(response) or 'not found'})", retryable=False)
    if response.status_code == 422:
        return PushResult.failed(key, f"SkyHub refused the {wrapper} update: "
                                      f"{error_text(response) or response.text[:200]}",
                                 retryable=False)
    return PushResult.ok(key, "updated")


async def _all(calls: list[Callable[[], Awaitable[PushResult]]]) -> list[PushResult]:
    return await bounded(CONCURRENCY, (call() for call in calls))


async def push_stock(client: SkyhubClient, updates: list[StockUpdate]) -> list[PushResult]:
    """``qty`` per listing."""
    def one(u: StockUpdate) -> Callable[[], Awaitable[PushResult]]:
        return lambda: put(client, u.sku, u.platform_product_id, u.platform_variant_id,
                           {"qty": max(0, int(u.quantity))})
    return await _all([one(u) for u in updates])


def promotion_open(update: PriceUpdate, now: datetime) -> bool:
    """Whether the update's promotional price applies now (its window holds ``now``)."""
    return (update.promotional is not None
            and (update.promo_from is None or update.promo_from <= now)
            and (update.promo_to is None or now < update.promo_to))


def price_fields(update: PriceUpdate, now: datetime) -> dict[str, Decimal]:
    """``price`` and ``promotional_price`` for SkyHub (module docstring)."""
    regular = update.regular.amount
    promotional = update.promotional.amount if update.promotional and promotion_open(update, now) \
        else regular
    return {"price": regular, "promotional_price": promotional}


async def push_price(client: SkyhubClient, updates: list[PriceUpdate]) -> list[PushResult]:
    """``price`` and ``promotional_price`` per listing."""
    now = datetime.now(UTC)

    def one(u: PriceUpdate) -> Callable[[], Awaitable[PushResult]]:
        return lambda: put(client, u.sku, u.platform_product_id, u.platform_variant_id,
                           price_fields(u, now))
    return await _all([one(u) for u in updates])
