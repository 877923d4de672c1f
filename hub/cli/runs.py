"""``hub runs``: what every sync run did, and retrying what failed."""

from __future__ import annotations

import sys
from typing import Any

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, say, table


@click.group("runs")
def runs() -> None:
    """Run history: every import and push, manual or scheduled."""


def _counts(counts: dict[str, Any]) -> str:
    """``imported=3 skipped=1``; nested counts (e.g. recovered faults) as ``faults.retried=2``."""
    parts: list[str] = []
    for key, value in counts.items():
        if isinstance(value, dict):
            parts += [f"{key}.{k}={v}" for k, v in value.items()]
        else:
            parts.append(f"{key}={value}")
    return " ".join(parts)


@runs.command("list")
@click.option("--account", help="Only this account.")
@click.option("--failed", is_flag=True, help="Only failed or partial runs.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@json_option
def list_runs(account: str | None, failed: bool, limit: int, as_json: bool) -> None:
    """Recent runs, newest first (``--json``: the items of ``GET /api/runs``)."""
    from hub.core.api.views import list_runs as query

    app = get_app()
    account_id = app.accounts.row(account).id if account else None
    result = query(app.db, account_id=account_id, failed=failed, limit=limit)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in result.items])
    else:
        table([(r.id, r.account, r.flow, r.trigger, r.status, r.started_at,
                _counts({k: n for k, n in r.counts.items() if not isinstance(n, dict)}), r.error or "")
               for r in result.items],
              ["id", "account", "flow", "trigger", "status", "started", "counts", "error"])
    if len(result.items) < result.total:
        say(f"showing {len(result.items):,} of {result.total:,} runs; use --limit N")


@runs.command("show")
@click.argument("run_id", type=int)
@json_option
def show(run_id: int, as_json: bool) -> None:
    """One run with the outcome of each record and its reason (``--json``: ``GET /api/runs/ID``)."""
    from hub.core.api.views import run_detail

    view = run_detail(get_app().db, run_id)
    if as_json:
        emit_json(view.model_dump(mode="json"))
        return
    finished = f"{view.finished_at:%Y-%m-%d %H:%M:%S}" if view.finished_at else "-"
    for key, value in (("run", view.id), ("account", view.account), ("flow", view.flow),
                       ("trigger", view.trigger), ("status", view.status),
                       ("started", f"{view.started_at:%Y-%m-%d %H:%M:%S}"), ("finished", finished),
                       ("counts", _counts(view.counts) or "-")):
        click.echo(f"{key + ':':<10}{value}")
    if view.error:
        click.echo(f"{'error:':<10}{view.error}")
    if view.items:
        click.echo("")
        table([(i.key, i.outcome, i.reason or "", "yes" if i.resolved else "") for i in view.items],
              ["key", "outcome", "reason", "resolved"])


@runs.command("retry")
@click.argument("run_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Retry every unresolved quarantined order and failed push.")
def retry(run_id: int | None, all_failed: bool) -> None:
    """Re-process the quarantined orders and failed pushes of RUN_ID (or of all runs)."""
    from hub.core.sync.retry import retry_runs

    if (run_id is None) == (not all_failed):
        raise click.UsageError("give a RUN_ID or --all-failed (not both)")
    result = run(retry_runs(get_app(), None if all_failed else [run_id]))  # type: ignore[list-item]
    say(f"retried: {result.resolved} resolved, {result.still_failing} still failing "
        f"(runs {', '.join(map(str, result.runs)) or 'none'})")
    sys.exit(3 if result.still_failing else 0)


_UNITS = {"d": 86400, "h": 3600, "w": 7 * 86400}


def _age(value: str) -> float:
    """Seconds in ``90d``, ``12h`` or ``2w``."""
    number, unit = value.strip()[:-1], value.strip()[-1:].lower()
    if unit not in _UNITS or not number.isdigit() or int(number) < 1:
        raise click.BadParameter(f"'{value}' must look like 90d, 12h or 2w",
                                 param_hint="--older-than")
    return int(number) * _UNITS[unit]


@runs.command("prune")
@click.option("--older-than", "older_than", required=True, metavar="AGE",
              help="Delete runs started longer ago than AGE: 90d, 12h or 2w.")
@click.option("--dry-run", is_flag=True, help="Only say how many runs and items would go.")
def prune_runs(older_than: str, dry_run: bool) -> None:
    """Delete old run history (runs and their per-record items); running runs stay.

    The daemon does this daily on its own (``hub daemon --runs-retention-days``, default 90).
    """
    from datetime import UTC, datetime, timedelta

    from hub.core.sync.runs import prune

    cutoff = datetime.now(UTC) - timedelta(seconds=_age(older_than))
    app = get_app()
    with app.db.session() as s:
        gone, items = prune(s, cutoff, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    say(f"{verb} {gone} run{'' if gone == 1 else 's'} and {items} item{'' if items == 1 else 's'}"
        f" started before {cutoff:%Y-%m-%d %H:%M} UTC")


def register(cli: click.Group) -> None:
    cli.add_command(runs)
