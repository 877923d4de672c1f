"""The products flow's inbound half: listings created or changed on a channel reach the hub.

Each run reads the account's catalogue (``fetch_products`` + ``map_product``)
and, with its own cursor (``products_in``: the newest platform change seen,
advanced after commit) and run history:

* a listing the hub does not know is linked to a hub product (matched by the
  account's product key), and a new simple product is created with its
  catalogue details (not published to other channels: it is the channel's);
* a change of ``name`` or ``barcode`` made on the channel is applied to the hub
  product when it is newer than the hub's own change of that field (the newer
  change wins, field by field), and recorded in the product's event feed.

A value counts as changed on the channel only when it differs from what the
hub last sent there, so the hub's own pushes never come back as changes. What
was taken from a channel is recorded as already accepted by it
(:func:`accept_fields`), so it is never echoed back; the other channels get it
through their products flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from hub.core.storage.catalogue import CatalogueEvent, ProductDetail
from hub.core.storage.columns import now
from hub.core.storage.models import OutboxItem, Product, ProductLink
from hub.core.sync import runs
from hub.core.sync.catalog import ProductMatcher
from hub.core.sync.catalogue_edit import apply_change, current_values, gtin_problem
from hub.core.sync.orders import advance_cursor, get_cursor
from hub.core.sync.publish import KIND, check_flow, snapshot
from hub.types import Product as CanonicalProduct

if TYPE_CHECKING:
    from hub.core.app import HubApp

FLOW = "products_in"
OVERLAP = timedelta(minutes=5)
KEPT = "kept_hub_newer"


def accept_fields(s: Session, account_id: int, product_id: int, values: dict[str, Any]) -> None:
    """Record ``values`` as held by the account's listing (they came from it)."""
    key = str(product_id)
    item = s.exec(select(OutboxItem).where(OutboxItem.account_id == account_id,
                                           OutboxItem.kind == KIND, OutboxItem.key == key)).first()
    if item is None:
        item = OutboxItem(account_id=account_id, kind=KIND, key=key, status="done")
    item.accepted = {**(item.accepted or {}), **values}
    item.updated_at = now()
    s.add(item)


def _target(s: Session, account_id: int, product: CanonicalProduct) -> tuple[Product, bool] | None:
    """The hub product whose catalogue values this listing shows, when the hub keeps details
    for it, and whether it is a parent (a listing whose links are the hub's variants); a
    product sold through its one variant (Shopify, VTEX) is linked to itself."""
    pid = product.platform_product_id
    rows = s.exec(select(ProductLink).where(ProductLink.account_id == account_id,
                                            ProductLink.platform_product_id == pid)).all()
    for link in rows:
        detail = s.get(ProductDetail, link.product_id)
        if detail is None:
            continue
        found = s.get(Product, detail.parent_id or link.product_id)
        return (found, detail.parent_id is not None) if found is not None else None
    return None


@dataclass
class PullResult:
    run_id: int
    counts: runs.RunCounts
    status: str
    error: str | None = None


def _platform_values(product: CanonicalProduct, parent: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"name": product.name}
    if not parent and product.barcode and gtin_problem(product.barcode) is None:
        values["barcode"] = product.barcode
    return values


def _apply(s: Session, account_id: int, account: str, product: CanonicalProduct, at: datetime,
           counts: runs.RunCounts, run_id: int) -> None:
    found = _target(s, account_id, product)
    if found is None or found[0].id is None:
        return
    target, parent = found
    assert target.id is not None
    detail = s.get(ProductDetail, target.id)
    assert detail is not None
    item = s.exec(select(OutboxItem).where(OutboxItem.account_id == account_id,
                                           OutboxItem.kind == KIND,
                                           OutboxItem.key == str(target.id))).first()
    if item is None and not detail.publish:
        # a channel's own product newly linked here: this listing holds its own values, and
        # only what differs from the hub's goes out (the hub does not push its whole record)
        accept_fields(s, account_id, target.id, {**snapshot(s, account_id, target, detail),
                                                 **_platform_values(product, parent)})
        counts.add(runs.UNCHANGED)
        return
    sent = (item.accepted if item else None) or {}
    hub = current_values(s, target, detail)
    offered = {f: v for f, v in _platform_values(product, parent).items()
               if v != hub.get(f) and v != sent.get(f)}
    if not offered:
        counts.add(runs.UNCHANGED)
        return
    applied = apply_change(s, target, detail, offered, at, newer_only=True)
    if not applied:
        counts.add(KEPT)
        runs.record_item(s, run_id, account_id, target.sku or str(target.id), KEPT,
                         f"the hub's newer {', '.join(offered)} kept")
        return
    accept_fields(s, account_id, target.id, {f: new for f, (_, new) in applied.items()})
    changes = ", ".join(f"{f} {old!r} -> {new!r}" for f, (old, new) in applied.items())
    s.add(CatalogueEvent(product_id=target.id, account_id=account_id, kind="updated", at=at,
                         message=f"updated from {account}: {changes}",
                         changes={k: list(v) for k, v in applied.items()}))
    counts.add(runs.UPDATED)
    runs.record_item(s, run_id, account_id, target.sku or str(target.id), runs.UPDATED, changes)


def _created(s: Session, account_id: int, account: str, matcher: ProductMatcher,
             product: CanonicalProduct, counts: runs.RunCounts, run_id: int) -> None:
    """Details for products this listing created in the hub (simple listings only)."""
    for row in matcher.created:
        if row.id is None or s.get(ProductDetail, row.id) is not None:
            continue
        counts.add(runs.IMPORTED)
        runs.record_item(s, run_id, account_id, row.sku or str(row.id), runs.IMPORTED,
                         f"created from {account}")
        s.add(CatalogueEvent(product_id=row.id, account_id=account_id, kind="created",
                             message=f"created from {account} (listing {product.platform_product_id})"))
        if len(product.variants) > 1 or not row.sku:
            continue  # a variation is sold as its own hub product; the listing stays the channel's
        # a listing sold through its one variant (VTEX, Shopify) was matched as "Name - Variant":
        # the hub product takes the listing's name, the one the channel shows and later changes
        row.name = product.name
        barcode = product.barcode if product.barcode and gtin_problem(product.barcode) is None else None
        s.add(ProductDetail(product_id=row.id, barcode=barcode, publish=False, field_times={}))
        s.flush()
        accept_fields(s, account_id, row.id, snapshot(s, account_id, row, s.get(ProductDetail, row.id)
                                                      or ProductDetail(product_id=row.id)))
    matcher.created.clear()


async def pull_products(app: HubApp, name: str, *, trigger: str = "manual") -> PullResult:
    """Read the account's catalogue and bring its new listings and changes into the hub."""
    row = app.accounts.row(name)
    check_flow(app, row, "products")
    account = app.accounts.open(row)
    account_id = row.id or 0
    counts = runs.RunCounts()
    async with app.accounts.lease(f"run:{FLOW}:{account_id}", ttl=300, wait=0):
        with app.db.session() as s:
            cursor = get_cursor(s, account_id, FLOW)
            run_id = runs.start_run(s, account_id, FLOW, trigger).id or 0
        newest = cursor
        error: str | None = None
        try:
            async for batch in app.host.fetch_products(account, None):
                products = [app.host.map_product(account, payload) for payload in batch]
                with app.db.session() as s:
                    matcher = ProductMatcher(s, account_id, account.setting("product_key", "sku") or "sku")
                    for product in products:
                        at = product.updated_at or now()
                        if cursor is not None and product.updated_at is not None \
                                and product.updated_at <= cursor - OVERLAP:
                            counts.add(runs.UNCHANGED)
                            continue
                        matcher.link_product(product)
                        _created(s, account_id, name, matcher, product, counts, run_id)
                        _apply(s, account_id, name, product, at, counts, run_id)
                        if product.updated_at and (newest is None or product.updated_at > newest):
                            newest = product.updated_at
        except Exception as exc:  # a failed read must not move the cursor
            from hub.errors import HubError

            if not isinstance(exc, HubError):
                raise
            error = str(exc)
        with app.db.session() as s:
            if error is None and newest is not None and newest != cursor:
                advance_cursor(s, account_id, FLOW, newest)
            run = runs.finish_run(s, run_id, counts, error)
    return PullResult(run_id=run_id, counts=counts, status=run.status, error=error)
