"""``hub api-keys``: keys for the daemon's back-office API (``Authorization: Bearer <key>``)."""

from __future__ import annotations

import click

from hub.cli.context import get_app
from hub.cli.output import emit_json, json_option, say, table


@click.group("api-keys")
def api_keys() -> None:
    """API keys of the back-office API: shown once, stored as a hash."""


@api_keys.command("create")
@click.argument("name")
@click.option("--role", default="admin", show_default=True,
              help="admin, operator (reads and acts) or viewer (reads only).")
@json_option
def create(name: str, role: str, as_json: bool) -> None:
    """Create key NAME with ROLE and print it (this once only: only its hash is stored)."""
    from hub.core.apikeys import create as do_create

    row, key = do_create(get_app(), name, role)
    if as_json:
        emit_json({"name": row.name, "role": row.role, "key": key, "created_at": row.created_at})
    else:
        click.echo(key)
    say(f"created API key '{row.name}'; it is shown only now. Send it as: "
        "Authorization: Bearer <key>")


@api_keys.command("list")
@json_option
def list_keys(as_json: bool) -> None:
    """Every key's name, prefix, last use and whether it is revoked (never the key)."""
    from hub.core.apikeys import list_keys as do_list

    views = do_list(get_app())
    if as_json:
        emit_json(views)
        return
    table([(v["name"], v["role"], v["prefix"] + "...", v["created_at"], v["last_used_at"],
            "revoked" if v["revoked"] else "active") for v in views],
          ["name", "role", "prefix", "created", "last used", "state"])


@api_keys.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke key NAME: requests with it are refused (401) from now on."""
    from hub.core.apikeys import revoke as do_revoke

    do_revoke(get_app(), name)
    say(f"API key '{name}' revoked")


def register(cli: click.Group) -> None:
    cli.add_command(api_keys)
