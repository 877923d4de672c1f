"""The ``hub`` command line: noun then verb, data on stdout, messages on stderr.

Exit codes: 0 success, 1 failure, 2 usage or configuration error, 3 partial
success (some records quarantined or some pushes failed). Errors are one line
saying what to do; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

import click

from hub.cli.output import fail
from hub.errors import HubError


class HubGroup(click.Group):
    """Loads plugin commands (the ``register_commands`` hook) only when a command is looked up."""

    _plugins_added = False

    def _add_plugin_commands(self) -> None:
        if HubGroup._plugins_added or os.environ.get("HUB_LOAD_PLUGINS") == "":
            return
        HubGroup._plugins_added = True
        from hub.core.plugins import get_host

        get_host().register_commands(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._add_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"],
                                              "auto_envvar_prefix": "HUB"})
@click.option("--debug", is_flag=True, envvar="HUB_DEBUG", help="Show tracebacks and debug logs.")
@click.version_option(package_name="commerce-hub", prog_name="hub")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """hub: import orders from sales channels; push stock, prices and tracking back."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    from hub.cli.logs import configure_logging
    from hub.core.loading import loading

    configure_logging(debug=debug)
    with loading():
        from hub.core.config import load_env

    load_env()  # a bad HUB_ variable is a one-line error before any command starts


def _register() -> None:
    from hub.cli import (
        accounts,
        apikeys,
        daemon,
        db,
        demo,
        orders,
        plugins,
        runs,
        sandbox,
        shipments,
        stock,
        webhooks,
    )

    for module in (accounts, apikeys, daemon, db, demo, orders, plugins, runs, sandbox, shipments,
                   stock, webhooks):
        module.register(cli)
    from hub.cli import tickets

    tickets.register(cli)
    from hub.cli import products  # catalogue out (issue 20): joins the products group of stock

    products.register(cli)
    from hub.cli import tracking_poll  # carriers (issue 19): hub tracking poll

    tracking_poll.register(cli)


_register()


def _register_worker() -> None:  # distributed mode: hub worker, hub workers list
    from hub.cli import worker

    worker.register(cli)


_register_worker()


def _register_users() -> None:  # users and roles (issue 24)
    from hub.cli import users

    users.register(cli)


_register_users()


def main() -> None:
    """Console entry point: maps errors to one line and an exit code."""
    # httpx imports its own command line client (rich, pygments) when they are installed; the
    # hub never runs it, and it cost every command that talks HTTP ~50 ms of CPU (issue 17)
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    debug = "--debug" in sys.argv or os.environ.get("HUB_DEBUG", "") not in ("", "0")
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        fail("aborted", 1)
    except click.UsageError as exc:
        where = exc.ctx.command_path.replace(exc.ctx.find_root().info_name or "", "hub", 1) \
            if exc.ctx else "hub"
        fail(f"{exc.format_message()} (see: {where} --help)", exc.exit_code)
    except click.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except HubError as exc:
        if debug:
            logging.getLogger("hub").exception("error")
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:
        if debug:
            raise
        from hub.core.http.redact import redact

        fail(redact(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the "
                    "traceback and report it)"), 1)


def console() -> None:
    """The ``hub`` executable: :func:`main`, then an exit without the interpreter's last sweep.

    At exit the interpreter runs the cycle collector over every object still alive: the
    modules, classes and compiled code the command loaded, a quarter of the CPU of a
    ``hub orders import`` with nothing new (issue 17). Freezing them first
    (:func:`gc.freeze`) leaves them out of that sweep; the command's work is done by then
    (its database and HTTP clients closed, its output written). Only the executable does
    this: a process that calls :func:`main` itself (the tests) keeps its collector as it was.
    For the same reason the executable alone freezes what each start-up import block
    loaded (:func:`hub.core.loading.keep_what_loads`).
    """
    from hub.core.loading import keep_what_loads

    keep_what_loads()
    try:
        main()
    finally:
        gc.freeze()
