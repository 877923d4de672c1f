"""The order lifecycle on Tiendanube: what its statuses mean, and the states the hub writes.

The hub's status of an order (:func:`hub_nuvemshop.mapping.hub_status`) reads as
the states below. The API moves an order with one action each:

* ``handling`` -> ``POST /orders/{id}/pack`` (the order is packed);
* ``delivered`` -> ``POST /orders/{id}/close`` (the order is done and archived);
* ``cancelled`` -> ``POST /orders/{id}/cancel`` with ``reason`` ``other`` (the store
  restocks the items, as the API does by default).

``shipped`` goes through ``push_tracking`` (``POST /orders/{id}/fulfill``). The
store refuses what its admin would not do (cancelling a fulfilled or closed order,
closing a cancelled one): the sandbox does the same, and the plugin checks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import DataError, OrderState, PlatformError, PushResult, StateUpdate, TransientError, json_object
from hub_nuvemshop.mapping import hub_status

if TYPE_CHECKING:  # info imports this module, and the client imports info
    from hub_nuvemshop.client import StoreClient

S = OrderState

ORDER_STATES: dict[str, OrderState] = {
    "pending": S.NEW, "authorized": S.NEW, "abandoned": S.CANCELLED,
    "paid": S.READY, "packed": S.HANDLING, "fulfilled": S.SHIPPED, "closed": S.DELIVERED,
    "cancelled": S.CANCELLED, "voided": S.CANCELLED, "refunded": S.CANCELLED,
}

#: hub state -> (the action's path, the hub status the order then shows)
WRITES: dict[OrderState, tuple[str, str]] = {
    S.HANDLING: ("pack", "packed"), S.DELIVERED: ("close", "closed"),
    S.CANCELLED: ("cancel", "cancelled"),
}
WRITES_STATES = list(WRITES)

#: hub statuses from which an action is refused, per target
CLOSED_FOR: dict[OrderState, frozenset[str]] = {
    S.HANDLING: frozenset({"cancelled", "closed", "fulfilled", "refunded", "voided"}),
    S.DELIVERED: frozenset({"cancelled", "refunded", "voided"}),
    S.CANCELLED: frozenset({"fulfilled", "closed"}),
}


async def push(client: StoreClient, update: StateUpdate) -> PushResult:
    """Take the order to ``update.state``; accepted once the store shows it."""
    order_id = update.platform_order_id
    action, wanted = WRITES[update.state]
    try:
        order = json_object(await client.get(f"orders/{order_id}"), f"order {order_id}")
        status = hub_status(order)
        if status == wanted:
            return PushResult.ok(order_id)  # already there (a repeated push)
        if status in CLOSED_FOR[update.state]:
            return PushResult.failed(order_id, f"the store has order {order_id} {status}: it "
                                               f"cannot be {wanted}", retryable=False)
        body: dict[str, object] = {"reason": "other"} if action == "cancel" else {}
        after = json_object(await client.post(f"orders/{order_id}/{action}", body),
                            f"order {order_id}")
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    if hub_status(after) != wanted:
        return PushResult.failed(order_id, f"the store kept the order '{hub_status(after)}'")
    return PushResult.ok(order_id)
