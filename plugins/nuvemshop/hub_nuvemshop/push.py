"""Stock, prices and fulfilments out.

Stock and prices go to each variant, ``PUT /products/{product_id}/variants/{id}``
(``stock``; ``price`` and ``promotional_price``, decimal strings), a few at a
time under the account's limiter, each confirmed by the variant the store
answers. Tiendanube cannot schedule a promotion: ``promotional_price`` is sent
while the update's window is open (and cleared, ``null``, outside it); the core
queues the price again when a window opens or closes.

A shipment is ``POST /orders/{id}/fulfill`` with ``shipping_tracking_number``
and ``shipping_tracking_url``; an order the store already shows fulfilled with
the same number is accepted as is (a repeated push).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hub import (
    DataError,
    PlatformError,
    PriceUpdate,
    PushResult,
    Shipment,
    StockUpdate,
    TransientError,
    bounded,
    json_object,
    parse_decimal,
)
from hub_nuvemshop.client import StoreClient
from hub_nuvemshop.mapping import SHIPPED

IN_FLIGHT = 4  # variant writes at once (the limiter paces them)


async def _variant_id(client: StoreClient, product_id: str, variant_id: str | None) -> str:
    """The variant to write: the update's, else the product's only one."""
    if variant_id:
        return variant_id
    product = json_object(await client.get(f"products/{product_id}"), f"product {product_id}")
    variants = product.get("variants") or []
    if len(variants) != 1:
        raise DataError(f"product {product_id} has {len(variants)} variants: name the variant")
    return str(variants[0]["id"])


async def _write(client: StoreClient, key: str, product_id: str, variant_id: str | None,
                 body: dict[str, Any], confirmed: Callable[[dict[str, Any]], bool]) -> PushResult:
    """PUT ``body`` to the variant; accepted when the store's answer shows it applied."""
    try:
        vid = await _variant_id(client, product_id, variant_id)
        answer = json_object(await client.put(f"products/{product_id}/variants/{vid}", body),
                             f"variant {vid}")
    except PlatformError as exc:
        return PushResult.failed(key, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(key, exc.message)
    if not confirmed(answer):
        return PushResult.failed(key, "the store did not apply the change")
    return PushResult.ok(key)


async def _all(calls: list[Awaitable[PushResult]]) -> list[PushResult]:
    return await bounded(IN_FLIGHT, calls)


async def push_stock(client: StoreClient, updates: list[StockUpdate]) -> list[PushResult]:
    """Each variant's ``stock``, read back from the answer."""
    def confirm(quantity: int) -> Callable[[dict[str, Any]], bool]:
        return lambda answer: answer.get("stock") is not None and int(answer["stock"]) == quantity

    return await _all([_write(client, u.sku, u.platform_product_id, u.platform_variant_id,
                              {"stock": u.quantity}, confirm(u.quantity)) for u in updates])


def promo_active(update: PriceUpdate, now: datetime) -> bool:
    """Whether the update's promotional price applies at ``now`` (the window's end exclusive)."""
    if update.promotional is None:
        return False
    if update.promo_from is not None and now < update.promo_from:
        return False
    return update.promo_to is None or now < update.promo_to


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


async def push_price(client: StoreClient, updates: list[PriceUpdate], currency: str
                     ) -> list[PushResult]:
    """Each variant's ``price`` and ``promotional_price`` (null outside the promotion)."""
    now = datetime.now(UTC)
    calls: list[Awaitable[PushResult]] = []
    for update in updates:
        wrong = [m.currency for m in (update.regular, update.promotional)
                 if m is not None and m.currency != currency]
        if wrong:
            calls.append(_refused(update.sku, f"the store sells in {currency}, not {wrong[0]}"))
            continue
        promotional = update.promotional.amount if update.promotional and \
            promo_active(update, now) else None
        body = {"price": _amount(update.regular.amount), "promotional_price": _amount(promotional)}

        def confirm(answer: dict[str, Any], body: dict[str, Any] = body) -> bool:
            return all(_same(answer.get(k), v) for k, v in body.items())

        calls.append(_write(client, update.sku, update.platform_product_id,
                            update.platform_variant_id, body, confirm))
    return await _all(calls)


async def _refused(key: str, reason: str) -> PushResult:
    return PushResult.failed(key, reason, retryable=False)


def _same(have: Any, want: str | None) -> bool:
    if want is None:
        return have in (None, "", "0", "0.00")
    try:
        return parse_decimal(have) == Decimal(want)
    except DataError:
        return False


async def push_tracking(client: StoreClient, shipment: Shipment) -> PushResult:
    """Fulfil the order with the tracking number and URL (accepted when already so)."""
    order_id = shipment.platform_order_id
    number = shipment.tracking_number
    try:
        order = json_object(await client.get(f"orders/{order_id}"), f"order {order_id}")
        shown = order.get("shipping_tracking_number")
        if str(order.get("shipping_status")) in SHIPPED:
            if shown == number:
                return PushResult.ok(order_id)  # already fulfilled so (a repeated push)
            return PushResult.failed(order_id, f"the store already fulfilled order {order_id} "
                                               f"with tracking '{shown}'", retryable=False)
        if order.get("status") == "cancelled":
            return PushResult.failed(order_id, f"order {order_id} is cancelled", retryable=False)
        body: dict[str, Any] = {"shipping_tracking_number": number, "notify_customer": True}
        if shipment.tracking_url:
            body["shipping_tracking_url"] = shipment.tracking_url
        after = json_object(await client.post(f"orders/{order_id}/fulfill", body),
                            f"order {order_id}")
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    if after.get("shipping_tracking_number") != number:
        return PushResult.failed(order_id, "the store did not keep the tracking number")
    return PushResult.ok(order_id, action="created")
