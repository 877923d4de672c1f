"""The mutations the sandbox serves, with Shopify's validation and ``userErrors``.

* ``inventorySetQuantities``: all or nothing; from 2026-04 the field needs
  ``@idempotent(key:)`` (a key replays its first answer; reused with other
  arguments it is refused) and from 2026-07 every quantity must state
  ``changeFromQuantity`` (``null`` skips the check); older versions compare
  ``compareQuantity`` unless ``ignoreCompareQuantity``.
* ``productVariantsBulkUpdate``: all or nothing; variants must belong to the product.
* ``fulfillmentCreate`` / ``fulfillmentTrackingInfoUpdate``: fulfillment
  orders must be open; quantities at most what remains; the order's
  fulfillment status and ``updatedAt`` follow.
* ``orderCancel``: refused for an order already cancelled or with a successful
  fulfillment (Shopify cancels only unfulfilled orders); the order's fulfillment
  orders are cancelled, so a later ``fulfillmentCreate`` is refused; the job is done
  at once (the real one runs in the background).
* ``fulfillmentEventCreate``: on a successful fulfillment of an order not
  cancelled; the fulfillment's ``displayStatus`` follows the event.
* ``bulkOperationRunQuery``: one running export at a time.
* ``bulkOperationCancel``: a running export goes ``CANCELING``, then ``CANCELED``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError, value_from_ast_untyped

from hub_shopify.sandbox.data import iso
from hub_shopify.sandbox.resolvers import ctx
from hub_shopify.sandbox.schema import is_modern

REASONS = frozenset({"correction", "cycle_count_available", "damaged", "movement_created",
                     "movement_updated", "movement_received", "movement_canceled", "other",
                     "promotion", "quality_control", "received", "reservation_created",
                     "reservation_deleted", "reservation_updated", "restock", "safety_stock",
                     "shrinkage"})


def _error(field: list[str], message: str, code: str | None = None) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}


def _idempotency_key(info: Any) -> str | None:
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value == "idempotent":
            for arg in directive.arguments or ():
                if arg.name.value == "key":
                    variables = info.variable_values  # graphql-core 3.3 wraps them
                    variables = getattr(variables, "coerced", variables)
                    value = value_from_ast_untyped(arg.value, variables)
                    return str(value) if value else None
    return None


def inventory_set_quantities(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    key = None
    if is_modern(context.version):
        key = _idempotency_key(info)
        if not key:
            raise GraphQLError("The @idempotent directive is required for this mutation.",
                               extensions={"code": "BAD_REQUEST"})
        digest = hashlib.sha256(json.dumps(input, sort_keys=True, default=str).encode()
                                ).hexdigest()
        seen = shop.idempotency.get(key)
        if seen is not None:
            if seen[0] != digest:
                raise GraphQLError("The idempotency key was already used with different "
                                   "arguments.", extensions={"code": "IDEMPOTENCY_KEY_REUSED"})
            return seen[1]
    errors: list[dict[str, Any]] = []
    if input["name"] not in ("available", "on_hand"):
        errors.append(_error(["input", "name"], "The quantity name must be available or "
                             "on_hand.", "INVALID_NAME"))
    if input["reason"] not in REASONS:
        errors.append(_error(["input", "reason"], "The specified reason is invalid.",
                             "INVALID_REASON"))
    store = shop.store
    changes = []
    for index, entry in enumerate(input["quantities"]):
        where = ["input", "quantities", str(index)]
        item = store.items.get(entry["inventoryItemId"])
        location = store.locations.get(entry["locationId"])
        if item is None:
            errors.append(_error([*where, "inventoryItemId"], "The specified inventory item "
                                 "could not be found.", "INVALID_INVENTORY_ITEM"))
            continue
        if location is None:
            errors.append(_error([*where, "locationId"], "The specified location could not be "
                                 "found.", "INVALID_LOCATION"))
            continue
        if entry["locationId"] not in item["_levels"]:
            errors.append(_error([*where, "locationId"], "The specified inventory item is not "
                                 "stocked at the location.", "ITEM_NOT_STOCKED_AT_LOCATION"))
            continue
        if entry["quantity"] < 0 and input["name"] == "on_hand":
            errors.append(_error([*where, "quantity"], "On hand quantity must be positive.",
                                 "INVALID_QUANTITY_NEGATIVE"))
            continue
        current = item["_levels"][entry["locationId"]]["available"]
        if context.version >= "2026-07" and "changeFromQuantity" not in entry:
            errors.append(_error([*where, "changeFromQuantity"], "changeFromQuantity is required "
                                 "(null to skip the check).", "CHANGE_FROM_QUANTITY_REQUIRED"))
            continue
        expected = entry.get("changeFromQuantity", entry.get("compareQuantity"))
        ignore = input.get("ignoreCompareQuantity", False) if not is_modern(context.version) \
            else False
        if expected is not None and not ignore and expected != current:
            errors.append(_error([*where, "changeFromQuantity" if is_modern(context.version)
                                  else "compareQuantity"],
                                 "The quantity changed since it was read.",
                                 "CHANGE_FROM_QUANTITY_STALE"))
            continue
        if expected is None and not is_modern(context.version) and not ignore:
            errors.append(_error([*where, "compareQuantity"], "compareQuantity is required "
                                 "unless ignoreCompareQuantity is true.", "COMPARE_QUANTITY_REQUIRED"))
            continue
        changes.append((item, location, entry["quantity"], current))
    if errors:
        result: dict[str, Any] = {"inventoryAdjustmentGroup": None, "userErrors": errors}
    else:
        group_id, _ = store.new_id("InventoryAdjustmentGroup", 30_000_000_000)
        out = []
        for item, location, quantity, current in changes:
            item["_levels"][location["id"]]["available"] = quantity
            shop.stock_pushes.append({"item": item["id"], "location": location["id"],
                                      "sku": item["sku"], "quantity": quantity})
            out.append({"name": input["name"], "delta": quantity - current,
                        "quantityAfterChange": quantity, "item": item, "location": location})
        result = {"inventoryAdjustmentGroup": {"id": group_id, "createdAt": iso(shop.now()),
                                               "reason": input["reason"], "changes": out},
                  "userErrors": []}
    if key is not None:
        shop.idempotency[key] = (digest, result)
    return result


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return Decimal(-1)
    return amount


def product_variants_bulk_update(_: Any, info: Any, productId: str,
                                 variants: list[dict[str, Any]],
                                 allowPartialUpdates: bool = False) -> dict[str, Any]:
    shop = ctx(info).shop
    store = shop.store
    product = store.products.get(productId)
    if product is None:
        return {"product": None, "productVariants": None,
                "userErrors": [_error(["productId"], "Product does not exist",
                                      "PRODUCT_DOES_NOT_EXIST")]}
    errors = []
    for index, entry in enumerate(variants):
        where = ["variants", str(index)]
        if entry.get("id") not in product["_variants"]:
            errors.append(_error([*where, "id"], "Product variant does not exist",
                                 "PRODUCT_VARIANT_DOES_NOT_EXIST"))
            continue
        for name in ("price", "compareAtPrice"):
            if name in entry and entry[name] is not None:
                amount = _money(entry[name])
                if amount is None or amount < 0:
                    errors.append(_error([*where, name], f"{name} must be a positive amount",
                                         "INVALID_INPUT"))
    if errors:
        return {"product": None, "productVariants": None, "userErrors": errors}
    updated = []
    for entry in variants:
        variant = store.variants[entry["id"]]
        for name in ("price", "compareAtPrice"):
            if name in entry:
                amount = _money(entry[name])
                variant[name] = None if amount is None else str(amount.quantize(Decimal("0.01")))
        shop.price_pushes.append({"variant": variant["id"], "sku": variant["sku"],
                                  "price": variant["price"],
                                  "compareAtPrice": variant["compareAtPrice"]})
        updated.append(variant)
    product["updatedAt"] = iso(shop.now())
    return {"product": product, "productVariants": updated, "userErrors": []}


def _tracking(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not data:
        return []
    numbers = data.get("numbers") or ([data["number"]] if data.get("number") else [])
    urls = data.get("urls") or ([data["url"]] if data.get("url") else [])
    return [{"company": data.get("company"), "number": n,
             "url": urls[i] if i < len(urls) else None} for i, n in enumerate(numbers)]


def fulfillment_create(_: Any, info: Any, fulfillment: dict[str, Any],
                       message: str | None = None) -> dict[str, Any]:
    shop = ctx(info).shop
    store = shop.store
    errors, plan, orders = [], [], set()
    for index, group in enumerate(fulfillment["lineItemsByFulfillmentOrder"]):
        where = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
        fo = store.fulfillment_orders.get(group["fulfillmentOrderId"])
        if fo is None:
            errors.append(_error([*where, "fulfillmentOrderId"], "Fulfillment order does not "
                                 "exist."))
            continue
        orders.add(fo["_order"])
        if fo["status"] not in ("OPEN", "IN_PROGRESS"):
            errors.append(_error([*where, "fulfillmentOrderId"], "Fulfillment order "
                                 f"{fo['id'].rsplit('/', 1)[-1]} has an unfulfillable status= "
                                 f"{fo['status'].lower()}."))
            continue
        wanted = group.get("fulfillmentOrderLineItems")
        by_id = {li["id"]: li for li in fo["_lines"]}
        if wanted is None:
            picks = [(li, li["remainingQuantity"]) for li in fo["_lines"]
                     if li["remainingQuantity"] > 0]
        else:
            picks = []
            for item in wanted:
                line = by_id.get(item["id"])
                if line is None or item["quantity"] <= 0 \
                        or item["quantity"] > line["remainingQuantity"]:
                    errors.append(_error([*where, "fulfillmentOrderLineItems"], "Invalid "
                                         "fulfillment order line item quantity requested."))
                    break
                picks.append((line, item["quantity"]))
        if not picks:
            errors.append(_error([*where], "Nothing left to fulfill in this fulfillment order."))
        plan.append((fo, picks))
    if len(orders) > 1:
        errors.append(_error(["fulfillment"], "All fulfillment orders must belong to one order."))
    if errors:
        return {"fulfillment": None, "userErrors": errors}
    order = store.orders[next(iter(orders))]
    for fo, picks in plan:
        for line, quantity in picks:
            line["remainingQuantity"] -= quantity
        fo["status"] = "CLOSED" if all(li["remainingQuantity"] == 0 for li in fo["_lines"]) \
            else "IN_PROGRESS"
    now = shop.now()
    created = store.add_fulfillment(order, now, _tracking(fulfillment.get("trackingInfo")))
    remaining = sum(li["remainingQuantity"] for fo_id in order["_fulfillment_orders"]
                    for li in store.fulfillment_orders[fo_id]["_lines"])
    order["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED" if remaining else "FULFILLED"
    order["updatedAt"] = iso(now)
    shop.tracking_pushes.append({"order": order["id"], "fulfillment": created["id"],
                                 "tracking": created["_tracking"],
                                 "notify": bool(fulfillment.get("notifyCustomer"))})
    return {"fulfillment": created, "userErrors": []}


def fulfillment_tracking_info_update(_: Any, info: Any, fulfillmentId: str,
                                     trackingInfoInput: dict[str, Any],
                                     notifyCustomer: bool | None = None) -> dict[str, Any]:
    shop = ctx(info).shop
    found = shop.store.fulfillments.get(fulfillmentId)
    if found is None:
        return {"fulfillment": None,
                "userErrors": [_error(["fulfillmentId"], "Fulfillment does not exist.")]}
    if found["status"] != "SUCCESS":
        return {"fulfillment": None,
                "userErrors": [_error(["fulfillmentId"], "The fulfillment is "
                                      f"{found['status'].lower()}.")]}
    found["_tracking"] = _tracking(trackingInfoInput)
    now = iso(shop.now())
    found["updatedAt"] = now
    shop.store.orders[found["_order"]]["updatedAt"] = now
    shop.tracking_pushes.append({"order": found["_order"], "fulfillment": found["id"],
                                 "tracking": found["_tracking"], "notify": bool(notifyCustomer)})
    return {"fulfillment": found, "userErrors": []}


def order_cancel(_: Any, info: Any, orderId: str, reason: str, restock: bool,
                 refund: bool | None = None, notifyCustomer: bool | None = None,
                 staffNote: str | None = None, refundMethod: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    shop = ctx(info).shop
    store = shop.store
    order = store.orders.get(orderId)

    def refused(message: str, code: str) -> dict[str, Any]:
        return {"job": None, "userErrors": [],
                "orderCancelUserErrors": [{"field": ["orderId"], "message": message,
                                           "code": code}]}

    if order is None:
        return refused("Order does not exist", "NOT_FOUND")
    if refund is not None and refundMethod is not None:
        return refused("Use either refund (deprecated) or refundMethod, not both", "INVALID")
    if refund is None and refundMethod is None:
        return refused("A refund method is required: refundMethod (or the deprecated refund)",
                       "INVALID")
    if refundMethod is not None:
        refund = bool(refundMethod.get("originalPaymentMethodsRefund")
                      or refundMethod.get("storeCreditRefund"))
    if order.get("cancelledAt"):
        return refused("Order has already been cancelled", "INVALID")
    if any(store.fulfillments[f]["status"] == "SUCCESS" for f in order["_fulfillments"]):
        return refused("Cannot cancel an order that has fulfillments", "INVALID")
    now = iso(shop.now())
    order["cancelledAt"] = order["updatedAt"] = now
    order["_cancel"] = {"reason": reason, "staffNote": staffNote, "restock": restock,
                        "refund": refund, "notify": notifyCustomer}
    for fo_id in order["_fulfillment_orders"]:
        store.fulfillment_orders[fo_id]["status"] = "CANCELLED"
    job_id, _ = store.new_id("Job", 77_000_000_000)
    return {"job": {"id": job_id, "done": True}, "orderCancelUserErrors": [], "userErrors": []}


def fulfillment_event_create(_: Any, info: Any, fulfillmentEvent: dict[str, Any]
                             ) -> dict[str, Any]:
    shop = ctx(info).shop
    found = shop.store.fulfillments.get(fulfillmentEvent["fulfillmentId"])
    if found is None:
        return {"fulfillmentEvent": None,
                "userErrors": [_error(["fulfillmentEvent", "fulfillmentId"],
                                      "Fulfillment does not exist.")]}
    order = shop.store.orders[found["_order"]]
    if found["status"] != "SUCCESS" or order.get("cancelledAt"):
        return {"fulfillmentEvent": None,
                "userErrors": [_error(["fulfillmentEvent", "fulfillmentId"],
                                      "Events can only be added to a successful fulfillment "
                                      "of an open order.")]}
    now = iso(shop.now())
    event_id, _ = shop.store.new_id("FulfillmentEvent", 88_000_000_000)
    event = {"id": event_id, "status": fulfillmentEvent["status"],
             "happenedAt": fulfillmentEvent.get("happenedAt") or now}
    found.setdefault("_events", []).append(event)
    found["displayStatus"] = fulfillmentEvent["status"]
    found["updatedAt"] = order["updatedAt"] = now
    return {"fulfillmentEvent": event, "userErrors": []}


def bulk_operation_run_query(_: Any, info: Any, query: str) -> dict[str, Any]:
    context = ctx(info)
    return context.shop.start_bulk(query, context.version, context.site)


def bulk_operation_cancel(_: Any, info: Any, id: str) -> dict[str, Any]:
    return ctx(info).shop.cancel_bulk(id)


METAFIELDS_PER_CALL = 25  # metafieldsSet takes at most 25 metafields
METAFIELD_TYPES = frozenset({"json", "single_line_text_field", "multi_line_text_field"})


def metafields_set(_: Any, info: Any, metafields: list[dict[str, Any]]) -> dict[str, Any]:
    """Create or update metafields of orders (all or none), as Shopify validates them."""
    shop = ctx(info).shop
    errors, plan = [], []
    if len(metafields) > METAFIELDS_PER_CALL:
        errors.append(_error(["metafields"], f"Exceeded the maximum metafields input limit of "
                             f"{METAFIELDS_PER_CALL}.", "LESS_THAN_OR_EQUAL_TO"))
    for index, field in enumerate(metafields):
        where = ["metafields", str(index)]
        order = shop.store.orders.get(field["ownerId"])
        kind = field.get("type") or "single_line_text_field"
        if order is None:
            errors.append(_error([*where, "ownerId"], "Owner does not exist.", "INVALID"))
            continue
        if kind not in METAFIELD_TYPES:
            errors.append(_error([*where, "type"], f"Type '{kind}' is not a valid type.",
                                 "INVALID_TYPE"))
            continue
        if kind == "json":
            try:
                json.loads(field["value"])
            except ValueError:
                errors.append(_error([*where, "value"], "Value is invalid JSON.", "INVALID_VALUE"))
                continue
        plan.append((order, field, kind))
    if errors:
        return {"metafields": None, "userErrors": errors}
    done = []
    for order, field, kind in plan:
        namespace = field.get("namespace") or "$app"
        stored = order.setdefault("_metafields", {})
        held = stored.get((namespace, field["key"]))
        metafield = held or {"id": f"gid://shopify/Metafield/{len(shop.metafield_writes) + 1}",
                             "namespace": namespace, "key": field["key"]}
        metafield.update({"type": kind, "value": field["value"]})
        stored[(namespace, field["key"])] = metafield
        order["updatedAt"] = iso(shop.now())
        shop.metafield_writes.append({"order": order["id"], **metafield})
        done.append(metafield)
    return {"metafields": done, "userErrors": []}


def order_update(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    shop = ctx(info).shop
    order = shop.store.orders.get(input["id"])
    if order is None:
        return {"order": None, "userErrors": [_error(["id"], "Order does not exist")]}
    if "note" in input:
        order["note"] = input["note"]
    order["updatedAt"] = iso(shop.now())
    return {"order": order, "userErrors": []}


MUTATIONS: dict[str, Callable[..., Any]] = {
    "metafieldsSet": metafields_set,
    "orderUpdate": order_update,
    "inventorySetQuantities": inventory_set_quantities,
    "productVariantsBulkUpdate": product_variants_bulk_update,
    "fulfillmentCreate": fulfillment_create,
    "fulfillmentTrackingInfoUpdate": fulfillment_tracking_info_update,
    "orderCancel": order_cancel,
    "fulfillmentEventCreate": fulfillment_event_create,
    "bulkOperationRunQuery": bulk_operation_run_query,
    "bulkOperationCancel": bulk_operation_cancel,
}
