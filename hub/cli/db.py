"""``hub db`` and ``hub config``: schema migrations and hub-wide settings."""

from __future__ import annotations

import click

from hub.cli.context import get_app
from hub.cli.output import emit_json, json_option, say
from hub.errors import ConfigError

HUB_SETTINGS = {"currency": "the hub's currency (ISO 4217); orders in another currency are skipped"}


@click.group("db")
def db() -> None:
    """The database."""


@db.command("upgrade")
def upgrade() -> None:
    """Apply pending migrations (also done automatically on first use)."""
    app = get_app()
    app.db.upgrade()
    from importlib.util import find_spec

    if app.db.dialect == "postgresql" and find_spec("procrastinate") is not None:
        from hub.core.queue import ensure_queue_schema

        if ensure_queue_schema(app):  # procrastinate installed after migration 0007 ran
            say("created the job queue's tables (procrastinate)")
    say(f"database at revision {app.db.revision()}")


@db.command("status")
@json_option
def status(as_json: bool) -> None:
    """Where the data lives and its schema revision."""
    from hub.core.storage.db import HEAD

    app = get_app()
    from hub.core.http.redact import redact_url

    info = {"database": redact_url(app.config.database_url), "data_dir": str(app.config.data_dir),
            "revision": app.db.revision(), "head": HEAD}
    if as_json:
        emit_json(info)
    else:
        for key, value in info.items():
            click.echo(f"{key}: {value}")


@click.group("config")
def config() -> None:
    """Hub-wide settings."""


@config.command("set")
@click.argument("key")
@click.argument("value")
def config_set(key: str, value: str) -> None:
    """Set a hub-wide setting (currency)."""
    if key not in HUB_SETTINGS:
        raise ConfigError(f"unknown setting '{key}'; known: {', '.join(HUB_SETTINGS)}")
    value = value.strip().upper()
    if len(value) != 3 or not value.isalpha():
        raise ConfigError(f"currency must be an ISO 4217 code such as USD, got '{value}'")
    get_app().set_setting(key, value)


@config.command("show")
@json_option
def config_show(as_json: bool) -> None:
    """Effective hub-wide settings."""
    data = {"currency": get_app().currency}
    if as_json:
        emit_json(data)
    else:
        for key, value in data.items():
            click.echo(f"{key}: {value}")


def register(cli: click.Group) -> None:
    cli.add_command(db)
    cli.add_command(config)
