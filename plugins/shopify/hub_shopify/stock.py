"""Pushing stock: ``inventorySetQuantities``, up to 250 quantities per call, each confirmed.

Each update sets the ``available`` quantity (reason ``correction``) of the
variant's inventory item at a location: the update's ``warehouse``, else the
``location_id`` setting, else the shop's only active location. The hub is the
source of truth, so no compare-and-set: from API 2026-04 each quantity carries
``changeFromQuantity: null`` (mandatory from 2026-07) and the mutation an
``@idempotent(key:)`` directive (required from 2026-04), a fresh key per call
that the HTTP retries of that call reuse; older versions send
``ignoreCompareQuantity: true``.

Shopify applies a call all or nothing: quantities it rejects (``userErrors``
pointing at ``input.quantities.N``) fail for good and the others are sent
again without them. An item is accepted only when Shopify holds the pushed
quantity: the mutation's own ``changes`` say so (``quantityAfterChange``), so a
batch costs one call; an item they do not mention is read back
(``inventoryItem.inventoryLevel(locationId).quantities(names: ["available"])``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub import (
    ConfigError,
    DataError,
    PlatformError,
    PushResult,
    RateLimited,
    StockUpdate,
    TransientError,
)
from hub_shopify import queries
from hub_shopify.client import ShopifyClient, describe, user_errors, version_at_least
from hub_shopify.cost import requested_cost
from hub_shopify.ids import gid, legacy_id
from hub_shopify.info import MAX_QUERY_COST, STOCK_BATCH
from hub_shopify.variants import Unresolved, inventory_items, variant_of

REASON = "correction"
NAME = "available"


@dataclass
class Planned:
    index: int
    key: str
    item: str
    location: str
    quantity: int


async def location(client: ShopifyClient, update: StockUpdate) -> str:
    """The location gid for ``update`` (see the module docstring)."""
    raw = update.warehouse or client.account.setting("location_id")
    if raw:
        return gid("Location", raw)
    cached = client.memo.get("location")
    if cached is None:
        result = await client.graphql(queries.LOCATIONS, what="locations")
        nodes = [n for n in (result.data.get("locations") or {}).get("nodes") or []
                 if isinstance(n, dict) and n.get("isActive", True)]
        if len(nodes) != 1:
            names = ", ".join(f"{legacy_id(n.get('id'))} ({n.get('name')})" for n in nodes)
            raise ConfigError(f"{client.account.label}: the shop has {len(nodes)} active "
                              f"locations ({names}); choose the one stock is pushed to",
                              hint=f"run: hub accounts set {client.account.name} location_id=ID")
        cached = client.memo["location"] = str(nodes[0]["id"])
    return str(cached)


def _input(client: ShopifyClient, batch: list[Planned]) -> tuple[str, dict[str, Any]]:
    modern = version_at_least(client.version, "2026-04")
    quantities = []
    for p in batch:
        entry: dict[str, Any] = {"inventoryItemId": p.item, "locationId": p.location,
                                 "quantity": p.quantity}
        if modern:
            entry["changeFromQuantity"] = None
        quantities.append(entry)
    data: dict[str, Any] = {"name": NAME, "reason": REASON, "quantities": quantities}
    if not modern:
        data["ignoreCompareQuantity"] = True
        return queries.SET_QUANTITIES_LEGACY, {"input": data}
    return queries.SET_QUANTITIES, {"input": data, "key": str(uuid.uuid4())}


def _bad_index(error: dict[str, Any]) -> int | None:
    path = error.get("field") or []
    if len(path) >= 3 and path[0] == "input" and path[1] == "quantities":
        try:
            return int(path[2])
        except (TypeError, ValueError):
            return None
    return None


def _confirm(batch: list[Planned], payload: Any, results: list[PushResult | None]) -> list[Planned]:
    """Settle the items the mutation's own ``changes`` confirm; return those it does not mention.

    Each change carries ``quantityAfterChange`` for an inventory item: equal to
    the quantity sent is a success, anything else a failure. An item without
    a change (Shopify lists none when the quantity already was that) is left
    for the read-back.
    """
    group = (payload or {}).get("inventoryAdjustmentGroup") if isinstance(payload, dict) else None
    after = {(c.get("item") or {}).get("id"): c.get("quantityAfterChange")
             for c in (group or {}).get("changes") or []
             if isinstance(c, dict) and c.get("name") == NAME}
    unconfirmed = []
    for p in batch:
        if p.item not in after:
            unconfirmed.append(p)
        elif after[p.item] == p.quantity:
            results[p.index] = PushResult.ok(p.key)
        else:
            results[p.index] = PushResult.failed(p.key, f"Shopify holds {after[p.item]!r} available "
                                                 f"at {legacy_id(p.location)}, not {p.quantity}")
    return unconfirmed


async def _send(client: ShopifyClient, batch: list[Planned], results: list[PushResult | None]
                ) -> list[Planned]:
    """Set one batch; return the applied items its answer does not confirm (see :func:`_confirm`).

    The rejected items get their failure.
    """
    while batch:
        query, variables = _input(client, batch)
        result = await client.graphql(query, variables, idempotent=True,
                                      what="inventorySetQuantities")
        payload = result.data.get("inventorySetQuantities")
        errors = user_errors(payload)
        if not errors:
            return _confirm(batch, payload, results)
        bad = {i for i in (_bad_index(e) for e in errors) if i is not None}
        if not bad:  # a rejection of the whole call
            for p in batch:
                results[p.index] = PushResult.failed(p.key, describe(errors), retryable=False)
            return []
        for i in bad:
            if 0 <= i < len(batch):
                mine = [e for e in errors if _bad_index(e) == i]
                results[batch[i].index] = PushResult.failed(batch[i].key, describe(mine),
                                                            retryable=False)
        batch = [p for i, p in enumerate(batch) if i not in bad]
    return []


async def _read_back(client: ShopifyClient, applied: list[Planned],
                     results: list[PushResult | None]) -> None:
    by_location: dict[str, list[Planned]] = {}
    for p in applied:
        by_location.setdefault(p.location, []).append(p)
    per_id = requested_cost(queries.ITEM_LEVELS, {"ids": ["x"], "location": "x"})
    size = max(1, min(250, MAX_QUERY_COST // per_id))
    for where, planned in by_location.items():
        for start in range(0, len(planned), size):
            chunk = planned[start:start + size]
            result = await client.graphql(queries.ITEM_LEVELS,
                                          {"ids": [p.item for p in chunk], "location": where},
                                          what="inventory read-back")
            for p, node in zip(chunk, result.data.get("nodes") or [], strict=False):
                level = (node or {}).get("inventoryLevel") if isinstance(node, dict) else None
                quantities = {q.get("name"): q.get("quantity")
                              for q in (level or {}).get("quantities") or []}
                got = quantities.get(NAME)
                results[p.index] = PushResult.ok(p.key) if got == p.quantity else \
                    PushResult.failed(p.key, f"Shopify holds {got!r} available at "
                                      f"{legacy_id(where)}, not {p.quantity}")


async def push_stock(client: ShopifyClient, updates: Sequence[StockUpdate]) -> list[PushResult]:
    """Set the available quantity of each update's variant; one result per update, in order."""
    results: list[PushResult | None] = [None] * len(updates)
    variants: dict[int, str] = {}
    for index, update in enumerate(updates):
        try:
            variants[index] = await variant_of(client, update.platform_product_id,
                                               update.platform_variant_id)
        except Unresolved as exc:
            results[index] = PushResult.failed(update.sku, str(exc), retryable=False)
    items = await inventory_items(client, list(variants.values()))
    planned: list[Planned] = []
    for index, variant in variants.items():
        update = updates[index]
        item = items.get(variant)
        if item is None:
            results[index] = PushResult.failed(update.sku, f"Shopify has no variant "
                                               f"{legacy_id(variant)}", retryable=False)
        elif item.product and legacy_id(item.product) != legacy_id(update.platform_product_id):
            results[index] = PushResult.failed(update.sku, f"variant {legacy_id(variant)} "
                                               f"belongs to product {legacy_id(item.product)}",
                                               retryable=False)
        elif not item.tracked:
            results[index] = PushResult.failed(update.sku, "Shopify does not track this "
                                               "variant's quantity (turn on 'Track quantity')",
                                               retryable=False)
        else:
            planned.append(Planned(index, update.sku, item.inventory_item,
                                   await location(client, update), update.quantity))
    for start in range(0, len(planned), STOCK_BATCH):
        batch = planned[start:start + STOCK_BATCH]
        try:
            unconfirmed = await _send(client, batch, results)
            if unconfirmed:
                await _read_back(client, unconfirmed, results)
        except (PlatformError, DataError) as exc:
            for p in batch:
                if results[p.index] is None:
                    results[p.index] = PushResult.failed(p.key, exc.message,
                                                         retryable=isinstance(exc, DataError))
        except (TransientError, RateLimited) as exc:  # after every retry
            for p in batch:
                if results[p.index] is None:
                    results[p.index] = PushResult.failed(p.key, exc.message)
    return [r if r is not None else PushResult.failed(u.sku, "not sent")
            for r, u in zip(results, updates, strict=True)]
