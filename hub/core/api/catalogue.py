"""``/api/products``: the hub catalogue, as on the CLI (``hub products add|edit|show|import``).

``GET /api/products`` lists the catalogue; ``POST /api/products`` creates or
updates products in bulk: each item is saved on its own, and the answer gives
each item's outcome (a bad barcode, an unknown parent) while the good ones are
kept. ``PATCH /api/products/{sku}`` changes
the fields given; ``GET /api/products/{sku}`` shows a product with its links
and change history.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel

from hub.core.api.schemas import MAX_INT, MAX_ITEMS, Text200
from hub.core.api.security import hub_app, require_api_key
from hub.core.app import HubApp
from hub.core.sync.catalogue_edit import ProductFields, ProductInput, save_product, show_product
from hub.errors import HubError

router = APIRouter(prefix="/api/products", tags=["catalogue"], dependencies=[Depends(require_api_key)])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "missing, unknown or revoked API key"},
                                           404: {"description": "no product with this SKU"}}


class ProductResult(BaseModel):
    index: int
    sku: str
    ok: bool
    outcome: str | None = None  # created, updated, unchanged
    error: str | None = None


class ProductBulkResult(BaseModel):
    saved: int
    rejected: int
    results: list[ProductResult]


@router.post("", response_model=ProductBulkResult, responses=ERRORS)
async def put_products(
        items: Annotated[list[ProductInput], Body(max_length=MAX_ITEMS, description=(
            "products to create or update (by SKU); only the fields given change"))],
        app: HubApp = Depends(hub_app)) -> ProductBulkResult:
    """Create or update products; changes go to channels with the products flow on."""
    results = []
    for index, item in enumerate(items):
        try:
            with app.db.session() as s:
                change = save_product(s, item, source="API")
        except HubError as exc:
            results.append(ProductResult(index=index, sku=item.sku, ok=False, error=exc.message))
            continue
        outcome = "created" if change.created else "updated" if change.fields else "unchanged"
        results.append(ProductResult(index=index, sku=item.sku, ok=True, outcome=outcome))
    saved = sum(r.ok for r in results)
    return ProductBulkResult(saved=saved, rejected=len(results) - saved, results=results)


@router.get("", responses=ERRORS)
async def list_products(app: HubApp = Depends(hub_app),
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0) -> list[dict[str, Any]]:
    """Catalogue products by id: SKU, name, category, and the SKU of the parent of a variant."""
    from sqlmodel import col, select

    from hub.core.storage.catalogue import ProductDetail
    from hub.core.storage.models import Category, Product

    with app.db.session() as s:
        rows = s.exec(select(Product, Category, ProductDetail)
                      .outerjoin(Category, col(Category.id) == Product.category_id)
                      .outerjoin(ProductDetail, col(ProductDetail.product_id) == Product.id)
                      .order_by(col(Product.id)).offset(offset).limit(limit)).all()
        parents = {p.id: p.sku for p in s.exec(select(Product).where(col(Product.id).in_(
            [d.parent_id for _, _, d in rows if d is not None and d.parent_id])))}
        return [{"id": p.id, "sku": p.sku, "name": p.name, "category": c.name if c else None,
                 "parent_sku": parents.get(d.parent_id) if d is not None and d.parent_id else None}
                for p, c, d in rows]


@router.get("/{sku}", responses=ERRORS)
async def get_product(sku: Annotated[Text200, Path()], app: HubApp = Depends(hub_app)) -> dict[str, Any]:
    """One product: values, variants, links to listings, change history."""
    with app.db.session() as s:
        return show_product(s, sku)


@router.patch("/{sku}", responses=ERRORS)
async def patch_product(sku: Annotated[Text200, Path()],
                        changes: Annotated[ProductFields, Body(description="fields to change")],
                        app: HubApp = Depends(hub_app)) -> dict[str, Any]:
    """Change the given fields of product SKU."""
    data = ProductInput.model_validate({**changes.model_dump(exclude_none=True), "sku": sku})
    with app.db.session() as s:
        change = save_product(s, data, create=False, source="API")
        return {"sku": sku, "changed": {k: {"old": o, "new": n} for k, (o, n) in change.fields.items()}}
