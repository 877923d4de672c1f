"""``hub tickets``: buyers' questions, post-sale messages and claims, and the seller's replies."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, fail, json_option, say, table


@click.group("tickets")
def tickets() -> None:
    """Post-sale service (SAC): tickets downloaded from each channel, and replies to them."""


@tickets.command("import")
@click.option("--account", required=True, envvar="HUB_ACCOUNT", help="The account to read.")
@click.option("--full", is_flag=True, help="Read the whole backfill window, not from the cursor.")
@json_option
def import_(account: str, full: bool, as_json: bool) -> None:
    """Download the account's new and changed tickets (the tickets flow must be on)."""
    from hub.core.sync.tickets import import_tickets

    result = run(import_tickets(get_app(), account, full=full))
    if as_json:
        emit_json({"run_id": result.run_id, "status": result.status, "error": result.error,
                   "counts": result.counts.as_dict()})
    else:
        say(f"run {result.run_id}: {result.status}; {result.counts.summary()}")
    if result.error:
        fail(f"{account}: {result.error}")
    if result.status == "partial":
        sys.exit(3)


@tickets.command("list")
@click.option("--account", help="Only this account.")
@click.option("--status", type=click.Choice(["open", "answered", "waiting", "closed"]),
              help="Only tickets in this status.")
@click.option("--overdue", is_flag=True,
              help="Only tickets past the platform's deadline, or waiting over 24 h without one.")
@click.option("--limit", type=click.IntRange(1, 10000), default=200, show_default=True)
@json_option
def list_(account: str | None, status: str | None, overdue: bool, limit: int, as_json: bool) -> None:
    """Tickets, most recently changed first (``--json``: the items of ``GET /api/tickets``)."""
    from hub.core.sync.tickets import list_tickets

    found = list_tickets(get_app(), account=account, status=status, overdue=overdue, limit=limit)
    if as_json:
        emit_json(found)
        return
    table([(t["id"], t["account"], t["kind"], t["status"] + (" OVERDUE" if t["overdue"] else ""),
            t["order"] or "-", t["deadline"] or "-", t["platform_ticket_id"]) for t in found],
          ["ID", "ACCOUNT", "KIND", "STATUS", "ORDER", "DEADLINE", "CHANNEL ID"])


@tickets.command("show")
@click.argument("ticket")
@json_option
def show(ticket: str, as_json: bool) -> None:
    """One ticket (hub ID, or ACCOUNT:CHANNEL_ID) with its conversation and the hub's replies."""
    from hub.core.sync.tickets import show_ticket

    view = show_ticket(get_app(), ticket)
    if as_json:
        emit_json(view)
        return
    click.echo(f"ticket {view['id']} · {view['account']} · {view['kind']} · {view['status']}"
               f"{' · OVERDUE' if view['overdue'] else ''} · {view['platform_ticket_id']}")
    for label in ("order", "buyer", "subject", "stage", "deadline"):
        if view[label]:
            click.echo(f"  {label}: {view[label]}")
    for m in view["messages"]:
        click.echo(f"  [{m['at']:%Y-%m-%d %H:%M} UTC] {m['author']}: {m['text']}")
        for url in m["attachments"]:
            click.echo(f"      attachment: {url}")
    for r in view["replies"]:
        click.echo(f"  reply {r['id']} ({r['source']}): {r['status']}"
                   f"{': ' + r['error'] if r['error'] else ''}")


@tickets.command("reply")
@click.argument("ticket")
@click.option("--message", "message", help="The reply's text.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the reply's text from this file ('-' is not accepted).")
@json_option
def reply(ticket: str, message: str | None, file: Path | None, as_json: bool) -> None:
    """Reply on TICKET (hub ID, or ACCOUNT:CHANNEL_ID), a ticket downloaded from its channel.

    The reply counts as sent only when the ticket read back from the platform holds it; a
    refusal (the hub's rules or the platform's: length, contact data, already answered)
    exits 1 with the reason.
    """
    from hub.core.sync.tickets import reply as send

    if (message is None) == (file is None):
        fail("give the reply with exactly one of --message TEXT or --file PATH", 2)
    text = message if message is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    result = run(send(get_app(), ticket, text, source="cli"))
    if as_json:
        emit_json({"reply_id": result.reply_id, "ticket_id": result.ticket_id,
                   "status": result.status, "error": result.error})
    if result.status != "sent":
        fail(f"ticket {result.ticket_id}: reply {result.status}: {result.error}")
    if not as_json:
        say(f"ticket {result.ticket_id}: reply sent and confirmed on the platform")


def register(cli: click.Group) -> None:
    cli.add_command(tickets)
