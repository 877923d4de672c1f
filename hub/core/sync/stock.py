"""Warehouses, stock levels, and the debit an imported order makes once.

An account's sales debit one warehouse (its ``sales_warehouse``, or the only
warehouse when there is just one). The quantity pushed to an account is the
sum of the levels of the warehouses that feed it (all of them unless chosen).

The hub manages a product's stock only where the user said so: a level set in
a warehouse (``hub stock set``, a CSV, the API) or the product marked managed
(``hub stock manage SKU``). A sale of an unmanaged product debits nothing, so
importing orders never makes the hub the owner of a listing's stock.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlmodel import Session, col, func, select

from hub.core.storage.bulk import among, insert_rows
from hub.core.storage.columns import now
from hub.core.storage.models import (
    Account,
    AccountWarehouse,
    Product,
    StockLevel,
    StockReservation,
    Warehouse,
)
from hub.errors import ConfigError, NotFound


def warehouse_by_name(session: Session, name: str) -> Warehouse:
    row = session.exec(select(Warehouse).where(Warehouse.name == name)).first()
    if row is None:
        raise NotFound(f"no warehouse named '{name}'", hint="see: hub warehouses list")
    return row


def add_warehouse(session: Session, name: str, location: str | None = None) -> Warehouse:
    if session.exec(select(Warehouse).where(Warehouse.name == name)).first():
        raise ConfigError(f"a warehouse named '{name}' already exists")
    row = Warehouse(name=name, platform_location=location)
    session.add(row)
    session.flush()
    return row


def sales_warehouse_id(session: Session, account: Account) -> int | None:
    if account.sales_warehouse_id is not None:
        return account.sales_warehouse_id
    ids = session.exec(select(Warehouse.id).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def feed_warehouse_ids(session: Session, account_id: int) -> list[int]:
    chosen = session.exec(select(AccountWarehouse.warehouse_id)
                          .where(AccountWarehouse.account_id == account_id)).all()
    return list(chosen) if chosen else [w for w in session.exec(select(Warehouse.id)).all() if w]


def set_level(session: Session, product_id: int, warehouse_id: int, quantity: int) -> None:
    row = session.get(StockLevel, (product_id, warehouse_id))
    if row is None:
        row = StockLevel(product_id=product_id, warehouse_id=warehouse_id, quantity=quantity)
    else:
        row.quantity = quantity
        row.updated_at = now()
    session.add(row)


def debit_level(session: Session, product_id: int, warehouse_id: int, quantity: int) -> None:
    """Take ``quantity`` out of a level (a negative quantity gives stock back)."""
    row = session.get(StockLevel, (product_id, warehouse_id))
    if row is None:
        if not _flagged(session, [product_id]):
            return  # the hub does not manage this product's stock
        row = StockLevel(product_id=product_id, warehouse_id=warehouse_id, quantity=0)
    row.quantity -= quantity
    row.updated_at = now()
    session.add(row)


def reserve(session: Session, order_id: int, warehouse_id: int | None,
            wanted: dict[int, Decimal]) -> None:
    """Make the order's debit equal ``wanted`` (product -> quantity), applying only the difference.

    Re-importing or updating an order therefore never debits twice; an order
    that leaves the eligible statuses is passed an empty ``wanted`` and gives its
    stock back.
    """
    current = {r.product_id: r for r in session.exec(
        select(StockReservation).where(StockReservation.order_id == order_id)).all()}
    for product_id in set(current) | set(wanted):
        quantity = int(wanted.get(product_id, 0))
        row = current.get(product_id)
        if row is None:
            if quantity == 0 or warehouse_id is None:
                continue
            row = StockReservation(order_id=order_id, product_id=product_id,
                                   warehouse_id=warehouse_id, quantity=0)
        delta = quantity - row.quantity
        if delta:
            debit_level(session, product_id, row.warehouse_id, delta)
            row.quantity = quantity
            session.add(row)


def give_back(session: Session, order_id: int, *, deducted: bool) -> int:
    """Drop the order's reservation; undeducted stock goes back to its warehouse.

    Stock the back office already deducted stays deducted (the goods left the
    shelf for that order). :return: the units given back.
    """
    returned = 0
    for res in session.exec(select(StockReservation).where(StockReservation.order_id == order_id)):
        if not deducted:
            debit_level(session, res.product_id, res.warehouse_id, -res.quantity)
            returned += res.quantity
        session.delete(res)
    return returned


def reserve_new(session: Session, warehouse_id: int | None,
                wanted: dict[int, dict[int, Decimal]]) -> None:
    """Debit the sales warehouse for orders that have no reservation yet (a page of new orders).

    ``wanted`` maps order id -> product id -> quantity; the levels are read and
    written once per product, however many orders of the page sell it.
    """
    if warehouse_id is None:
        return
    rows = [{"order_id": order_id, "product_id": product_id, "warehouse_id": warehouse_id,
             "quantity": int(quantity)}
            for order_id, products in wanted.items() for product_id, quantity in products.items()
            if int(quantity)]
    if not rows:
        return
    insert_rows(session, StockReservation, rows)
    totals: dict[int, int] = {}
    for row in rows:
        totals[row["product_id"]] = totals.get(row["product_id"], 0) + row["quantity"]
    levels = {lv.product_id: lv for lv in session.exec(select(StockLevel).where(
        StockLevel.warehouse_id == warehouse_id, among(StockLevel.product_id, totals)))}
    stamp = now()
    flagged = _flagged(session, [p for p in totals if p not in levels])
    for product_id, quantity in totals.items():
        level = levels.get(product_id)
        if level is None:
            if product_id not in flagged:
                continue  # unmanaged: a sale does not start managing its stock
            level = StockLevel(product_id=product_id, warehouse_id=warehouse_id, quantity=0)
        level.quantity -= quantity
        level.updated_at = stamp
        session.add(level)


def available(session: Session, account_id: int, product_ids: Iterable[int]) -> dict[int, int]:
    """Sum of the levels in the account's feed warehouses, per product (missing -> 0)."""
    ids = list(product_ids)
    warehouses = feed_warehouse_ids(session, account_id)
    totals = {pid: 0 for pid in ids}
    if not ids or not warehouses:
        return totals
    rows = session.exec(
        select(StockLevel.product_id, func.sum(StockLevel.quantity))
        .where(col(StockLevel.warehouse_id).in_(warehouses))
        .where(col(StockLevel.product_id).in_(ids))
        .group_by(col(StockLevel.product_id))).all()
    for pid, total in rows:
        totals[pid] = max(int(total or 0), 0)
    return totals


def _flagged(session: Session, product_ids: list[int]) -> set[int]:
    """The products among ``product_ids`` marked managed (``hub stock manage``)."""
    if not product_ids:
        return set()
    return {pid for pid in session.exec(select(Product.id).where(
        col(Product.id).in_(product_ids), col(Product.stock_managed).is_(True))) if pid}


def managed(session: Session, account_id: int, product_ids: Iterable[int]) -> set[int]:
    """The products whose stock the hub manages for this account.

    Managed: a level exists in a warehouse that feeds the account, or the product
    is marked managed. Only these are pushed (unless the account sets
    ``zero_unmanaged_stock``).
    """
    ids = list(product_ids)
    warehouses = feed_warehouse_ids(session, account_id)
    if not ids:
        return set()
    held: set[int] = set()
    if warehouses:
        held = set(session.exec(select(StockLevel.product_id).distinct()
                                .where(col(StockLevel.warehouse_id).in_(warehouses))
                                .where(col(StockLevel.product_id).in_(ids))).all())
    return held | _flagged(session, [pid for pid in ids if pid not in held])


def set_managed(session: Session, product: Product, value: bool = True) -> None:
    """Mark (or unmark) ``product`` as managed by the hub without holding a level."""
    product.stock_managed = value
    session.add(product)
