"""``hub runs``: what every sync run did, and retrying what failed."""

from __future__ import annotations

import sys

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, say, table


@click.group("runs")
def runs() -> None:
    """Run history: every import and push, manual or scheduled."""


def _view(run_row: object, account: str) -> dict[str, object]:
    r = run_row
    return {"id": r.id, "account": account, "flow": r.flow, "trigger": r.trigger,  # type: ignore[attr-defined]
            "status": r.status, "started_at": r.started_at, "finished_at": r.finished_at,  # type: ignore[attr-defined]
            "counts": r.counts or {}, "error": r.error}  # type: ignore[attr-defined]


@runs.command("list")
@click.option("--account", help="Only this account.")
@click.option("--failed", is_flag=True, help="Only failed or partial runs.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@json_option
def list_runs(account: str | None, failed: bool, limit: int, as_json: bool) -> None:
    """Recent runs, newest first."""
    from sqlmodel import col, select

    from hub.core.storage.models import Account, SyncRun

    app = get_app()
    with app.db.session() as s:
        query = (select(SyncRun, Account.name).join(Account, col(Account.id) == SyncRun.account_id)
                 .order_by(col(SyncRun.id).desc()).limit(limit))
        if account:
            query = query.where(Account.name == account)
        if failed:
            query = query.where(col(SyncRun.status).in_(["failed", "partial"]))
        views = [_view(r, name) for r, name in s.exec(query)]
    if as_json:
        emit_json(views)
        return
    table([(v["id"], v["account"], v["flow"], v["trigger"], v["status"], v["started_at"],
            " ".join(f"{k}={n}" for k, n in v["counts"].items() if not isinstance(n, dict)),  # type: ignore[union-attr]
            v["error"] or "") for v in views],
          ["id", "account", "flow", "trigger", "status", "started", "counts", "error"])


@runs.command("show")
@click.argument("run_id", type=int)
@json_option
def show(run_id: int, as_json: bool) -> None:
    """One run with the outcome of each record and its reason."""
    from sqlmodel import col, select

    from hub.core.storage.models import Account, RunItem, SyncRun
    from hub.errors import NotFound

    app = get_app()
    with app.db.session() as s:
        r = s.get(SyncRun, run_id)
        if r is None:
            raise NotFound(f"no run with id {run_id}", hint="see: hub runs list")
        account = s.get(Account, r.account_id)
        view = _view(r, account.name if account else "?")
        view["items"] = [{"key": i.key, "outcome": i.outcome, "reason": i.reason,
                          "resolved": i.resolved}
                         for i in s.exec(select(RunItem).where(RunItem.run_id == run_id)
                                         .order_by(col(RunItem.id)))]
    if as_json:
        emit_json(view)
        return
    click.echo(f"run {view['id']}: {view['account']} {view['flow']} ({view['trigger']}) "
               f"{view['status']}  {view['counts']}")
    if view["error"]:
        click.echo(f"error: {view['error']}")
    table([(i["key"], i["outcome"], i["reason"] or "", "yes" if i["resolved"] else "")
           for i in view["items"]], ["key", "outcome", "reason", "resolved"])  # type: ignore[union-attr]


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
