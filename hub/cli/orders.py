"""``hub orders``: import, list, show, deduct, ship, status, cancel, restock, delete (and
``invoice``, in its own module)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, parse_when, say, table
from hub.errors import ConfigError
from hub.money import format_money


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
    from hub.core.loading import loading

    with loading():
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
    if result.counts.counts["alert"]:
        say(f"{result.counts.counts['alert']} order(s) cancelled or refunded after their stock "
            f"was deducted; see: hub runs show {result.run_id}, then hub orders restock ID")
    if result.counts.counts["quarantined"]:
        say(f"some orders were quarantined; see: hub runs show {result.run_id}")
        sys.exit(3)


@orders.command("list")
@click.option("--account", "--store", "account", help="Only this account (store).")
@click.option("--platform", "--source", "platform", help="Only this platform (import source).")
@click.option("--status", help="Only this platform status.")
@click.option("--limit", type=click.IntRange(1, None), default=100, show_default=True,
              help="Show at most this many orders (newest first).")
@click.option("--all", "show_all", is_flag=True, help="Show every matching order.")
@json_option
def list_orders(account: str | None, platform: str | None, status: str | None, limit: int,
                show_all: bool, as_json: bool) -> None:
    """Imported orders, newest first, with their import source and store.

    ``--json`` prints the items of ``GET /api/orders``. When more orders match than
    are shown, stderr says so.
    """
    from hub.core.api.views import list_orders as query

    app = get_app()
    account_id = app.accounts.row(account).id if account else None
    result = query(app.db, account_id=account_id, platform=platform, status=status,
                   limit=None if show_all else limit, newest_first=True)
    if as_json:
        emit_json([o.model_dump(mode="json") for o in result.items])
    else:
        table([(o.id, o.platform, o.account, o.number or o.platform_order_id, o.status,
                o.state, o.created_at, format_money(o.total, o.currency), o.deducted)
               for o in result.items],
              ["id", "source", "store", "number", "status", "state", "created", "total",
               "deducted"])
    if len(result.items) < result.total:
        say(f"showing {len(result.items):,} of {result.total:,} orders; use --limit N or --all")


@orders.command("show")
@click.argument("order_id", type=int)
@json_option
def show(order_id: int, as_json: bool) -> None:
    """Lines, customer, addresses, totals and the event feed of one order.

    ``--json`` prints the same document as ``GET /api/orders/ID``.
    """
    from hub.core.api.views import order_detail

    view = order_detail(get_app().db, order_id)
    if as_json:
        emit_json(view.model_dump(mode="json"))
        return
    cur = view.currency
    click.echo(f"order {view.id}  {view.platform} / {view.account}  #{view.number}  "
               f"{view.status} ({view.state})  {format_money(view.total, cur)}")
    c = view.customer
    click.echo(f"customer: {(c and c.first_name) or ''} {(c and c.last_name) or ''}  "
               f"{(c and c.email) or '-'}  {(c and c.phone) or '-'}"
               + (f"  document {c.document}" if c and c.document else ""))
    table([(ln.sku, ln.name, ln.quantity, format_money(ln.unit_price, cur), format_money(ln.total, cur))
           for ln in view.lines], ["sku", "name", "qty", "unit price", "total"])
    t = view.totals
    click.echo(f"subtotal {format_money(t.subtotal, cur)}  shipping {format_money(t.shipping, cur)}  "
               f"discount {format_money(t.discount, cur)}  tax {format_money(t.tax, cur)}  "
               f"total {format_money(t.total, cur)}")
    if view.terms is not None:
        terms = view.terms
        click.echo(f"terms: shipments billed to {terms.shipment_billing}, tickets handled by "
                   f"{terms.tickets_handled_by}, carrier account {terms.carrier_account or '-'}, "
                   f"shipping rules {terms.shipping_rules or '-'}")
    for sh in view.shipments:
        click.echo(f"shipment {sh.id}: {sh.carrier} {sh.tracking_number}  "
                   f"{sh.status or 'not tracked yet'}")
    for ev in view.events:
        by = f" [{ev.source}]" if ev.source else ""
        click.echo(f"  {ev.at:%Y-%m-%d %H:%M} {ev.kind}{by}: {ev.message}")


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


def _state_said(done: object, as_json: bool) -> None:
    from hub.core.sync.lifecycle import StateRequested

    assert isinstance(done, StateRequested)
    if as_json:
        emit_json({"id": done.order_id, "previous": str(done.previous), "state": str(done.state),
                   "queued": done.queued, "note": done.note,
                   "restock_pending": done.restock_pending})
        return
    say(f"order {done.order_id}: {done.previous} -> {done.state}; {done.note}")
    if done.restock_pending:
        say(f"its stock was deducted: give it back, once the goods are back on the shelf, with: "
            f"hub orders restock {done.order_id}")


@orders.command("status")
@click.argument("order_id", type=int)
@click.argument("state")
@click.option("--reason", help="Why (required to cancel); the platform gets it where it takes one.")
@click.option("--local", is_flag=True, help="Record the move in the hub only; tell the platform "
                                            "nothing.")
@json_option
def status(order_id: int, state: str, reason: str | None, local: bool, as_json: bool) -> None:
    """Move order ORDER_ID to STATE (handling, invoiced, delivered, cancelled, returned...).

    With the account's status flow on, the move is queued for the platform (hub orders push,
    or the daemon, sends it); a state the platform cannot write is refused. Moves that make
    no sense (delivering what never shipped, anything after a cancellation) are refused
    with the reason. ``shipped`` comes from: hub orders ship.
    """
    from hub.core.sync.lifecycle import request_state
    from hub.lifecycle import parse_state

    try:
        target = parse_state(state)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    _state_said(request_state(get_app(), order_id, target, source="cli", reason=reason,
                              local=local), as_json)


@orders.command("cancel")
@click.argument("order_id", type=int)
@click.option("--reason", required=True, help="Why; the platform gets it where it takes one.")
@json_option
def cancel(order_id: int, reason: str, as_json: bool) -> None:
    """Cancel order ORDER_ID in the hub, and on its platform when the status flow is on."""
    from hub.core.sync.lifecycle import request_state
    from hub.lifecycle import OrderState

    _state_said(request_state(get_app(), order_id, OrderState.CANCELLED, source="cli",
                              reason=reason), as_json)


@orders.command("restock")
@click.argument("order_id", type=int)
@json_option
def restock(order_id: int, as_json: bool) -> None:
    """Give a cancelled or returned order's deducted stock back (the admin's confirmation)."""
    from hub.core.sync.lifecycle import restock as do_restock

    done = do_restock(get_app(), order_id)
    if as_json:
        emit_json({"id": done.order_id, "units": done.units})
    else:
        say(f"order {order_id}: {done.units} unit(s) given back to stock")


@orders.command("push")
@click.option("--account", help="Only this account.")
@json_option
def push_states(account: str | None, as_json: bool) -> None:
    """Send queued order states (the status flow) to the platforms."""
    from hub.cli.stock import _push

    _push("status", account, as_json)
@orders.command("reference")
@click.argument("order_id", type=int)
@click.argument("new_ref")
def reference(order_id: int, new_ref: str) -> None:
    """Keep order ORDER_ID under reference NEW_REF and release its platform order, so the next
    import that sees the platform order brings it in again as a new order (both linked)."""
    from hub.core.connections import change_reference

    _, key = change_reference(get_app(), order_id, new_ref)
    say(f"order {order_id} is now reference '{new_ref}'; platform order {key} is imported again "
        "as a new order by the next import that sees it")


def register(cli: click.Group) -> None:
    from hub.cli.invoices import invoice

    orders.add_command(invoice)
    cli.add_command(orders)
