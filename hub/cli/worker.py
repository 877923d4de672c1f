"""``hub worker`` and ``hub workers list``: run the daemon's jobs on any machine (PostgreSQL).

With ``HUB_EXECUTOR=procrastinate`` the daemon queues its jobs in the hub's
PostgreSQL database; each ``hub worker`` process, on this machine or another one
pointing at the same ``HUB_DATABASE_URL``, takes them off the queue and runs
them. SIGTERM/SIGINT: the running jobs finish their page and the worker exits 0.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from hub.cli.context import get_app
from hub.cli.output import emit_json, json_option, say, table
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.core.app import HubApp


def _queue_app() -> HubApp:
    app = get_app()
    if app.db.dialect != "postgresql":
        raise ConfigError("hub worker needs a PostgreSQL database (HUB_DATABASE_URL=postgresql://...); "
                          "on SQLite the daemon runs every job itself",
                          hint="set HUB_DATABASE_URL, or run: hub daemon")
    app.db.ensure_schema()  # migration 0007 creates the queue's tables
    from hub.core.queue import ensure_queue_schema

    ensure_queue_schema(app)  # ... unless procrastinate was installed after it ran
    return app


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True,
              envvar="HUB_WORKER_CONCURRENCY", help="Jobs run at once by this process.")
@click.option("--queues", default="", envvar="HUB_WORKER_QUEUES",
              help="Comma-separated queues to take jobs from (default: all).")
@click.option("--stalled-seconds", type=click.FloatRange(1, None), default=30.0, show_default=True,
              envvar="HUB_WORKER_STALLED_SECONDS",
              help="A worker silent this long is dead: its running jobs go back to the queue.")
@click.option("--delete-jobs", type=click.Choice(["successful", "never", "always"]),
              default="successful", show_default=True,
              help="Which finished jobs leave the queue table at once (run history keeps the outcome).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              envvar="HUB_LOG_FORMAT", show_default=True)
def worker(concurrency: int, queues: str, stalled_seconds: float, delete_jobs: str,
           log_format: str) -> None:
    """Run queued jobs (HUB_EXECUTOR=procrastinate) until SIGTERM/SIGINT."""
    import logging

    from hub.cli.logs import configure_logging
    from hub.core.queue import Queue

    ctx = click.get_current_context()
    configure_logging(debug=ctx.find_root().obj.get("debug", False), fmt=log_format)
    logging.getLogger("hub").setLevel(logging.INFO)
    app = _queue_app()
    queue = Queue(app, pool_size=concurrency + 2, stalled_seconds=stalled_seconds)
    wanted = [q.strip() for q in queues.split(",") if q.strip()]

    import asyncio  # here, not at the top: hub --help stays fast
    import signal
    import socket

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, queue.stop.set)
        try:
            await queue.run_worker(concurrency=concurrency, queues=wanted, delete_jobs=delete_jobs,
                                   name=f"{socket.gethostname()}:{os.getpid()}")
        finally:
            await app.accounts.aclose()

    if app.config.executor != "procrastinate":
        say("hub worker: note: HUB_EXECUTOR is not 'procrastinate' here; daemons started like this "
            "run their jobs themselves and queue none")
    say(f"hub worker: {concurrency} at once, queues {', '.join(wanted) or 'all'}; "
        "stop with Ctrl-C or SIGTERM")
    asyncio.run(main())


@click.group("workers")
def workers() -> None:
    """Worker processes (HUB_EXECUTOR=procrastinate)."""


@workers.command("list")
@click.option("--stalled-seconds", type=click.FloatRange(1, None), default=30.0, show_default=True,
              envvar="HUB_WORKER_STALLED_SECONDS", help="Heartbeat age after which a worker is dead.")
@json_option
def workers_list(stalled_seconds: float, as_json: bool) -> None:
    """Registered workers: alive, jobs running, last heartbeat; and the queue."""
    from hub.core.queue import queue_stats
    from hub.core.queue import workers as list_workers

    app = _queue_app()
    found = list_workers(app, stalled_seconds)
    stats = queue_stats(app)
    if as_json:
        emit_json({"workers": [{"id": w.id, "alive": w.alive, "running": w.running,
                                "last_heartbeat": w.last_heartbeat} for w in found],
                   "queue": {"waiting": stats.depth, "running": stats.running,
                             "oldest_wait_seconds": round(stats.oldest_age, 1)}})
        return
    now = datetime.now(UTC)
    table([(w.id, "yes" if w.alive else "NO (stalled)", w.running,
            f"{w.last_heartbeat:%Y-%m-%d %H:%M:%S} ({(now - w.last_heartbeat).total_seconds():.0f} s ago)")
           for w in found], ["id", "alive", "running", "last heartbeat"])
    say(f"queue: {stats.depth} waiting (oldest {stats.oldest_age:.0f} s), {stats.running} running")


def register(cli: click.Group) -> None:
    cli.add_command(worker)
    cli.add_command(workers)
