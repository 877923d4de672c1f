"""Pushing prices: ``productVariantsBulkUpdate`` per product, confirmed from its answer.

Shopify shows a sale when a variant's ``price`` is below its
``compareAtPrice``. It cannot schedule one, so the plugin decides at push
time: while ``now`` is inside the update's promotional window (``promo_from``
to ``promo_to``, an open end unbounded) it sends ``price = promotional`` and
``compareAtPrice = regular``; otherwise ``price = regular`` and clears
``compareAtPrice``. Prices are in the shop's currency; an update in another
currency fails. The call for one product is all or nothing: a rejected variant
fails for good, its siblings fail to be retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hub import (
    DataError,
    HubError,
    PlatformError,
    PriceUpdate,
    PushResult,
    RateLimited,
    TransientError,
    parse_decimal,
)
from hub_shopify import queries
from hub_shopify.client import ShopifyClient, describe, user_errors
from hub_shopify.ids import gid, legacy_id
from hub_shopify.variants import Unresolved, variant_of

CONCURRENT_PRODUCTS = 4


def promo_active(update: PriceUpdate, now: datetime) -> bool:
    """Whether the update's promotional price applies at ``now``."""
    if update.promotional is None:
        return False
    if update.promo_from is not None and now < update.promo_from:
        return False
    return update.promo_to is None or now < update.promo_to


def target(update: PriceUpdate, now: datetime) -> tuple[Decimal, Decimal | None]:
    """``(price, compareAtPrice)`` to send for ``update`` at ``now``."""
    if promo_active(update, now):
        assert update.promotional is not None
        return update.promotional.amount, update.regular.amount
    return update.regular.amount, None


def _same(value: Any, expected: Decimal | None) -> bool:
    if expected is None:
        return value in (None, "")
    try:
        return value not in (None, "") and parse_decimal(value) == expected
    except HubError:
        return False


async def _product(client: ShopifyClient, product: str,
                   entries: list[tuple[int, PriceUpdate, str, Decimal, Decimal | None]],
                   results: list[PushResult | None]) -> None:
    variants = [{"id": variant, "price": format(price, "f"),
                 "compareAtPrice": None if compare is None else format(compare, "f")}
                for _, _, variant, price, compare in entries]
    try:
        result = await client.graphql(queries.VARIANTS_BULK_UPDATE,
                                      {"productId": product, "variants": variants},
                                      idempotent=True, what="productVariantsBulkUpdate")
    except (PlatformError, DataError, TransientError, RateLimited) as exc:
        for index, update, *_ in entries:
            results[index] = PushResult.failed(update.sku, exc.message,
                                               retryable=not isinstance(exc, PlatformError))
        return
    payload = result.data.get("productVariantsBulkUpdate") or {}
    errors = user_errors(payload)
    if errors:
        for position, (index, update, *_) in enumerate(entries):
            mine = [e for e in errors if len(e.get("field") or []) > 1
                    and e["field"][0] == "variants" and str(e["field"][1]) == str(position)]
            if mine or not any(len(e.get("field") or []) > 1 for e in errors):
                results[index] = PushResult.failed(update.sku, describe(mine or errors),
                                                   retryable=False)
            else:
                results[index] = PushResult.failed(update.sku, "not applied: another variant "
                                                   "of this product was rejected")
        return
    echoed = {v.get("id"): v for v in payload.get("productVariants") or [] if isinstance(v, dict)}
    for index, update, variant, price, compare in entries:
        echo = echoed.get(variant)
        if echo is None:
            results[index] = PushResult.failed(update.sku, "Shopify did not confirm variant "
                                               f"{legacy_id(variant)}")
        elif not _same(echo.get("price"), price):
            results[index] = PushResult.failed(update.sku, f"price is {echo.get('price')!r} "
                                               "after the update")
        elif not _same(echo.get("compareAtPrice"), compare):
            results[index] = PushResult.failed(update.sku, "compareAtPrice is "
                                               f"{echo.get('compareAtPrice')!r} after the update")
        else:
            results[index] = PushResult.ok(update.sku)


async def push_price(client: ShopifyClient, updates: Sequence[PriceUpdate],
                     now: datetime | None = None) -> list[PushResult]:
    """Set each update's variant price (and compare-at price during a promotion)."""
    now = now or datetime.now(UTC)
    results: list[PushResult | None] = [None] * len(updates)
    currency = await client.currency() if updates else ""
    groups: dict[str, list[tuple[int, PriceUpdate, str, Decimal, Decimal | None]]] = {}
    for index, update in enumerate(updates):
        wrong = [m.currency for m in (update.regular, update.promotional)
                 if m is not None and m.currency != currency]
        if wrong:
            results[index] = PushResult.failed(update.sku, f"price in {wrong[0]}, but the shop "
                                               f"sells in {currency}", retryable=False)
            continue
        try:
            variant = await variant_of(client, update.platform_product_id,
                                       update.platform_variant_id)
        except Unresolved as exc:
            results[index] = PushResult.failed(update.sku, str(exc), retryable=False)
            continue
        price, compare = target(update, now)
        groups.setdefault(gid("Product", update.platform_product_id), []).append(
            (index, update, variant, price, compare))
    gate = asyncio.Semaphore(CONCURRENT_PRODUCTS)

    async def one(product: str, entries: list[Any]) -> None:
        async with gate:
            await _product(client, product, entries, results)

    await asyncio.gather(*(one(p, e) for p, e in groups.items()))
    return [r if r is not None else PushResult.failed(u.sku, "not sent")
            for r, u in zip(results, updates, strict=True)]
