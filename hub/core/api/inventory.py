"""``PUT /api/stock`` and ``PUT /api/prices``: set levels and prices in bulk.

A request whose shape is wrong (a missing field, a negative quantity) is
refused whole with 422 naming the item and field. Otherwise every item is
tried on its own: the good ones are applied, and the answer lists each item's
outcome, with the reason for those that were not (an unknown SKU, warehouse or
account, a promotion not below the regular price).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from hub.core.api.schemas import MAX_ITEMS, BulkResult, ItemResult, PriceItem, StockItem
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.sync.inventory import product_by_sku, set_price
from hub.core.sync.stock import set_level, warehouse_by_name
from hub.errors import HubError

router = APIRouter(prefix="/api", tags=["stock and prices"], dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"}}


def _result(results: list[ItemResult]) -> BulkResult:
    applied = sum(r.ok for r in results)
    return BulkResult(applied=applied, rejected=len(results) - applied, results=results)


@router.put("/stock", response_model=BulkResult, responses=ERRORS)
async def put_stock(
        items: Annotated[list[StockItem], Body(max_length=MAX_ITEMS, description=(
            "levels to set: the quantity of SKU in the warehouse"))],
        app: HubApp = Depends(hub_app)) -> BulkResult:
    """Set stock levels; changed levels are pushed to the accounts they feed."""
    results: list[ItemResult] = []
    with app.db.session() as s:
        for index, item in enumerate(items):
            try:
                product = product_by_sku(s, item.sku)
                warehouse = warehouse_by_name(s, item.warehouse)
            except HubError as exc:
                results.append(ItemResult(index=index, sku=item.sku, ok=False, error=exc.message))
                continue
            set_level(s, product.id or 0, warehouse.id or 0, item.quantity)
            results.append(ItemResult(index=index, sku=item.sku, ok=True))
    return _result(results)


@router.put("/prices", response_model=BulkResult, responses=ERRORS)
async def put_prices(
        items: Annotated[list[PriceItem], Body(max_length=MAX_ITEMS, description=(
            "prices to set, each with an optional scheduled promotion"))],
        app: HubApp = Depends(hub_app)) -> BulkResult:
    """Set regular and promotional prices (for every account, or one); changes are pushed to
    accounts with the price flow on."""
    results: list[ItemResult] = []
    for index, item in enumerate(items):
        try:
            set_price(app, item.sku, item.price, promo=item.promo, promo_from=item.promo_from,
                      promo_to=item.promo_to, account=item.account)
        except HubError as exc:
            results.append(ItemResult(index=index, sku=item.sku, ok=False,
                                      error=exc.message.replace("--promo", "promo")
                                      .replace("--from", "promo_from").replace("--to", "promo_to")))
            continue
        results.append(ItemResult(index=index, sku=item.sku, ok=True))
    return _result(results)
