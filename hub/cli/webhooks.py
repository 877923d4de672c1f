"""``hub webhooks``: outbound webhooks that send order events to a subscriber (a 3PL, an ERP)."""

from __future__ import annotations

import sys

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, say, table


@click.group("webhooks")
def webhooks() -> None:
    """Outbound webhooks: order, shipment and ticket events POSTed, signed, per account."""


@webhooks.command("add")
@click.option("--account", required=True, help="The account whose order events are sent.")
@click.option("--url", required=True, help="The subscriber's http(s) URL.")
@click.option("--events", default="",
              help="Comma-separated events to send (default: every event, e.g. order.cancelled and "
                   "shipment.updated too).")
@json_option
def add(account: str, url: str, events: str, as_json: bool) -> None:
    """Subscribe URL to ACCOUNT's order events; prints the signing secret, this once only."""
    from hub.core.http.redact import redact_url
    from hub.core.outbound import add_subscription

    sub, secret = add_subscription(get_app(), account, url, events)
    if as_json:
        emit_json({"id": sub.id, "account": account, "url": redact_url(sub.url),
                   "events": sub.events,
                   "secret": secret})
    else:
        click.echo(secret)
    say(f"added webhook subscription {sub.id} for account '{account}' ({', '.join(sub.events or [])}); "
        "the signing secret above is shown only now: give it to the subscriber to verify "
        "X-Hub-Signature")


@webhooks.command("list")
@click.option("--account", help="Only this account's subscriptions.")
@json_option
def list_subscriptions(account: str | None, as_json: bool) -> None:
    """Subscriptions with their state (a disabled one shows why), failures and queue."""
    from hub.core.outbound import list_subscriptions as do_list

    views = do_list(get_app(), account)
    if as_json:
        emit_json(views)
        return
    table([(v["id"], v["account"], v["url"], ",".join(v["events"]),
            "enabled" if v["enabled"] else f"disabled: {v['disabled_reason']}",
            v["consecutive_failures"], v["pending"], v["last_delivery_at"]) for v in views],
          ["id", "account", "url", "events", "state", "failures", "pending", "last delivery"])


@webhooks.command("remove")
@click.argument("subscription_id", type=int)
@click.confirmation_option(prompt="Remove this subscription and its queued deliveries?")
def remove(subscription_id: int) -> None:
    """Remove subscription SUBSCRIPTION_ID with its queued and past deliveries."""
    from hub.core.outbound import remove_subscription

    pending = remove_subscription(get_app(), subscription_id)
    say(f"removed webhook subscription {subscription_id}"
        + (f"; {pending} queued deliveries were dropped" if pending else ""))


@webhooks.command("enable")
@click.argument("subscription_id", type=int)
def enable(subscription_id: int) -> None:
    """Enable SUBSCRIPTION_ID again (after fixing the receiver); its queue is sent from the oldest."""
    from hub.core.outbound import set_enabled

    set_enabled(get_app(), subscription_id, True)
    say(f"webhook subscription {subscription_id} enabled; queued deliveries are due now "
        "(the daemon sends them, or: hub webhooks deliver)")


@webhooks.command("disable")
@click.argument("subscription_id", type=int)
def disable(subscription_id: int) -> None:
    """Stop sending to SUBSCRIPTION_ID; events keep being queued for it."""
    from hub.core.outbound import set_enabled

    set_enabled(get_app(), subscription_id, False)
    say(f"webhook subscription {subscription_id} disabled; events are still queued for it")


@webhooks.command("deliveries")
@click.option("--failed", is_flag=True, help="Only deliveries whose last attempt failed.")
@click.option("--subscription", "subscription_id", type=int, help="Only this subscription.")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@json_option
def deliveries(failed: bool, subscription_id: int | None, limit: int, as_json: bool) -> None:
    """Recent deliveries, newest first, with their attempts and last error."""
    from hub.core.outbound import list_deliveries

    views = list_deliveries(get_app(), failed=failed, subscription_id=subscription_id, limit=limit)
    if as_json:
        emit_json(views)
        return
    table([(v["id"], v["subscription"], v["event"], v["order_id"], v["status"], v["attempts"],
            v["last_error"] or "", v["next_attempt_at"] if v["status"] == "pending" else "")
           for v in views],
          ["id", "subscription", "event", "order", "status", "attempts", "last error", "next attempt"])


@webhooks.command("deliver")
@json_option
def deliver(as_json: bool) -> None:
    """Send the due deliveries now (the daemon does this every few seconds)."""
    from hub.core.outbound import deliver_due

    report = run(deliver_due(get_app()))
    if as_json:
        emit_json({"delivered": report.delivered, "failed": report.failed,
                   "disabled": report.disabled, "skipped": report.skipped})
    elif report.skipped:
        say("another process (the daemon?) is delivering right now; nothing sent")
    else:
        say(report.summary())
    if report.failed:
        say("some deliveries failed; see: hub webhooks deliveries --failed")
        sys.exit(3)


def register(cli: click.Group) -> None:
    cli.add_command(webhooks)
