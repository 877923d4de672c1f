"""Stock pushes, one request per SKU, and price pushes confirmed by reading the value back.

Stock: ``PATCH /api/logistics/pvt/inventory/skus/{skuId}/warehouses/{warehouseId}/quantity``
with ``{"quantity": n, "unlimitedQuantity": false}``, the endpoint VTEX names for
the quantity alone: the warehouse's lead time is left as it is. With the
``lead_time`` setting, ``PUT .../warehouses/{warehouseId}`` sets both (its
``leadTime`` is required). VTEX answers 2xx only for an update it applied (a
concurrent one for the same SKU gets ``423 Locked``, a retryable failure), so no
read-back is needed. The warehouse is ``StockUpdate.warehouse`` or the
``warehouse_id`` setting.

Prices: ``PUT /pricing/prices/{skuId}`` sets ``basePrice`` and ``listPrice`` to
the regular price; a promotional or scheduled price becomes the fixed price of
the ``price_table`` (``POST /pricing/prices/{skuId}/fixed/{priceTableId}``, with
``dateRange`` when it has a window, ``listPrice`` the regular price so shoppers
see "from ... for ..."); without one, that table's fixed prices are removed
(``DELETE``). The hub owns the fixed prices of its price table for the SKUs it
pushes. Amounts are decimal numbers (not cents) on the Pricing API.

The SKU id is the listing's ``platform_variant_id``; a listing without one is
looked up by its SKU as RefId.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hub import HubError, PlatformError, PriceUpdate, PushResult, StockUpdate, bounded
from hub_vtex.client import VtexClient, json_object, segment
from hub_vtex.products import sku_id_by_ref

CONCURRENCY = 8
DEFAULT_LEAD_TIME = "00:00:00"
OPEN_PROMO = timedelta(days=3650)  # a promotion with a start and no end runs "for good"


async def _sku_id(client: VtexClient, update: StockUpdate | PriceUpdate) -> str | None:
    if update.platform_variant_id and update.platform_variant_id.isdigit():
        return update.platform_variant_id
    return await sku_id_by_ref(client, update.sku)


def _failed(update: StockUpdate | PriceUpdate, exc: HubError) -> PushResult:
    permanent = isinstance(exc, PlatformError) and exc.status in (400, 404, 409)
    return PushResult.failed(update.sku, str(exc), retryable=not permanent)


# --- stock ---------------------------------------------------------------------------

async def _set_stock(client: VtexClient, update: StockUpdate, default_warehouse: str | None
                     ) -> PushResult:
    warehouse = update.warehouse or default_warehouse
    if not warehouse:
        return PushResult.failed(update.sku, f"{client.label} has no warehouse_id setting; run: "
                                 f"hub accounts set {client.account.name} warehouse_id=ID",
                                 retryable=False)
    try:
        sku_id = await _sku_id(client, update)
        if sku_id is None:
            return PushResult.failed(update.sku, f"no VTEX SKU with RefId '{update.sku}'",
                                     retryable=False)
        quantity = max(0, int(update.quantity))
        lead_time = client.account.setting("lead_time")
        path = f"api/logistics/pvt/inventory/skus/{segment(sku_id)}/warehouses/{segment(warehouse)}"
        if lead_time is None:  # the quantity alone; the warehouse's lead time stays as it is
            await client.send_json(client.logistics, "PATCH", f"{path}/quantity",
                                   {"quantity": quantity, "unlimitedQuantity": False})
        else:
            await client.send_json(client.logistics, "PUT", path, {
                "quantity": quantity, "unlimitedQuantity": False, "leadTime": lead_time})
    except HubError as exc:
        return _failed(update, exc)
    return PushResult.ok(update.sku)


async def push_stock(client: VtexClient, updates: list[StockUpdate]) -> list[PushResult]:
    """Set each SKU's quantity in its warehouse; one result per update, in order."""
    warehouse = client.account.setting("warehouse_id")
    return await bounded(CONCURRENCY, (_set_stock(client, u, warehouse) for u in updates))


# --- prices ----------------------------------------------------------------------------

def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fixed_price(update: PriceUpdate) -> dict[str, Any] | None:
    """The promotional price as a fixed price of the hub's price table, or None."""
    if update.promotional is None:
        return None
    fixed: dict[str, Any] = {"value": update.promotional.amount,
                             "listPrice": update.regular.amount, "minQuantity": 1}
    if update.promo_from or update.promo_to:
        start = update.promo_from or datetime.now(UTC).replace(microsecond=0)
        end = update.promo_to or start + OPEN_PROMO
        fixed["dateRange"] = {"from": _iso(start), "to": _iso(end)}
    return fixed


def _same(value: Any, expected: Decimal) -> bool:
    try:
        return Decimal(str(value)) == expected
    except ArithmeticError:
        return False


def _confirmed(price: dict[str, Any], update: PriceUpdate, table: str,
               fixed: dict[str, Any] | None) -> str | None:
    """Why the read-back price differs from what was pushed, or None."""
    if not _same(price.get("basePrice"), update.regular.amount):
        return f"basePrice is {price.get('basePrice')}, expected {update.regular.amount}"
    on_table = [f for f in price.get("fixedPrices") or []
                if isinstance(f, dict) and str(f.get("tradePolicyId")) == table]
    if fixed is None:
        return f"price table {table} still has fixed prices" if on_table else None
    if not any(_same(f.get("value"), fixed["value"]) for f in on_table):
        return f"price table {table} has no fixed price {fixed['value']}"
    return None


async def _set_price(client: VtexClient, update: PriceUpdate, table: str) -> PushResult:
    try:
        sku_id = await _sku_id(client, update)
        if sku_id is None:
            return PushResult.failed(update.sku, f"no VTEX SKU with RefId '{update.sku}'",
                                     retryable=False)
        item = segment(sku_id)
        regular = update.regular.amount
        await client.send_json(client.pricing, "PUT", f"pricing/prices/{item}",
                               {"basePrice": regular, "listPrice": regular})
        fixed = fixed_price(update)
        if fixed is not None:
            await client.send_json(client.pricing, "POST",
                                   f"pricing/prices/{item}/fixed/{segment(table)}", [fixed],
                                   idempotent=True)
        else:
            await client.pricing_delete.delete(
                f"pricing/prices/{item}/fixed/{segment(table)}", expect={404})
        response = await client.pricing_read.get(f"pricing/prices/{item}")
        problem = _confirmed(json_object(response, f"price of SKU {sku_id}"), update, table, fixed)
    except HubError as exc:
        return _failed(update, exc)
    return PushResult.failed(update.sku, problem) if problem else PushResult.ok(update.sku)


async def push_price(client: VtexClient, updates: list[PriceUpdate]) -> list[PushResult]:
    """Set each SKU's base, list and fixed prices; one result per update, in order."""
    table = client.account.setting("price_table", "1") or "1"
    return await bounded(CONCURRENCY, (_set_price(client, u, table) for u in updates))
