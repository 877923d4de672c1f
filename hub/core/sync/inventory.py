"""Setting stock levels and prices from the back office (CLI, CSV, API)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from hub.core.config import hub_timezone
from hub.core.storage.columns import now
from hub.core.storage.models import Account as AccountRow
from hub.core.storage.models import Price, Product
from hub.core.sync.stock import set_level, set_managed, warehouse_by_name
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


def manage_stock(app: HubApp, sku: str, on: bool = True) -> None:
    """Mark SKU's stock as managed by the hub (pushed, as 0 without a level), or not."""
    with app.db.session() as s:
        set_managed(s, product_by_sku(s, sku), on)


def window_bound(value: str | None, option: str, *, end: bool = False) -> datetime | None:
    """A promotion bound given as a date or an ISO datetime, as an aware UTC instant.

    A date is a whole day in the hub's timezone (``HUB_TIMEZONE``, default the
    system's): ``--from D`` starts at D 00:00 and ``--to D`` ends when D+1
    begins (the window is inclusive of D; the stored end is exclusive). A
    datetime without an offset is read in the same zone.
    """
    if value is None:
        return None
    text = value.strip()
    zone = hub_timezone()
    day: date | None = None
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
    if day is not None:
        day += timedelta(days=1) if end else timedelta(0)
        return _in_zone(datetime(day.year, day.month, day.day), zone)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{option} must be a date (YYYY-MM-DD) or an ISO datetime such as "
                          f"2026-12-31T18:00, got '{value}'") from None
    return parsed.astimezone(UTC) if parsed.tzinfo else _in_zone(parsed, zone)


def _in_zone(naive: datetime, zone: tzinfo | None) -> datetime:
    """A wall-clock time in ``zone`` (None: the system's zone, with its DST rules) as UTC."""
    local = naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()
    return local.astimezone(UTC)


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
    """Apply a CSV with columns ``sku,warehouse,quantity``; bad rows are reported, good ones applied.

    A file that is not UTF-8 text (a binary, a spreadsheet) is refused whole,
    naming the first line that is not text.
    """
    result = CsvResult()
    reader = csv.DictReader(io.StringIO(_csv_text(path), newline=""))
    with app.db.session() as s:
        try:
            missing = {"sku", "warehouse", "quantity"} - set(reader.fieldnames or [])
            if missing:
                raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                                  "expected a header line: sku,warehouse,quantity")
            for rec in reader:
                _apply_row(s, reader.line_num, rec, result)
        except csv.Error as exc:
            raise ConfigError(f"{path}: line {reader.line_num}: {exc}; "
                              "expected CSV with the header sku,warehouse,quantity") from None
    return result


def _csv_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line} is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                          "save it as a UTF-8 CSV with the header sku,warehouse,quantity") from None
    if "\0" in text:
        line = text[:text.index("\0")].count("\n") + 1
        raise ConfigError(f"{path}: line {line} holds a NUL byte, so it is not a text file; "
                          "save it as a UTF-8 CSV with the header sku,warehouse,quantity")
    return text


def _apply_row(s: Session, number: int, rec: dict[str, str], result: CsvResult) -> None:
    try:
        quantity = int((rec.get("quantity") or "").strip())
        if quantity < 0:
            raise ValueError
        product = product_by_sku(s, (rec.get("sku") or "").strip())
        warehouse = warehouse_by_name(s, (rec.get("warehouse") or "").strip())
    except ValueError:
        result.errors.append(f"line {number}: quantity must be a whole number >= 0, "
                             f"got '{rec.get('quantity')}'")
        return
    except (NotFound, ConfigError) as exc:
        result.errors.append(f"line {number}: {exc.message}")
        return
    set_level(s, product.id or 0, warehouse.id or 0, quantity)
    result.applied += 1


def parse_money(value: str, what: str) -> Decimal:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ConfigError(f"{what} must be a number such as 19.90, got '{value}'")
    if amount < 0:
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
