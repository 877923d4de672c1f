"""``hub sandbox run PLATFORM``: serve a plugin's local fake of its platform on loopback."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

import click

from hub.cli.output import emit_json, say


@click.group("sandbox")
def sandbox() -> None:
    """Local fakes of the platforms, for trying hub without real stores."""


@sandbox.command("run")
@click.argument("platform")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="0 picks a free port.")
@click.option("--orders", type=click.IntRange(0, 1_000_000), default=120, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--latency", type=click.FloatRange(0, 60), default=0.0, help="Seconds per request.")
@click.option("--currency", metavar="CODE", default=None,
              help="The store's currency (default: the platform's usual one); give your hub's "
                   "(hub config get currency) so its orders are importable.")
def run_sandbox(platform: str, port: int, orders: int, seed: int, latency: float,
                currency: str | None) -> None:
    """Serve PLATFORM's sandbox on 127.0.0.1 and print the settings an account needs."""
    import socket

    from hub.core.plugins import get_host
    from hub.sandbox import SandboxOptions, run

    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise click.BadParameter(f"'{currency}' is not a currency code: give three letters, e.g. BRL",
                                 param_hint="--currency")
    host = get_host()
    sb = host.create_sandbox(platform, SandboxOptions(seed=seed, orders=orders, latency=latency,
                                                      currency=currency and currency.upper()))
    if port == 0:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = sb.account_settings(base)
    say(f"{platform} sandbox on {base} ({orders} orders, seed {seed}); connect an account with:")
    say(f"  {connect_command(platform, settings)}")
    emit_json({"base_url": base, "settings": settings})
    run(sb.app, "127.0.0.1", port)


def connect_command(platform: str, settings: Mapping[str, str]) -> str:
    """The ``hub accounts add`` line for ``settings``, each word shell-quoted so it pastes as is."""
    words = ["hub", "accounts", "add", platform, "--name", "sandbox"]
    for key, value in settings.items():
        words += ["--set", f"{key}={value}"]
    return shlex.join(words)


def register(cli: click.Group) -> None:
    cli.add_command(sandbox)
