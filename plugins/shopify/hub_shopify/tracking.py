"""Pushing a shipment: a fulfillment with tracking, or a tracking update of an existing one.

Shopify ships through fulfillment orders. For a shipment the plugin reads the
order's fulfillments and fulfillment orders, then:

* a fulfillment already carrying this tracking number -> nothing to send
  (a retried push never fulfils twice);
* open fulfillment orders with something left to ship -> ``fulfillmentCreate``
  for the shipment's lines (matched by line item id, else SKU), or for
  everything left when the shipment names no lines, with ``trackingInfo``
  {company, number, url} and ``notifyCustomer`` (setting ``notify_customer``);
* nothing left to ship -> the tracking of the latest fulfillment changed:
  ``fulfillmentTrackingInfoUpdate``;
* the hub ships the order again (``shipment.replaces``) -> the fulfillment
  carrying the earlier tracking number gets ``fulfillmentTrackingInfoUpdate``,
  never a second fulfillment.

The answer's tracking info must show the pushed number before the push counts
as accepted. Shopify has no place for invoice data; it is not sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from hub import DataError, PlatformError, PushResult, RateLimited, Shipment, TransientError
from hub_shopify import queries
from hub_shopify.client import ShopifyClient, describe, user_errors
from hub_shopify.ids import gid, legacy_id

OPEN = frozenset({"OPEN", "IN_PROGRESS"})


def _tracking(shipment: Shipment) -> dict[str, Any]:
    data: dict[str, Any] = {"company": shipment.carrier, "number": shipment.tracking_number}
    if shipment.tracking_url:
        data["url"] = shipment.tracking_url
    return data


def _shows(fulfillment: dict[str, Any] | None, shipment: Shipment) -> bool:
    infos = (fulfillment or {}).get("trackingInfo") or []
    return any(isinstance(i, dict) and i.get("number") == shipment.tracking_number
               and (i.get("company") or "") == shipment.carrier
               and (not shipment.tracking_url or i.get("url") == shipment.tracking_url)
               for i in infos)


def line_items_by_fulfillment_order(fulfillment_orders: list[dict[str, Any]],
                                    shipment: Shipment) -> list[dict[str, Any]]:
    """The ``lineItemsByFulfillmentOrder`` input for ``shipment`` (empty: nothing to ship)."""
    usable = [fo for fo in fulfillment_orders if fo.get("status") in OPEN
              and any(a.get("action") == "CREATE_FULFILLMENT"
                      for a in fo.get("supportedActions") or [])]
    if not shipment.lines:
        return [{"fulfillmentOrderId": fo["id"]} for fo in usable
                if any((li.get("remainingQuantity") or 0) > 0
                       for li in (fo.get("lineItems") or {}).get("nodes") or [])]
    wanted: dict[str, Decimal] = {}
    for line in shipment.lines:
        key = line.platform_line_id or (f"sku:{line.sku}" if line.sku else None)
        if key:
            wanted[key] = wanted.get(key, Decimal(0)) + line.quantity
    out = []
    for fo in usable:
        chosen = []
        for li in (fo.get("lineItems") or {}).get("nodes") or []:
            item = li.get("lineItem") or {}
            remaining = int(li.get("remainingQuantity") or 0)
            for key in (legacy_id(item.get("id")), f"sku:{item.get('sku')}"):
                if key in wanted and wanted[key] > 0 and remaining > 0:
                    take = int(min(Decimal(remaining), wanted[key]))
                    if take > 0:
                        chosen.append({"id": li["id"], "quantity": take})
                        wanted[key] -= take
                    break
        if chosen:
            out.append({"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": chosen})
    return out


def _earlier(done: list[dict[str, Any]], shipment: Shipment) -> dict[str, Any] | None:
    """The fulfillment holding the tracking this shipment replaces, if any."""
    if shipment.replaces is None:
        return None
    number = shipment.replaces.tracking_number
    return next((f for f in done for i in f.get("trackingInfo") or []
                 if isinstance(i, dict) and i.get("number") == number), None)


async def _create(client: ShopifyClient, shipment: Shipment, groups: list[dict[str, Any]],
                  notify: bool) -> str | None:
    result = await client.graphql(queries.FULFILLMENT_CREATE, {"fulfillment": {
        "lineItemsByFulfillmentOrder": groups, "trackingInfo": _tracking(shipment),
        "notifyCustomer": notify}}, what="fulfillmentCreate")
    payload = result.data.get("fulfillmentCreate") or {}
    errors = user_errors(payload)
    if errors:
        raise PlatformError(describe(errors))
    return None if _shows(payload.get("fulfillment"), shipment) else \
        "Shopify did not confirm the fulfillment's tracking"


async def _update(client: ShopifyClient, shipment: Shipment, fulfillment_id: str,
                  notify: bool) -> str | None:
    result = await client.graphql(queries.TRACKING_UPDATE, {
        "id": fulfillment_id, "tracking": _tracking(shipment), "notify": notify},
        idempotent=True, what="fulfillmentTrackingInfoUpdate")
    payload = result.data.get("fulfillmentTrackingInfoUpdate") or {}
    errors = user_errors(payload)
    if errors:
        raise PlatformError(describe(errors))
    return None if _shows(payload.get("fulfillment"), shipment) else \
        "Shopify did not confirm the new tracking"


async def push(client: ShopifyClient, shipment: Shipment) -> PushResult:
    """Send ``shipment`` (see the module docstring); keyed by the platform order id."""
    order_id = shipment.platform_order_id
    if not (legacy_id(order_id) or "").isdigit():
        return PushResult.failed(order_id, f"'{order_id}' is not a Shopify order id",
                                 retryable=False)
    notify = client.account.setting_bool("notify_customer", True)
    try:
        result = await client.graphql(queries.ORDER_FULFILLMENT, {"id": gid("Order", order_id)},
                                      what=f"fulfillments of order {order_id}")
        order = result.data.get("order")
        if not isinstance(order, dict):
            return PushResult.failed(order_id, "Shopify has no such order", retryable=False)
        if order.get("cancelledAt"):
            return PushResult.failed(order_id, "the order is cancelled on Shopify",
                                     retryable=False)
        done = [f for f in order.get("fulfillments") or []
                if isinstance(f, dict) and f.get("status") not in ("CANCELLED", "ERROR",
                                                                   "FAILURE")]
        if any(_shows(f, shipment) for f in done):
            return PushResult.ok(order_id)
        fulfillment_orders = (order.get("fulfillmentOrders") or {}).get("nodes") or []
        earlier = _earlier(done, shipment)
        groups = [] if earlier else line_items_by_fulfillment_order(fulfillment_orders, shipment)
        action: Literal["created", "updated"] = "updated"
        if earlier:
            problem = await _update(client, shipment, str(earlier["id"]), notify)
        elif groups:
            problem = await _create(client, shipment, groups, notify)
            action = "created"
        elif done:
            latest = max(done, key=lambda f: str(f.get("createdAt") or ""))
            problem = await _update(client, shipment, str(latest["id"]), notify)
        elif shipment.lines:
            return PushResult.failed(order_id, "none of the shipment's lines is open for "
                                     "fulfillment on Shopify", retryable=False)
        else:
            return PushResult.failed(order_id, "the order has nothing to fulfill on Shopify",
                                     retryable=False)
    except PlatformError as exc:
        return PushResult.failed(order_id, exc.message, retryable=False)
    except (TransientError, RateLimited, DataError) as exc:
        return PushResult.failed(order_id, exc.message)
    return PushResult.failed(order_id, problem) if problem else PushResult.ok(order_id, action)
