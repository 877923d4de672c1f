"""``hub daemon``: run every account's jobs on a schedule until stopped."""

from __future__ import annotations

import asyncio
import signal

import click

from hub.cli.context import get_app
from hub.cli.output import say


@click.command("daemon")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              envvar="HUB_LOG_FORMAT", show_default=True)
def daemon(log_format: str) -> None:
    """Sync every enabled account on its schedule; SIGTERM/SIGINT finish the page and exit 0."""
    from hub.cli.logs import configure_logging
    from hub.core.scheduler import Daemon

    ctx = click.get_current_context()
    configure_logging(debug=ctx.find_root().obj.get("debug", False), fmt=log_format)
    import logging

    logging.getLogger("hub").setLevel(logging.INFO)
    app = get_app()
    app.db.ensure_schema()

    async def main() -> None:
        runner = Daemon(app)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, runner.stop)
        await runner.run()

    say(f"hub daemon: data in {app.config.data_dir}; stop with Ctrl-C or SIGTERM")
    asyncio.run(main())


def register(cli: click.Group) -> None:
    cli.add_command(daemon)
