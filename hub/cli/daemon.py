"""``hub daemon``: run every account's jobs on a schedule until stopped."""

from __future__ import annotations

import click

from hub.cli.context import get_app
from hub.cli.output import say


@click.command("daemon")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              envvar="HUB_LOG_FORMAT", show_default=True)
@click.option("--listen", default="127.0.0.1:8765", envvar="HUB_LISTEN", show_default=True,
              help="HOST:PORT for webhooks and health checks; 'off' serves nothing.")
@click.option("--runs-retention-days", type=click.IntRange(0, None), envvar="HUB_RUNS_RETENTION_DAYS",
              help="Prune run history older than this many days, daily (default 90); "
                   "0 keeps everything.")
@click.option("--startup-jitter", type=click.FloatRange(0, None), default=10.0, show_default=True,
              envvar="HUB_STARTUP_JITTER",
              help="Spread the first runs over this many seconds (so a restart does not fire every "
                   "account at once).")
def daemon(log_format: str, listen: str, runs_retention_days: int | None, startup_jitter: float) -> None:
    """Sync every enabled account on its schedule; SIGTERM/SIGINT finish the page and exit 0.

    The listen address is bound first: if it is in use the daemon exits 2
    before any job runs.
    """
    from hub.cli.logs import configure_logging
    from hub.core.scheduler import Daemon

    ctx = click.get_current_context()
    configure_logging(debug=ctx.find_root().obj.get("debug", False), fmt=log_format)
    import logging

    logging.getLogger("hub").setLevel(logging.INFO)
    address = None if listen == "off" else _address(listen)
    app = get_app()
    runner = Daemon(app, listen=address, retention_days=runs_retention_days,
                    startup_jitter=startup_jitter)
    runner.bind()  # a busy port: one line, exit 2, before any job or database work
    app.db.ensure_schema()
    if app.config.executor == "procrastinate":
        from hub.core.queue import ensure_queue_schema

        ensure_queue_schema(app)

    import asyncio  # here, not at the top: hub --help stays fast
    import signal

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, runner.stop)
        await runner.run()

    mode = "; jobs queued for hub worker (procrastinate)" if app.config.executor == "procrastinate" else ""
    say(f"hub daemon: data in {app.config.data_dir}{mode}; stop with Ctrl-C or SIGTERM")
    asyncio.run(main())


def _address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host or not 0 < int(port) < 65536:
        raise click.BadParameter(f"'{value}' must look like 127.0.0.1:8765", param_hint="--listen")
    return host.strip("[]"), int(port)


def register(cli: click.Group) -> None:
    cli.add_command(daemon)
