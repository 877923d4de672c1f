"""``hub warehouses``, ``hub stock``, ``hub prices``, ``hub products``, ``hub tracking``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, parse_when, say, table


@click.group("warehouses")
def warehouses() -> None:
    """Warehouses holding stock."""


@warehouses.command("add")
@click.argument("name")
@click.option("--location", help="The platform's location id this warehouse maps to, if any.")
def add_warehouse(name: str, location: str | None) -> None:
    """Add a warehouse."""
    from hub.core.sync.stock import add_warehouse as do_add

    app = get_app()
    with app.db.session() as s:
        do_add(s, name, location)
    say(f"added warehouse '{name}'")


@warehouses.command("list")
@json_option
def list_warehouses(as_json: bool) -> None:
    """Every warehouse."""
    from sqlmodel import select

    from hub.core.storage.models import Warehouse

    with get_app().db.session() as s:
        rows = [{"name": w.name, "location": w.platform_location} for w in s.exec(select(Warehouse))]
    if as_json:
        emit_json(rows)
    else:
        table([(r["name"], r["location"]) for r in rows], ["name", "location"])


@click.group("stock")
def stock() -> None:
    """Stock levels and stock pushes."""


@stock.command("set")
@click.argument("sku")
@click.argument("quantity", type=click.IntRange(min=0))
@click.option("--warehouse", required=True)
def set_stock(sku: str, quantity: int, warehouse: str) -> None:
    """Set SKU's level in a warehouse; the change is pushed to accounts it feeds."""
    from hub.core.sync.inventory import set_stock as do_set

    do_set(get_app(), sku, quantity, warehouse)
    say(f"{sku}: {quantity} in {warehouse}")


@stock.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_stock(file: Path) -> None:
    """Set levels from a CSV with the header sku,warehouse,quantity."""
    from hub.core.sync.inventory import import_stock_csv

    result = import_stock_csv(get_app(), file)
    say(f"{file}: {result.applied} levels set, {len(result.errors)} rows rejected")
    for error in result.errors[:20]:
        say(f"  {error}")
    if result.errors:
        sys.exit(3)


@stock.command("list")
@click.option("--sku")
@json_option
def list_stock(sku: str | None, as_json: bool) -> None:
    """Stock levels per SKU and warehouse."""
    from sqlmodel import col, select

    from hub.core.storage.models import Product, StockLevel, Warehouse

    with get_app().db.session() as s:
        query = (select(Product.sku, Warehouse.name, StockLevel.quantity)
                 .join(Product, col(Product.id) == StockLevel.product_id)
                 .join(Warehouse, col(Warehouse.id) == StockLevel.warehouse_id)
                 .order_by(Product.sku, Warehouse.name))
        if sku:
            query = query.where(Product.sku == sku)
        rows = [{"sku": r[0], "warehouse": r[1], "quantity": r[2]} for r in s.exec(query)]
    if as_json:
        emit_json(rows)
    else:
        table([(r["sku"], r["warehouse"], r["quantity"]) for r in rows], ["sku", "warehouse", "qty"])


def _push(kind: str, account: str | None, as_json: bool) -> None:
    from hub.core.sync.push import push

    app = get_app()
    names = [account] if account else [r.name for r in app.accounts.rows()
                                       if r.enabled and not r.paused_reason
                                       and getattr(r, f"flow_{kind}")]
    if not names:
        say(f"no account has the {kind} flow on; switch it on: hub accounts flows NAME --{kind} on")
    results = {}
    code = 0
    for name in names:
        result = run(push(app, name, kind))
        results[name] = {"run": result.run_id, "status": result.status, **result.counts.as_dict(),
                         "error": result.error}
        if not as_json:
            say(f"{name}: {kind} {result.counts.summary()} (run {result.run_id})"
                + (f"; error: {result.error}" if result.error else ""))
        code = max(code, 1 if result.error else 3 if result.counts.counts["failed"] else 0)
    if as_json:
        emit_json(results)
    sys.exit(code)


@stock.command("push")
@click.option("--account", help="Only this account (default: every account with the stock flow on).")
@json_option
def push_stock(account: str | None, as_json: bool) -> None:
    """Send changed stock levels (only what changed, batched)."""
    _push("stock", account, as_json)


@click.group("prices")
def prices() -> None:
    """Prices, promotions and price pushes."""


@prices.command("set")
@click.argument("sku")
@click.argument("price")
@click.option("--promo", help="Promotional price.")
@click.option("--from", "promo_from", help="Promotion start (YYYY-MM-DD or ISO).")
@click.option("--to", "promo_to", help="Promotion end (YYYY-MM-DD or ISO).")
@click.option("--account", help="Only for this account (default: every account).")
def set_price(sku: str, price: str, promo: str | None, promo_from: str | None,
              promo_to: str | None, account: str | None) -> None:
    """Set SKU's regular price, optionally with a scheduled promotional price."""
    from hub.core.sync.inventory import parse_money
    from hub.core.sync.inventory import set_price as do_set

    row = do_set(get_app(), sku, parse_money(price, "PRICE"),
                 promo=parse_money(promo, "--promo") if promo else None,
                 promo_from=parse_when(promo_from, "--from"), promo_to=parse_when(promo_to, "--to"),
                 account=account)
    say(f"{sku}: {row.regular} {row.currency}" + (f", promo {row.promotional}" if promo else ""))


@prices.command("push")
@click.option("--account", help="Only this account (default: every account with the price flow on).")
@json_option
def push_prices(account: str | None, as_json: bool) -> None:
    """Send changed prices."""
    _push("price", account, as_json)


@click.group("tracking")
def tracking() -> None:
    """Tracking and invoice pushes."""


@tracking.command("push")
@click.option("--account", help="Only this account.")
@json_option
def push_tracking(account: str | None, as_json: bool) -> None:
    """Send recorded shipments (carrier, tracking, invoice)."""
    _push("tracking", account, as_json)


@click.group("products")
def products() -> None:
    """The hub's catalogue and its links to platform listings."""


@products.command("add")
@click.argument("sku")
@click.option("--name", required=True)
def add_product(sku: str, name: str) -> None:
    """Add a product to the catalogue."""
    from hub.core.sync.inventory import add_product as do_add

    do_add(get_app(), sku, name)
    say(f"added product {sku}")


@products.command("sync")
@click.option("--account", required=True)
def sync_products(account: str) -> None:
    """Link ACCOUNT's listings to hub products by the account's product key (creating missing ones)."""
    from hub.core.sync.products import sync_products as do_sync

    result = run(do_sync(get_app(), account))
    say(f"{account}: {result.listings} listings read, {result.created} products created")


@products.command("list")
@click.option("--limit", type=click.IntRange(1, 100000), default=200, show_default=True)
@json_option
def list_products(limit: int, as_json: bool) -> None:
    """Catalogue products."""
    from sqlmodel import col, select

    from hub.core.storage.models import Category, Product

    with get_app().db.session() as s:
        rows = [{"id": p.id, "sku": p.sku, "code": p.code, "name": p.name, "unit": p.unit,
                 "category": c.name if c else None}
                for p, c in s.exec(select(Product, Category).outerjoin(
                    Category, col(Category.id) == Product.category_id).limit(limit))]
    if as_json:
        emit_json(rows)
    else:
        table([(r["id"], r["sku"], r["code"], r["name"], r["category"]) for r in rows],
              ["id", "sku", "code", "name", "category"])


def register(cli: click.Group) -> None:
    for group in (warehouses, stock, prices, tracking, products):
        cli.add_command(group)
