"""Pushing stock and prices through the batch endpoints, confirmed item by item.

Simple products go to ``POST /products/batch``, variations to
``POST /products/{parent}/variations/batch``, at most 100 items per request.
Both writes set absolute values, so a batch is safe to resend after a 5xx.
An item is accepted only when the response echoes it with the new value;
an echoed ``error`` object fails the item with its message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hub import (
    DataError,
    HubError,
    PlatformError,
    PriceUpdate,
    PushResult,
    StockUpdate,
    TransientError,
    parse_decimal,
)
from hub_woocommerce.client import API, BATCH_LIMIT, WooClient, chunks, json_object, wc_datetime

Check = Callable[[Mapping[str, Any]], str | None]
"""Looks at the echoed item; returns why it does not show the pushed value, or None."""


@dataclass
class BatchItem:
    """One update bound for one batch endpoint."""

    index: int
    key: str
    id: int
    body: dict[str, Any]
    check: Check


def _endpoint(product_id: str, variant_id: str | None) -> str:
    if variant_id:
        return f"{API}/products/{product_id}/variations/batch"
    return f"{API}/products/batch"


def _ids(product_id: str, variant_id: str | None) -> tuple[int, int | None] | None:
    if not product_id.isdigit() or (variant_id is not None and not variant_id.isdigit()):
        return None
    return int(product_id), int(variant_id) if variant_id is not None else None


def _error_text(error: Any) -> tuple[str, bool]:
    """An echoed ``error`` object as (message, retryable)."""
    if not isinstance(error, Mapping):
        return str(error), True
    message = str(error.get("message") or error.get("code") or "rejected")
    code = error.get("code")
    status = (error.get("data") or {}).get("status") if isinstance(error.get("data"), Mapping) else None
    retryable = isinstance(status, int) and (status >= 500 or status == 429)
    return (f"{message} ({code})" if code else message), retryable


async def send_batches(client: WooClient, groups: Mapping[str, list[BatchItem]],
                       results: list[PushResult | None]) -> None:
    """POST each endpoint's items in batches of 100 and fill ``results`` by item index."""
    for endpoint, items in groups.items():
        for batch in chunks(items, BATCH_LIMIT):
            try:
                response = await client.post(endpoint, {"update": [i.body for i in batch]},
                                             idempotent=True)
                echoed = json_object(response, f"POST {endpoint}").get("update")
                if not isinstance(echoed, list):
                    raise DataError(f"POST {endpoint}: the answer has no 'update' list")
            except (PlatformError, TransientError, DataError) as exc:
                retryable = not isinstance(exc, PlatformError)
                for item in batch:
                    results[item.index] = PushResult.failed(item.key, exc.message,
                                                            retryable=retryable)
                continue
            by_id = {e.get("id"): e for e in echoed if isinstance(e, Mapping)}
            for position, item in enumerate(batch):
                # the store answers in request order; by id when it does not
                echo = echoed[position] if position < len(echoed) else None
                if not isinstance(echo, Mapping) or echo.get("id") != item.id:
                    echo = by_id.get(item.id)
                results[item.index] = _confirm(item, echo)


def _confirm(item: BatchItem, echo: Mapping[str, Any] | None) -> PushResult:
    if echo is None:
        return PushResult.failed(item.key, f"the store did not confirm item {item.id}")
    if echo.get("error"):
        message, retryable = _error_text(echo["error"])
        return PushResult.failed(item.key, message, retryable=retryable)
    problem = item.check(echo)
    if problem:
        return PushResult.failed(item.key, f"item {item.id}: {problem}")
    return PushResult.ok(item.key)


def _plan(updates: Sequence[StockUpdate | PriceUpdate],
          build: Callable[[int, Any], tuple[dict[str, Any], Check] | str],
          ) -> tuple[dict[str, list[BatchItem]], list[PushResult | None]]:
    """Group updates by endpoint; updates that cannot be sent get their failure now."""
    groups: dict[str, list[BatchItem]] = {}
    results: list[PushResult | None] = [None] * len(updates)
    for index, update in enumerate(updates):
        ids = _ids(update.platform_product_id, update.platform_variant_id)
        if ids is None:
            results[index] = PushResult.failed(
                update.sku, f"'{update.platform_product_id}/{update.platform_variant_id or ''}' "
                "is not a WooCommerce product/variation id", retryable=False)
            continue
        target = ids[1] if ids[1] is not None else ids[0]
        built = build(target, update)
        if isinstance(built, str):
            results[index] = PushResult.failed(update.sku, built, retryable=False)
            continue
        body, check = built
        groups.setdefault(_endpoint(update.platform_product_id, update.platform_variant_id),
                          []).append(BatchItem(index, update.sku, target, body, check))
    return groups, results


def _finish(results: list[PushResult | None], updates: Sequence[Any]) -> list[PushResult]:
    return [r if r is not None else PushResult.failed(u.sku, "not sent")
            for r, u in zip(results, updates, strict=True)]


async def push_stock(client: WooClient, updates: Sequence[StockUpdate]) -> list[PushResult]:
    """Set ``stock_quantity`` (and ``manage_stock``) per product or variation."""
    def build(target: int, update: StockUpdate) -> tuple[dict[str, Any], Check]:
        def check(echo: Mapping[str, Any]) -> str | None:
            got = echo.get("stock_quantity")
            return None if got == update.quantity else (
                f"stock_quantity is {got!r} after the update, not {update.quantity}")

        return {"id": target, "manage_stock": True, "stock_quantity": update.quantity}, check

    groups, results = _plan(updates, build)
    await send_batches(client, groups, results)
    return _finish(results, updates)


def _money_text(amount: Decimal) -> str:
    return format(amount, "f")


def _same_amount(echoed: Any, expected: Decimal | None) -> bool:
    if expected is None:
        return echoed in (None, "")
    try:
        return echoed not in (None, "") and parse_decimal(echoed) == expected
    except HubError:
        return False


async def push_price(client: WooClient, updates: Sequence[PriceUpdate]) -> list[PushResult]:
    """Set ``regular_price``, ``sale_price`` and the sale window (empty strings clear them)."""
    currency = await client.currency() if updates else ""

    def build(target: int, update: PriceUpdate) -> tuple[dict[str, Any], Check] | str:
        promo = update.promotional
        for money in (update.regular, promo):
            if money is not None and money.currency != currency:
                return f"price in {money.currency}, but the store sells in {currency}"
        body = {
            "id": target,
            "regular_price": _money_text(update.regular.amount),
            "sale_price": _money_text(promo.amount) if promo else "",
            "date_on_sale_from_gmt": wc_datetime(update.promo_from)
            if promo and update.promo_from else "",
            # the hub's end is exclusive; WooCommerce's is the sale's last second (its admin
            # stores a date as 23:59:59), so a whole-day window keeps its last day
            "date_on_sale_to_gmt": wc_datetime(update.promo_to - timedelta(seconds=1))
            if promo and update.promo_to else "",
        }

        def check(echo: Mapping[str, Any]) -> str | None:
            if not _same_amount(echo.get("regular_price"), update.regular.amount):
                return f"regular_price is {echo.get('regular_price')!r} after the update"
            if not _same_amount(echo.get("sale_price"), promo.amount if promo else None):
                return f"sale_price is {echo.get('sale_price')!r} after the update"
            return None

        return body, check

    groups, results = _plan(updates, build)
    await send_batches(client, groups, results)
    return _finish(results, updates)
