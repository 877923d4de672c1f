"""Resolvers of the sandbox schema: queries, connections, search, mutations.

Schemas are cached per API version and shared by every sandbox in the
process, so resolvers are plain functions that reach their shop through
``info.context`` (:class:`Context`). Connections are keyset-paged like
Shopify's: a cursor encodes the sort key of the last record, so a record
modified between two pages moves behind the cursor and is listed again later,
and none is skipped.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSchema

if TYPE_CHECKING:
    from hub_shopify.sandbox.shop import ShopifySandbox

MAX_PAGE = 250
DENIED = ("This app is not approved to access the Customer object. See "
          "https://partners.shopify.com for more details.")
_TERM = re.compile(r"(\w+):(>=|<=|>|<)?'?([^'\s]+)'?")


@dataclass
class Context:
    """What a resolver needs: the shop, the served version, whether this is a bulk export."""

    shop: ShopifySandbox
    version: str
    site: str
    bulk: bool = False
    listed_orders: list[str] = field(default_factory=list)
    orders_after: str | None = None


def ctx(info: Any) -> Context:
    return info.context


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode_cursor(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise GraphQLError("Invalid cursor for current pagination sort.") from None


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def connection(info: Any, items: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any],
               first: int | None = None, after: str | None = None, last: int | None = None,
               before: str | None = None, **_: Any) -> dict[str, Any]:
    """A Relay connection over ``items`` (already sorted by ``key``)."""
    if not ctx(info).bulk:
        if first is None and last is None:
            raise GraphQLError("you must provide one of first or last",
                               extensions={"code": "BAD_REQUEST"})
        if (first or 0) > MAX_PAGE or (last or 0) > MAX_PAGE:
            raise GraphQLError(f"The maximum page size is {MAX_PAGE}.",
                               extensions={"code": "BAD_REQUEST"})
    if after:
        bound = _comparable(decode_cursor(after))
        items = [i for i in items if _comparable(key(i)) > bound]
    if before:
        bound = _comparable(decode_cursor(before))
        items = [i for i in items if _comparable(key(i)) < bound]
    has_next = False
    if first is not None:
        has_next = len(items) > first
        items = items[:first]
    elif last is not None:
        items = items[-last:] if last else []
    edges = [{"cursor": encode_cursor(key(i)), "node": i} for i in items]
    return {"edges": edges, "nodes": items,
            "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": bool(after),
                         "startCursor": edges[0]["cursor"] if edges else None,
                         "endCursor": edges[-1]["cursor"] if edges else None}}


def _time(value: str) -> str:
    """A search timestamp as the sandbox's ``...Z`` form (date-only means midnight UTC)."""
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text if "T" in text else f"{text}T00:00:00+00:00")
    except ValueError:
        raise GraphQLError(f"Invalid search date '{value}'") from None
    if parsed.tzinfo is None:
        raise GraphQLError(f"Invalid search date '{value}'")
    from hub_shopify.sandbox.data import iso

    return iso(parsed)


def _field_check(field_name: str, bound: str, compare: Callable[[str, str], bool]
                 ) -> Callable[[dict[str, Any]], bool]:
    return lambda o: compare(o[field_name], bound)


def _active_check(wanted: bool) -> Callable[[dict[str, Any]], bool]:
    return lambda o: bool(o.get("isActive")) == wanted


def search_filter(query: str | None) -> Callable[[dict[str, Any]], bool]:
    """Shopify's search syntax, as far as the sandbox needs it: ``updated_at``/``created_at``
    comparisons and ``active:true``; other terms are ignored, as Shopify ignores unknown ones."""
    checks: list[Callable[[dict[str, Any]], bool]] = []
    for name, op, raw in _TERM.findall(query or ""):
        if name in ("updated_at", "created_at"):
            field_name = "updatedAt" if name == "updated_at" else "createdAt"
            bound = _time(raw)
            op = op or "="
            compare: dict[str, Callable[[str, str], bool]] = {
                ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
                "<": lambda a, b: a < b, "=": lambda a, b: a[:10] == b[:10]}
            checks.append(_field_check(field_name, bound, compare[op]))
        elif name == "active":
            wanted = raw.lower() == "true"
            checks.append(_active_check(wanted))
    return lambda item: all(check(item) for check in checks)


# --- query root -----------------------------------------------------------------------

def q_shop(_: Any, info: Any) -> dict[str, Any]:
    return ctx(info).shop.shop_object()


ORDER_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "UPDATED_AT": lambda o: [o["updatedAt"], int(o["legacyResourceId"])],
    "CREATED_AT": lambda o: [o["createdAt"], int(o["legacyResourceId"])],
    "PROCESSED_AT": lambda o: [o["processedAt"], int(o["legacyResourceId"])],
    "ID": lambda o: int(o["legacyResourceId"]),
    "TOTAL_PRICE": lambda o: [float(o["currentTotalPriceSet"]["shopMoney"]["amount"]),
                              int(o["legacyResourceId"])],
}


def q_orders(_: Any, info: Any, query: str | None = None, sortKey: str = "ID",
             reverse: bool = False, **page: Any) -> dict[str, Any]:
    if reverse:
        raise GraphQLError("reverse is not supported by the sandbox")
    context = ctx(info)
    key = ORDER_KEYS[sortKey]
    wanted = search_filter(query)
    items = sorted((o for o in context.shop.store.orders.values() if wanted(o)), key=key)
    result = connection(info, items, key, **page)
    context.listed_orders = [n["id"] for n in result["nodes"]]
    context.orders_after = page.get("after")
    return result


def q_order(_: Any, info: Any, id: str) -> dict[str, Any] | None:
    return ctx(info).shop.store.orders.get(id)


def q_products(_: Any, info: Any, query: str | None = None, sortKey: str = "ID",
               reverse: bool = False, **page: Any) -> dict[str, Any]:
    items = sorted(ctx(info).shop.store.products.values(),
                   key=lambda p: int(p["legacyResourceId"]))
    return connection(info, items, lambda p: int(p["legacyResourceId"]), **page)


def q_product(_: Any, info: Any, id: str) -> dict[str, Any] | None:
    return ctx(info).shop.store.products.get(id)


def q_variant(_: Any, info: Any, id: str) -> dict[str, Any] | None:
    return ctx(info).shop.store.variants.get(id)


def q_locations(_: Any, info: Any, query: str | None = None, **page: Any) -> dict[str, Any]:
    wanted = search_filter(query)
    items = sorted((loc for loc in ctx(info).shop.store.locations.values() if wanted(loc)),
                   key=lambda loc: int(loc["legacyResourceId"]))
    return connection(info, items, lambda loc: int(loc["legacyResourceId"]), **page)


def q_node(_: Any, info: Any, id: str) -> dict[str, Any] | None:
    return ctx(info).shop.lookup(id)


def q_nodes(_: Any, info: Any, ids: list[str]) -> list[dict[str, Any] | None]:
    if len(ids) > MAX_PAGE:
        raise GraphQLError(f"The maximum number of ids is {MAX_PAGE}.")
    return [ctx(info).shop.lookup(i) for i in ids]


def q_current_bulk(_: Any, info: Any, type: str = "QUERY") -> dict[str, Any] | None:
    return ctx(info).shop.current_bulk()


# --- objects ----------------------------------------------------------------------------

def protected(name: str) -> Callable[..., Any]:
    """A customer field: null plus an ``ACCESS_DENIED`` error without protected-data access."""
    def resolve(order: dict[str, Any], info: Any) -> Any:
        if not ctx(info).shop.customer_data:
            raise GraphQLError(DENIED, extensions={"code": "ACCESS_DENIED"})
        return order.get(name)

    return resolve


def order_lines(order: dict[str, Any], info: Any, **page: Any) -> dict[str, Any]:
    store = ctx(info).shop.store
    items = [store.line_items[i] for i in order["_lines"]]
    return connection(info, items, lambda li: int(li["id"].rsplit("/", 1)[-1]), **page)


def order_fulfillment_orders(order: dict[str, Any], info: Any, **page: Any) -> dict[str, Any]:
    store = ctx(info).shop.store
    items = [store.fulfillment_orders[i] for i in order["_fulfillment_orders"]]
    return connection(info, items, lambda fo: int(fo["id"].rsplit("/", 1)[-1]), **page)


def order_fulfillments(order: dict[str, Any], info: Any, first: int | None = None
                       ) -> list[dict[str, Any]]:
    store = ctx(info).shop.store
    items = [store.fulfillments[i] for i in order["_fulfillments"]]
    return items[:first] if first is not None else items


def order_metafield(order: dict[str, Any], info: Any, key: str, namespace: str | None = None
                    ) -> dict[str, Any] | None:
    return (order.get("_metafields") or {}).get((namespace or "$app", key))


def relation(key: str, table: str) -> Callable[..., Any]:
    """Follow ``obj[key]`` (a gid) into the store's ``table``."""
    def resolve(obj: dict[str, Any], info: Any) -> Any:
        target = obj.get(key)
        return getattr(ctx(info).shop.store, table).get(target) if target else None

    return resolve


def product_variants(product: dict[str, Any], info: Any, **page: Any) -> dict[str, Any]:
    store = ctx(info).shop.store
    items = [store.variants[v] for v in product["_variants"]]
    return connection(info, items, lambda v: int(v["legacyResourceId"]), **page)


def product_inventory(product: dict[str, Any], info: Any) -> int:
    store = ctx(info).shop.store
    return sum(store.available(v) for v in product["_variants"])


def variant_quantity(variant: dict[str, Any], info: Any) -> int:
    return ctx(info).shop.store.available(variant["id"])


def item_level(item: dict[str, Any], info: Any, locationId: str) -> dict[str, Any] | None:
    if locationId not in item["_levels"]:
        return None
    return {"id": f"gid://shopify/InventoryLevel/{item['legacyResourceId']}"
                  f"?inventory_item_id={item['legacyResourceId']}",
            "_item": item["id"], "_location": locationId}


def level_quantities(level: dict[str, Any], info: Any, names: list[str]) -> list[dict[str, Any]]:
    store = ctx(info).shop.store
    quantities = store.items[level["_item"]]["_levels"][level["_location"]]
    available = quantities["available"]
    known = {"available": available, "on_hand": available, "committed": 0, "incoming": 0}
    return [{"name": n, "quantity": known[n]} for n in names if n in known]


def fo_lines(fo: dict[str, Any], info: Any, **page: Any) -> dict[str, Any]:
    return connection(info, fo["_lines"], lambda li: int(li["id"].rsplit("/", 1)[-1]), **page)


def fo_actions(fo: dict[str, Any], info: Any) -> list[dict[str, str]]:
    if fo["status"] in ("OPEN", "IN_PROGRESS"):
        return [{"action": a} for a in ("CREATE_FULFILLMENT", "HOLD", "MOVE")]
    if fo["status"] == "ON_HOLD":
        return [{"action": "RELEASE_HOLD"}]
    return []


def tracking_info(fulfillment: dict[str, Any], info: Any, first: int | None = None
                  ) -> list[dict[str, Any]]:
    items = fulfillment["_tracking"]
    return items[:first] if first is not None else items


RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Query", "shop"): q_shop,
    ("Query", "orders"): q_orders,
    ("Query", "order"): q_order,
    ("Query", "products"): q_products,
    ("Query", "product"): q_product,
    ("Query", "productVariant"): q_variant,
    ("Query", "locations"): q_locations,
    ("Query", "node"): q_node,
    ("Query", "nodes"): q_nodes,
    ("Query", "currentBulkOperation"): q_current_bulk,
    ("Order", "customer"): protected("customer"),
    ("Order", "email"): protected("email"),
    ("Order", "phone"): protected("phone"),
    ("Order", "shippingAddress"): protected("shippingAddress"),
    ("Order", "billingAddress"): protected("billingAddress"),
    ("Order", "lineItems"): order_lines,
    ("Order", "fulfillmentOrders"): order_fulfillment_orders,
    ("Order", "fulfillments"): order_fulfillments,
    ("Order", "metafield"): order_metafield,
    ("LineItem", "variant"): relation("_variant", "variants"),
    ("LineItem", "product"): relation("_product", "products"),
    ("Product", "variants"): product_variants,
    ("Product", "totalInventory"): product_inventory,
    ("ProductVariant", "product"): relation("_product", "products"),
    ("ProductVariant", "inventoryItem"): relation("_item", "items"),
    ("ProductVariant", "inventoryQuantity"): variant_quantity,
    ("InventoryItem", "variant"): relation("_variant", "variants"),
    ("InventoryItem", "inventoryLevel"): item_level,
    ("InventoryLevel", "location"): relation("_location", "locations"),
    ("InventoryLevel", "quantities"): level_quantities,
    ("FulfillmentOrder", "lineItems"): fo_lines,
    ("FulfillmentOrder", "supportedActions"): fo_actions,
    ("FulfillmentOrderLineItem", "lineItem"): relation("_line", "line_items"),
    ("Fulfillment", "trackingInfo"): tracking_info,
}


def attach(schema: GraphQLSchema, mutations: dict[str, Callable[..., Any]]) -> GraphQLSchema:
    """Install the resolvers on ``schema`` (once; schemas are shared)."""
    if getattr(schema, "_hub_resolvers", False):
        return schema
    for (type_name, field_name), resolver in RESOLVERS.items():
        schema.get_type(type_name).fields[field_name].resolve = resolver  # type: ignore[union-attr]
    mutation_type = schema.mutation_type
    assert mutation_type is not None
    for name, resolver in mutations.items():
        mutation_type.fields[name].resolve = resolver
    node = schema.get_type("Node")
    node.resolve_type = lambda obj, info, kind: obj.get("__typename")  # type: ignore[union-attr]
    schema._hub_resolvers = True  # type: ignore[attr-defined]
    return schema
