"""``hub demo``: the whole cycle against local sandboxes, in its own data directory."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.cli.output import say


@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".hub-demo"),
              show_default=True, help="The demo's own data directory (cleared on each run).")
@click.option("--orders", type=click.IntRange(1, 100_000), default=60, show_default=True,
              help="Orders each sandbox generates.")
@click.option("--platform", "platforms", multiple=True, help="Only these platforms (repeatable).")
@click.option("--keep-running", is_flag=True,
              help="Leave the sandboxes and the daemon running for exploring with the CLI.")
def demo(data_dir: Path, orders: int, platforms: tuple[str, ...], keep_running: bool) -> None:
    """Run import, pushes, shipping and a webhook against every installed plugin's sandbox."""
    from hub.core.demo import demo as run_demo
    from hub.core.demo import render
    from hub.core.plugins import get_host

    host = get_host()
    for problem in host.problems:
        say(f"hub: warning: plugin {problem.entry_point} ({problem.distribution}) not loaded: "
            f"{problem.error}")
    with run_demo(host, data_dir, orders=orders, platforms=list(platforms) or None,
                  say=lambda m: click.echo(m, err=True, nl=not m.startswith("\r"))) as (runner, result):
        render(result, lambda m: click.echo(m))
        if keep_running and result.ok:
            _keep_running(runner)
    sys.exit(result.exit_code)


def _keep_running(runner: object) -> None:
    import asyncio
    import signal

    from hub.core.scheduler import Daemon

    app = runner.app  # type: ignore[attr-defined]
    say("")
    say(f"sandboxes and the daemon keep running; in another shell: export HUB_DATA_DIR={app.config.data_dir}")
    say(f"webhooks: {runner.hub_url}/webhooks/<platform>/<account>; Ctrl-C to stop")  # type: ignore[attr-defined]

    async def main() -> None:
        daemon = Daemon(app)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, daemon.stop)
        await daemon.run()

    asyncio.run(main())


def register(cli: click.Group) -> None:
    cli.add_command(demo)
