"""The order lifecycle on WooCommerce: what its statuses mean, and the states the hub writes.

WooCommerce's order statuses (``pending``, ``on-hold``, ``processing``,
``completed``, ``cancelled``, ``refunded``, ``failed``) are read as the hub's
states below. WooCommerce has no "handling", "invoiced" or "delivered" of its
own: the hub writes only what a status can say.

* ``cancelled`` -> ``PUT /orders/{id}`` ``status: cancelled``, with the reason as
  a private order note (WooCommerce restocks the items itself when the store
  manages stock);
* ``delivered`` -> ``status: completed`` ("fulfilled and complete").

The store's REST API accepts any status from any status, so the plugin guards
what WooCommerce's admin would not do by hand: a cancelled, refunded or failed
order is never completed, and a completed or refunded order is never cancelled
(the push fails, saying so, and nothing is written). Every write is read back.
"""

from __future__ import annotations

from hub import DataError, OrderState, PlatformError, PushResult, StateUpdate, TransientError
from hub_woocommerce.client import API, WooClient, json_object

S = OrderState

ORDER_STATES: dict[str, OrderState] = {
    "pending": S.NEW, "on-hold": S.NEW, "checkout-draft": S.NEW,
    "processing": S.READY,
    "completed": S.SHIPPED,
    "cancelled": S.CANCELLED, "refunded": S.CANCELLED, "failed": S.CANCELLED,
}
"""What each WooCommerce status means to the hub (a refund after shipping is a return)."""

WRITES: dict[OrderState, str] = {S.CANCELLED: "cancelled", S.DELIVERED: "completed"}
WRITES_STATES = list(WRITES)

#: store statuses from which a status may not be written, per target
CLOSED_FOR: dict[OrderState, frozenset[str]] = {
    S.CANCELLED: frozenset({"completed", "refunded", "trash"}),
    S.DELIVERED: frozenset({"cancelled", "refunded", "failed", "trash"}),
}


async def push(client: WooClient, update: StateUpdate) -> PushResult:
    """Set the order's status for ``update.state``; accepted once the store shows it."""
    order_id = update.platform_order_id
    wanted = WRITES.get(update.state)
    if wanted is None:
        return PushResult.failed(order_id, f"WooCommerce has no status for {update.state}",
                                 retryable=False)
    try:
        order = json_object(await client.get(f"orders/{order_id}"), f"order {order_id}")
        status = str(order.get("status"))
        if status == wanted:
            return PushResult.ok(order_id)  # already there (a repeated push)
        if status in CLOSED_FOR[update.state]:
            return PushResult.failed(order_id, f"the store has order {order_id} {status}: it "
                                               f"cannot become {wanted}", retryable=False)
        if update.reason:
            note = f"{wanted.capitalize()} by the hub: {update.reason}"
            await client.post(f"{API}/orders/{order_id}/notes",
                              {"note": note, "customer_note": False})
        after = json_object(await client.put(f"{API}/orders/{order_id}", {"status": wanted}),
                            f"order {order_id}")
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    if after.get("status") != wanted:
        return PushResult.failed(order_id, f"the store kept the order '{after.get('status')}'")
    return PushResult.ok(order_id)
