"""The order lifecycle on VTEX: what OMS statuses mean, and the states the hub writes.

Read: ``waiting-for-sellers-confirmation``, ``payment-pending``,
``window-to-cancel`` -> new; ``payment-approved``, ``ready-for-handling`` ->
ready; ``handling`` -> handling; ``invoiced`` -> invoiced; ``canceled`` ->
cancelled (``cancellation-requested`` is left alone: VTEX may still refuse it).

Written (the ``status`` flow), each confirmed by reading the order back:

* ``handling`` -> ``POST /api/oms/pvt/orders/{id}/start-handling`` (only from
  ``ready-for-handling``; VTEX answers 409 otherwise);
* ``cancelled`` -> ``POST /api/oms/pvt/orders/{id}/cancel`` with the reason
  (VTEX refuses it once the order is invoiced: a return invoice is needed then);
* ``delivered`` -> ``PUT /api/oms/pvt/orders/{id}/invoice/{invoiceNumber}/tracking``
  with ``isDelivered: true``, on the newest output invoice that carries a tracking
  number (VTEX takes tracking events only there: ship the order first).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub import HubError, OrderState, PlatformError, PushResult, StateUpdate, TransientError
from hub_vtex.client import VtexClient, segment

S = OrderState

ORDER_STATES: dict[str, OrderState] = {
    "waiting-for-sellers-confirmation": S.NEW, "payment-pending": S.NEW,
    "window-to-cancel": S.NEW, "payment-approved": S.READY, "ready-for-handling": S.READY,
    "handling": S.HANDLING, "invoiced": S.INVOICED, "canceled": S.CANCELLED,
}
WRITES_STATES = [S.HANDLING, S.CANCELLED, S.DELIVERED]
CANCELLED = ("canceled", "cancellation-requested")


def _error(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or f"HTTP {response.status_code}")


async def _handling(client: VtexClient, order_id: str, order: dict[str, Any]) -> str | None:
    if order.get("status") == "handling":
        return None
    if not await client.start_handling(order_id):
        return (f"VTEX has the order '{order.get('status')}': start-handling needs "
                "ready-for-handling")
    after = await client.order(order_id) or {}
    return None if after.get("status") == "handling" else \
        f"VTEX kept the order '{after.get('status')}'"


async def _cancel(client: VtexClient, order_id: str, order: dict[str, Any],
                  reason: str | None) -> str | None:
    if order.get("status") in CANCELLED:
        return None
    response = await client.oms.post(f"api/oms/pvt/orders/{segment(order_id)}/cancel",
                                     json={"reason": reason or "Canceled by the seller"},
                                     expect={400, 409})
    if response.status_code >= 400:
        return f"VTEX refused the cancellation: {_error(response)}"
    after = await client.order(order_id) or {}
    return None if after.get("status") in CANCELLED else \
        f"VTEX kept the order '{after.get('status')}'"


def _tracked_invoice(order: dict[str, Any]) -> dict[str, Any] | None:
    packages = (order.get("packageAttachment") or {}).get("packages") or []
    tracked = [p for p in packages if p.get("type", "Output") == "Output" and p.get("trackingNumber")]
    return tracked[-1] if tracked else None


async def _delivered(client: VtexClient, order_id: str, order: dict[str, Any]) -> str | None:
    package = _tracked_invoice(order)
    if package is None:
        return ("VTEX records a delivery only on an invoice with a tracking number; the order "
                "has none (ship it first)")
    if (package.get("courierStatus") or {}).get("finished"):
        return None
    number = segment(str(package["invoiceNumber"]))
    body = {"isDelivered": True,
            "deliveredDate": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "events": [{"description": "Delivered", "date": datetime.now(UTC).date().isoformat()}]}
    response = await client.oms.put(
        f"api/oms/pvt/orders/{segment(order_id)}/invoice/{number}/tracking", json=body,
        expect={400, 404, 409})
    if response.status_code >= 400:
        return f"VTEX refused the delivery: {_error(response)}"
    after = _tracked_invoice(await client.order(order_id) or {}) or {}
    return None if (after.get("courierStatus") or {}).get("finished") else \
        "VTEX did not record the delivery"


async def push(client: VtexClient, update: StateUpdate) -> PushResult:
    """Write ``update.state`` to the order; accepted once the order read back shows it."""
    order_id = update.platform_order_id
    try:
        order = await client.order(order_id)
        if order is None:
            return PushResult.failed(order_id, f"VTEX has no order {order_id}", retryable=False)
        if update.state == S.HANDLING:
            problem = await _handling(client, order_id, order)
        elif update.state == S.CANCELLED:
            problem = await _cancel(client, order_id, order, update.reason)
        elif update.state == S.DELIVERED:
            problem = await _delivered(client, order_id, order)
        else:
            return PushResult.failed(order_id, f"VTEX cannot be set to {update.state}",
                                     retryable=False)
    except TransientError as exc:
        return PushResult.failed(order_id, exc.message)
    except (PlatformError, HubError) as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    if problem:
        return PushResult.failed(order_id, problem, retryable=False)
    return PushResult.ok(order_id)
