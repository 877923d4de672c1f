"""The order lifecycle on Shopify: what its statuses mean, and the states the hub writes.

The plugin's composite status (``cancelled``, else ``<financial>/<fulfillment>``,
see :mod:`.info`, where ``ORDER_STATES`` lives) is read as: ``cancelled``, ``refunded/*``, ``voided/*`` and
``*/restocked`` -> cancelled (after shipping the core records a return);
``*/fulfilled`` -> shipped; ``paid/*`` and ``partially_refunded/*`` not yet
fulfilled -> ready; the rest (pending, authorized, partially paid, expired) -> new.

Written (the ``status`` flow), each read back:

* ``cancelled`` -> ``orderCancel`` (reason ``OTHER`` with the hub's reason as the
  staff note, the customer notified, ``restock: false``: the hub's own stock comes
  back on ``hub orders restock`` and reaches Shopify through the stock push; the
  payment refunded to the original method unless ``refund_on_cancel`` is false, sent
  explicitly as ``refundMethod`` since API 2025-07 deprecated ``refund``). Shopify
  refuses an order that has fulfillments;
* ``delivered`` -> ``fulfillmentEventCreate`` with status ``DELIVERED`` on the
  order's latest successful fulfillment (ship the order first).

Shopify has no "handling" or "invoiced" an app can set: those are not written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub import DataError, OrderState, PlatformError, PushResult, StateUpdate, TransientError
from hub_shopify import queries
from hub_shopify.client import ShopifyClient, describe, user_errors
from hub_shopify.ids import gid, legacy_id

S = OrderState




async def _order(client: ShopifyClient, order_id: str) -> dict[str, Any] | None:
    result = await client.graphql(queries.ORDER_STATE, {"id": gid("Order", order_id)},
                                  what=f"order {order_id}")
    order = result.data.get("order")
    return order if isinstance(order, dict) else None


def _shipped(order: dict[str, Any]) -> dict[str, Any] | None:
    done = [f for f in order.get("fulfillments") or []
            if isinstance(f, dict) and f.get("status") == "SUCCESS"]
    return done[-1] if done else None


async def _cancel(client: ShopifyClient, order_id: str, order: dict[str, Any],
                  reason: str | None) -> str | None:
    if order.get("cancelledAt"):
        return None  # already cancelled (a repeated push)
    refund = client.account.setting_bool("refund_on_cancel", True)
    result = await client.graphql(queries.ORDER_CANCEL, {
        "id": gid("Order", order_id), "reason": "OTHER", "note": reason,
        "refundMethod": {"originalPaymentMethodsRefund": refund}},
        what="orderCancel")
    payload = result.data.get("orderCancel") or {}
    errors = [e for e in payload.get("orderCancelUserErrors") or [] if isinstance(e, dict)]
    if errors:
        return f"Shopify refused the cancellation: {describe(errors)}"
    after = await _order(client, order_id) or {}
    return None if after.get("cancelledAt") else \
        "Shopify has not cancelled the order yet (its cancel job is still running)"


async def _delivered(client: ShopifyClient, order_id: str, order: dict[str, Any]) -> str | None:
    fulfillment = _shipped(order)
    if fulfillment is None:
        return "Shopify records a delivery on a fulfillment; the order has none (ship it first)"
    if fulfillment.get("displayStatus") == "DELIVERED":
        return None
    result = await client.graphql(queries.FULFILLMENT_EVENT, {"event": {
        "fulfillmentId": fulfillment["id"], "status": "DELIVERED",
        "happenedAt": datetime.now(UTC).replace(microsecond=0).isoformat()}},
        what="fulfillmentEventCreate")
    payload = result.data.get("fulfillmentEventCreate") or {}
    errors = user_errors(payload)
    if errors:
        return f"Shopify refused the delivery: {describe(errors)}"
    after = _shipped(await _order(client, order_id) or {}) or {}
    return None if after.get("displayStatus") == "DELIVERED" else \
        "Shopify did not record the delivery"


async def push(client: ShopifyClient, update: StateUpdate) -> PushResult:
    """Write ``update.state`` (cancelled or delivered); accepted once read back."""
    order_id = update.platform_order_id
    if not (legacy_id(order_id) or "").isdigit():
        return PushResult.failed(order_id, f"'{order_id}' is not a Shopify order id",
                                 retryable=False)
    try:
        order = await _order(client, order_id)
        if order is None:
            return PushResult.failed(order_id, "Shopify has no such order", retryable=False)
        if update.state == S.CANCELLED:
            problem = await _cancel(client, order_id, order, update.reason)
        elif update.state == S.DELIVERED:
            if order.get("cancelledAt"):
                return PushResult.failed(order_id, "the order is cancelled on Shopify",
                                         retryable=False)
            problem = await _delivered(client, order_id, order)
        else:
            return PushResult.failed(order_id, f"Shopify cannot be set to {update.state}",
                                     retryable=False)
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    if problem:
        return PushResult.failed(order_id, problem, retryable="job is still running" in problem)
    return PushResult.ok(order_id)
