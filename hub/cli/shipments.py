"""``hub shipments``: shipments and their carriers' tracking; ask a carrier now."""

from __future__ import annotations

import sys

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, say, table


@click.group("shipments")
def shipments() -> None:
    """Shipments of imported orders and what the carriers report about them."""


@shipments.command("list")
@click.option("--account", help="Only shipments of this sales account's orders.")
@click.option("--status", help="Only this tracking status (delivered, in_transit, ...).")
@click.option("--carrier", help="Only shipments with this carrier name (case-insensitive).")
@click.option("--untracked", is_flag=True,
              help="Open shipments no carrier account with tracking in can track.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
def list_(account: str | None, status: str | None, carrier: str | None, untracked: bool,
          limit: int, as_json: bool) -> None:
    """Shipments newest first, with their latest tracking status."""
    from hub.core.api.views import list_shipments, shipment_out
    from hub.core.sync.tracking_in import untracked as find_untracked

    app = get_app()
    if untracked:
        rows = [shipment_out(sh) for sh in find_untracked(app)]
        if as_json:
            emit_json([r.model_dump(mode="json") for r in rows])
            return
        table([(r.id, r.carrier, r.tracking_number, r.created_at) for r in rows],
              ["id", "carrier", "tracking", "shipped"])
        if rows:
            say(f"{len(rows)} shipment(s) no carrier account tracks; add one: "
                "hub accounts add correios ... then hub accounts flows NAME --tracking-in on")
        return
    account_id = app.accounts.row(account).id if account else None
    found = list_shipments(app.db, account_id=account_id, status=status, carrier=carrier,
                           limit=limit)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in found])
        return
    table([(r.id, r.account, r.order_id, r.carrier, r.tracking_number, r.status or "-",
            r.status_at or "-", r.order_state) for r in found],
          ["id", "account", "order", "carrier", "tracking", "status", "since", "order state"])


@shipments.command("track")
@click.argument("carrier_account")
@json_option
def track(carrier_account: str, as_json: bool) -> None:
    """Ask CARRIER_ACCOUNT's carrier about its open shipments now (as the daemon does)."""
    from hub.cli.tracking_poll import exit_code, run_json
    from hub.core.sync.tracking_in import poll_tracking

    done = run(poll_tracking(get_app(), carrier_account))
    if as_json:
        emit_json(run_json(done))
    else:
        say(f"run {done.run_id} {done.status}: {done.summary() or 'nothing to track'}")
        if done.error:
            say(f"error: {done.error}")
    code = exit_code(done.status, done.error)
    if code:
        sys.exit(code)


def register(cli: click.Group) -> None:
    cli.add_command(shipments)
