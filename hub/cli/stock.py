"""``hub warehouses``, ``hub stock``, ``hub prices``, ``hub products``, ``hub tracking``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, say, table
from hub.cli.signed import SignedArgsCommand


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


def _on_hand(value: str) -> int:
    """QUANTITY of ``stock set``: the level on hand, a whole number 0 or more (negatives refused)."""
    try:
        quantity = int(value.strip())
    except ValueError:
        quantity = -1
    if quantity < 0 or not value.strip().lstrip("-").isdigit():
        raise click.BadParameter(f"is the level on hand: a whole number 0 or more, got '{value}'",
                                 param_hint="QUANTITY")
    return quantity


@stock.command("set", cls=SignedArgsCommand)
@click.argument("sku")
@click.argument("quantity")
@click.option("--warehouse", required=True)
def set_stock(sku: str, quantity: str, warehouse: str) -> None:
    """Set SKU's level on hand (0 or more) in a warehouse; it is pushed to accounts it feeds."""
    from hub.core.sync.inventory import set_stock as do_set

    level = _on_hand(quantity)
    do_set(get_app(), sku, level, warehouse)
    say(f"{sku}: {level} in {warehouse}")


@stock.command("manage")
@click.argument("sku")
@click.option("--off", is_flag=True, help="Stop managing it (listings keep the store's value).")
def manage_stock(sku: str, off: bool) -> None:
    """Mark SKU's stock as managed by the hub even without a level (pushed as 0 until one is set)."""
    from hub.core.sync.inventory import manage_stock as do_manage

    do_manage(get_app(), sku, not off)
    say(f"{sku}: stock {'not ' if off else ''}managed by the hub")


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
    from hub.core.storage.queries import stock_levels

    with get_app().db.session() as s:
        rows = stock_levels(s, sku)
    if as_json:
        emit_json(rows)
    else:
        table([(r["sku"], r["warehouse"], r["quantity"]) for r in rows], ["sku", "warehouse", "qty"])


def _push(kind: str, account: str | None, as_json: bool, dry_run: bool = False) -> None:
    from hub.core.sync.push import plan, push

    app = get_app()
    names = [account] if account else [r.name for r in app.accounts.rows()
                                       if r.enabled and not r.paused_reason
                                       and getattr(r, f"flow_{kind}")]
    if not names:
        say(f"no account has the {kind} flow on; switch it on: hub accounts flows NAME --{kind} on")
    if dry_run:
        plans = [plan(app, name, kind) for name in names]
        if as_json:
            emit_json({p.account: _plan_json(p) for p in plans})
        else:
            for p in plans:
                _say_plan(p)
        return
    results = {}
    code = 0
    for name in names:
        result = run(push(app, name, kind))
        results[name] = {"run": result.run_id, "status": result.status, **result.as_dict(),
                         "not_managed_skus": result.not_managed, "error": result.error}
        if not as_json:
            say(f"{name}: {kind} {result.summary()} (run {result.run_id})"
                + _skus(result.not_managed) + (f"; error: {result.error}" if result.error else ""))
        code = max(code, 1 if result.error else 3 if result.counts.counts["failed"] else 0)
    if as_json:
        emit_json(results)
    sys.exit(code)


def _skus(skus: list[str], shown: int = 5) -> str:
    if not skus:
        return ""
    more = f", +{len(skus) - shown} more" if len(skus) > shown else ""
    return f"; not managed (left as the store has them): {', '.join(skus[:shown])}{more}"


def _value(kind: str, payload: dict[str, Any] | None) -> str:
    if payload is None:
        return "unknown"
    if kind == "stock":
        return str(payload["quantity"])
    text = f"{payload['regular']} {payload['currency']}"
    if payload.get("promotional") is not None:
        window = f" {payload.get('promo_from') or '...'} to {payload.get('promo_to') or '...'}" \
            if payload.get("promo_from") or payload.get("promo_to") else ""
        text += f" (promo {payload['promotional']}{window})"
    return text


def _plan_json(p: Any) -> dict[str, Any]:
    return {"dry_run": True, "kind": p.kind,
            "would_push": [{"sku": i.sku, "old": _value(p.kind, i.old), "new": _value(p.kind, i.new),
                            "old_value": i.old, "new_value": i.new} for i in p.items],
            "counts": {"would_push": len(p.items), "not_managed": len(p.not_managed),
                       "unchanged": p.unchanged},
            "not_managed_skus": p.not_managed}


def _say_plan(p: Any) -> None:
    say(f"{p.account}: {p.kind} dry run: would push {len(p.items)}, not managed "
        f"{len(p.not_managed)}, unchanged {p.unchanged}; nothing sent" + _skus(p.not_managed))
    if p.items:
        table([(i.sku, _value(p.kind, i.old), "->", _value(p.kind, i.new)) for i in p.items],
              ["sku", "old (store)", "", "new"])


@stock.command("push")
@click.option("--account", help="Only this account (default: every account with the stock flow on).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent (old -> new); send nothing.")
@json_option
def push_stock(account: str | None, dry_run: bool, as_json: bool) -> None:
    """Send changed stock of SKUs the hub manages (only what changed, batched)."""
    _push("stock", account, as_json, dry_run)


@click.group("prices")
def prices() -> None:
    """Prices, promotions and price pushes."""


@prices.command("set", cls=SignedArgsCommand)
@click.argument("sku")
@click.argument("price")
@click.option("--promo", help="Promotional price.")
@click.option("--from", "promo_from",
              help="Promotion start: YYYY-MM-DD (00:00 in HUB_TIMEZONE) or an ISO datetime.")
@click.option("--to", "promo_to",
              help="Promotion end: YYYY-MM-DD (the whole day, in HUB_TIMEZONE) or an ISO datetime.")
@click.option("--account", help="Only for this account (default: every account).")
def set_price(sku: str, price: str, promo: str | None, promo_from: str | None,
              promo_to: str | None, account: str | None) -> None:
    """Set SKU's regular price, optionally with a scheduled promotional price."""
    from hub.core.sync.inventory import parse_money, window_bound
    from hub.core.sync.inventory import set_price as do_set

    row = do_set(get_app(), sku, parse_money(price, "PRICE"),
                 promo=parse_money(promo, "--promo") if promo else None,
                 promo_from=window_bound(promo_from, "--from"),
                 promo_to=window_bound(promo_to, "--to", end=True),
                 account=account)
    say(f"{sku}: {row.regular} {row.currency}" + (f", promo {row.promotional}" if promo else ""))


@prices.command("push")
@click.option("--account", help="Only this account (default: every account with the price flow on).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent (old -> new); send nothing.")
@json_option
def push_prices(account: str | None, dry_run: bool, as_json: bool) -> None:
    """Send changed prices of SKUs with a price set in the hub."""
    _push("price", account, as_json, dry_run)


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
