"""``hub tracking poll``: ask the carriers about open shipments now, as the daemon does."""

from __future__ import annotations

import sys
from typing import Any

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, say


def exit_code(status: str, error: str | None) -> int:
    """1 when a run failed, 3 when some items did, else 0 (the run commands' codes)."""
    return 1 if error else 3 if status == "partial" else 0


def run_json(done: Any) -> dict[str, Any]:
    return {"run_id": done.run_id, "status": done.status, "error": done.error,
            **done.counts.as_dict()}


@click.command("poll")
@click.option("--account", help="Only this carrier account (default: every carrier account "
                                "with the tracking_in flow on).")
@json_option
def poll(account: str | None, as_json: bool) -> None:
    """Ask the carriers about their open shipments now (a tracking_in run per carrier account).

    Each account tracks the shipments routed to it (by carrier name or tracking-number
    format) that are not delivered or returned, younger than its tracking_max_age_days,
    and not checked within the carrier's cache time.
    """
    from hub.core.storage.queries import active_accounts
    from hub.core.sync.tracking_in import poll_tracking

    app = get_app()
    if account:
        names = [account]
    else:
        with app.db.session() as s:
            names = [r.name for r in active_accounts(s, "tracking_in")]
    if not names:
        say("no carrier account has the tracking_in flow on; switch it on: "
            "hub accounts flows NAME --tracking-in on")
    results: dict[str, Any] = {}
    code = 0
    for name in names:
        done = run(poll_tracking(app, name))
        results[name] = run_json(done)
        if not as_json:
            say(f"{name}: tracking_in {done.summary() or 'nothing to track'} (run {done.run_id})"
                + (f"; error: {done.error}" if done.error else ""))
        code = max(code, exit_code(done.status, done.error))
    if as_json:
        emit_json(results)
    sys.exit(code)


def register(cli: click.Group) -> None:
    from hub.cli.stock import tracking

    tracking.add_command(poll)
    tracking.help = "Tracking: pushes of recorded shipments out, carriers' tracking in."
