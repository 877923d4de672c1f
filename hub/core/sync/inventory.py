"""Setting stock levels and prices from the back office (CLI, CSV, API)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Price, Product
from hub.core.sync.stock import set_level, warehouse_by_name
from hub.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from hub.core.app import HubApp


def product_by_sku(s: Session, sku: str) -> Product:
    row = s.exec(select(Product).where(Product.sku == sku)).first()
    if row is None:
        raise NotFound(f"no product with SKU '{sku}'",
                       hint="products come from imported orders, `hub products sync --account "
                            "NAME`, or `hub products add SKU --name NAME`")
    return row


def add_product(app: HubApp, sku: str, name: str) -> Product:
    with app.db.session() as s:
        if s.exec(select(Product).where(Product.sku == sku)).first():
            raise ConfigError(f"a product with SKU '{sku}' already exists")
        product = Product(sku=sku, name=name)
        s.add(product)
        s.flush()
    return product


def set_stock(app: HubApp, sku: str, quantity: int, warehouse: str) -> None:
    if quantity < 0:
        raise ConfigError(f"stock quantity must be 0 or more, got {quantity}")
    with app.db.session() as s:
        product = product_by_sku(s, sku)
        set_level(s, product.id or 0, warehouse_by_name(s, warehouse).id or 0, quantity)


@dataclass
class CsvResult:
    applied: int = 0
    errors: list[str] = field(default_factory=list)


def import_stock_csv(app: HubApp, path: Path) -> CsvResult:
    """Apply a CSV with columns ``sku,warehouse,quantity``; bad rows are reported, good ones applied."""
    result = CsvResult()
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    with handle, app.db.session() as s:
        reader = csv.DictReader(handle)
        missing = {"sku", "warehouse", "quantity"} - set(reader.fieldnames or [])
        if missing:
            raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                              "expected a header line: sku,warehouse,quantity")
        for number, rec in enumerate(reader, start=2):
            try:
                quantity = int((rec.get("quantity") or "").strip())
                if quantity < 0:
                    raise ValueError
                product = product_by_sku(s, (rec.get("sku") or "").strip())
                warehouse = warehouse_by_name(s, (rec.get("warehouse") or "").strip())
            except ValueError:
                result.errors.append(f"line {number}: quantity must be a whole number >= 0, "
                                     f"got '{rec.get('quantity')}'")
                continue
            except (NotFound, ConfigError) as exc:
                result.errors.append(f"line {number}: {exc.message}")
                continue
            set_level(s, product.id or 0, warehouse.id or 0, quantity)
            result.applied += 1
    return result


def parse_money(value: str, what: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ConfigError(f"{what} must be a number such as 19.90, got '{value}'") from None
    if amount < 0 or not amount.is_finite():
        raise ConfigError(f"{what} must be 0 or more, got '{value}'")
    return amount


def set_price(app: HubApp, sku: str, regular: Decimal, *, promo: Decimal | None = None,
              promo_from: datetime | None = None, promo_to: datetime | None = None,
              account: str | None = None) -> Price:
    if promo is None and (promo_from or promo_to):
        raise ConfigError("--from/--to need --promo")
    if promo is not None and promo >= regular:
        raise ConfigError(f"--promo {promo} must be lower than the regular price {regular}")
    if promo_from and promo_to and promo_to <= promo_from:
        raise ConfigError("--to must be after --from")
    with app.db.session() as s:
        product = product_by_sku(s, sku)
        account_id = 0
        if account:
            row = s.exec(select(AccountRow).where(AccountRow.name == account)).first()
            if row is None:
                raise NotFound(f"no account named '{account}'", hint="see: hub accounts list")
            account_id = row.id or 0
        price = s.get(Price, (product.id, account_id)) or Price(
            product_id=product.id or 0, account_id=account_id, currency=app.currency,
            regular=regular)
        price.currency = app.currency
        price.regular, price.promotional = regular, promo
        price.promo_from, price.promo_to = promo_from, promo_to
        price.updated_at = now()
        s.add(price)
    return price


def feed_location(s: Session, account_id: int) -> str | None:
    """The platform location an account's stock is pushed to, from the warehouse mapping.

    Each warehouse may name the platform's location or warehouse it mirrors
    (``hub warehouses add NAME --location ID``). When the warehouses feeding the
    account name exactly one location, stock updates carry it
    (``StockUpdate.warehouse``); with none, or several that disagree, updates carry
    none and the plugin uses its own setting (Shopify ``location_id``, VTEX
    ``warehouse_id``).
    """
    from hub.core.storage.models import Warehouse
    from hub.core.sync.stock import feed_warehouse_ids

    ids = feed_warehouse_ids(s, account_id)
    locations = {w.platform_location.strip() for w in s.exec(select(Warehouse)).all()
                 if w.id in ids and w.platform_location and w.platform_location.strip()}
    return locations.pop() if len(locations) == 1 else None
