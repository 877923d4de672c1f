"""``hub orders``: import, list, show, deduct, ship, delete."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, parse_when, say, table
from hub.errors import ConfigError


@click.group("orders")
def orders() -> None:
    """Orders imported from the platforms."""


class Progress:
    """A one-line progress display on a terminal; silent when stderr is not one."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.active = sys.stderr.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        if self.active:
            of = f"/{total}" if total is not None else ""
            click.echo(f"\r{self.label}: {done}{of} orders read", err=True, nl=False)

    def close(self) -> None:
        if self.active:
            click.echo("", err=True)


@orders.command("import")
@click.option("--account", "account", required=True, help="The account to import from.")
@click.option("--since", help="Import orders modified since this date (YYYY-MM-DD or ISO).")
@click.option("--full", is_flag=True, help="Backfill the whole window again (nothing duplicates).")
@click.option("--payload", type=click.Path(dir_okay=False, path_type=Path),
              help="Import one platform payload (API object or webhook body) from a JSON file.")
@json_option
def import_orders(account: str, since: str | None, full: bool, payload: Path | None,
                  as_json: bool) -> None:
    """Import paid, ready-to-ship orders of ACCOUNT, each exactly once."""
    from hub.core.sync.orders import import_orders as do_import
    from hub.core.sync.orders import import_payload

    app = get_app()
    if payload is not None:
        try:
            data = json.loads(payload.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {payload} as JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{payload} must hold one JSON object (an order payload)")
        result = run(import_payload(app, account, data))
    else:
        progress = Progress(f"importing {account}")
        try:
            result = run(do_import(app, account, since=parse_when(since, "--since"), full=full,
                                   progress=progress))
        finally:
            progress.close()
    summary = {"run": result.run_id, "status": result.status, **result.counts.as_dict()}
    if as_json:
        emit_json(summary)
    else:
        say(f"{account}: {result.counts.summary()} (run {result.run_id})")
    if result.error:
        say(f"hub: error: {result.error}")
        sys.exit(1)
    if result.counts.counts["quarantined"]:
        say(f"some orders were quarantined; see: hub runs show {result.run_id}")
        sys.exit(3)


def _order_view(s: Any, order: Any, *, full: bool) -> dict[str, Any]:
    from sqlmodel import col, select

    from hub.core.storage.models import Account, Customer, OrderEvent, OrderLine, Shipment

    account = s.get(Account, order.account_id)
    view: dict[str, Any] = {
        "id": order.id, "source": order.platform, "store": account.name if account else None,
        "platform_order_id": order.platform_order_id, "number": order.number,
        "status": order.status, "created_at": order.platform_created_at,
        "total": order.total, "currency": order.currency,
        "deducted": order.stock_deducted_at is not None,
    }
    if not full:
        return view
    customer = s.get(Customer, order.customer_id) if order.customer_id else None
    view.update({
        "customer": None if customer is None else {
            "id": customer.id, "first_name": customer.first_name, "last_name": customer.last_name,
            "email": customer.email, "phone": customer.phone, "unspecified": customer.unspecified},
        "billing_address": order.billing_address, "shipping_address": order.shipping_address,
        "totals": {"subtotal": order.subtotal, "shipping": order.shipping_total,
                   "discount": order.discount_total, "tax": order.tax_total, "total": order.total},
        "lines": [{"sku": ln.sku, "name": ln.name, "quantity": ln.quantity,
                   "unit_price": ln.unit_price, "total": ln.total, "product_id": ln.product_id}
                  for ln in s.exec(select(OrderLine).where(OrderLine.order_id == order.id))],
        "shipments": [{"carrier": sh.carrier, "tracking_number": sh.tracking_number,
                       "tracking_url": sh.tracking_url, "invoice_number": sh.invoice_number}
                      for sh in s.exec(select(Shipment).where(Shipment.order_id == order.id))],
        "events": [{"at": ev.at, "kind": ev.kind, "message": ev.message}
                   for ev in s.exec(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                    .order_by(col(OrderEvent.id)))],
    })
    return view


@orders.command("list")
@click.option("--account", "--store", "account", help="Only this account (store).")
@click.option("--platform", "--source", "platform", help="Only this platform (import source).")
@click.option("--status", help="Only this platform status.")
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@json_option
def list_orders(account: str | None, platform: str | None, status: str | None, limit: int,
                as_json: bool) -> None:
    """Imported orders, newest first, with their import source and store."""
    from sqlmodel import col, select

    from hub.core.storage.models import Order

    app = get_app()
    with app.db.session() as s:
        query = select(Order).order_by(col(Order.platform_created_at).desc()).limit(limit)
        if account:
            query = query.where(Order.account_id == app.accounts.row(account).id)
        if platform:
            query = query.where(Order.platform == platform)
        if status:
            query = query.where(Order.status == status)
        views = [_order_view(s, o, full=False) for o in s.exec(query)]
    if as_json:
        emit_json(views)
    else:
        table([(v["id"], v["source"], v["store"], v["number"] or v["platform_order_id"],
                v["status"], v["created_at"], f"{v['total']} {v['currency']}",
                v["deducted"]) for v in views],
              ["id", "source", "store", "number", "status", "created", "total", "deducted"])


@orders.command("show")
@click.argument("order_id", type=int)
@json_option
def show(order_id: int, as_json: bool) -> None:
    """Lines, customer, addresses, totals and the event feed of one order."""
    from hub.core.sync.fulfilment import get_order

    app = get_app()
    with app.db.session() as s:
        view = _order_view(s, get_order(s, order_id), full=True)
    if as_json:
        emit_json(view)
        return
    click.echo(f"order {view['id']}  {view['source']} / {view['store']}  #{view['number']}  "
               f"{view['status']}  {view['total']} {view['currency']}")
    c = view["customer"] or {}
    click.echo(f"customer: {c.get('first_name') or ''} {c.get('last_name') or ''}  "
               f"{c.get('email') or '-'}  {c.get('phone') or '-'}")
    table([(ln["sku"], ln["name"], ln["quantity"], ln["unit_price"], ln["total"])
           for ln in view["lines"]], ["sku", "name", "qty", "unit price", "total"])
    t = view["totals"]
    click.echo(f"subtotal {t['subtotal']}  shipping {t['shipping']}  discount {t['discount']}  "
               f"tax {t['tax']}  total {t['total']}")
    for ev in view["events"]:
        click.echo(f"  {ev['at']:%Y-%m-%d %H:%M} {ev['kind']}: {ev['message']}")


@orders.command("deduct")
@click.argument("order_id", type=int)
def deduct(order_id: int) -> None:
    """Mark the order's stock deducted; later platform changes stop applying."""
    from hub.core.sync.fulfilment import deduct as do_deduct

    do_deduct(get_app(), order_id)
    say(f"order {order_id}: stock deducted")


@orders.command("ship")
@click.argument("order_id", type=int)
@click.option("--carrier", required=True)
@click.option("--tracking", required=True, help="Tracking number.")
@click.option("--url", help="Tracking URL.")
@click.option("--invoice-number")
@click.option("--invoice-key", help="Invoice access key (e.g. Brazil's NF-e key).")
@click.option("--invoice-date", help="Invoice date (YYYY-MM-DD or ISO).")
@click.option("--invoice-value", help="Invoice value (default: the order total).")
@click.option("--force", is_flag=True, help="Ship even a cancelled or refunded order.")
def ship(order_id: int, carrier: str, tracking: str, url: str | None, invoice_number: str | None,
         invoice_key: str | None, invoice_date: str | None, invoice_value: str | None,
         force: bool) -> None:
    """Record a shipment and queue its tracking (and invoice) for the order's platform.

    Shipping an order again updates its shipment: the platform's existing fulfilment or
    invoice is updated, never duplicated. A cancelled or refunded order is refused
    unless --force.
    """
    from hub.core.sync.fulfilment import ship_order
    from hub.core.sync.inventory import parse_money

    value = parse_money(invoice_value, "--invoice-value") if invoice_value else None
    done = ship_order(get_app(), order_id, carrier=carrier, tracking=tracking, url=url,
                      invoice_number=invoice_number, invoice_key=invoice_key,
                      invoice_date=parse_when(invoice_date, "--invoice-date"),
                      invoice_value=value, force=force)
    what = (f"shipment updated (was {done.replaced.carrier} {done.replaced.tracking_number}); "
            if done.replaced else "shipment recorded; ")
    say(f"order {order_id}: {what}" + (
        ("the update is queued: the platform's existing fulfilment/invoice will be updated "
         "(hub tracking push, or the daemon, sends it)" if done.updated else
         "tracking queued (hub tracking push, or the daemon, sends it)") if done.queued else
        "the tracking flow is off for its account, so nothing is sent to the platform"))


@orders.command("delete")
@click.argument("order_id", type=int)
@click.confirmation_option(prompt="Delete the hub's copy of this order?")
def delete(order_id: int) -> None:
    """Delete the hub's copy of an order so a later import can bring it again."""
    from hub.core.sync.fulfilment import delete as do_delete

    order = do_delete(get_app(), order_id)
    say(f"deleted order {order_id} ({order.platform} {order.platform_order_id}); import it "
        "again with: hub orders import --account ... --since DATE")


def register(cli: click.Group) -> None:
    cli.add_command(orders)
