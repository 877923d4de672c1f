"""``hub users``: people who sign in to the console, each with a role (admin, operator, viewer)."""

from __future__ import annotations

import sys

import click

from hub.cli.context import get_app
from hub.cli.output import emit_json, json_option, say, table
from hub.errors import ConfigError

ROLE = click.Choice(["admin", "operator", "viewer"], case_sensitive=False)


def _password(from_stdin: bool) -> str:
    """The password from one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = click.prompt("Password", hide_input=True, default="", show_default=False)
    second = click.prompt("Repeat it", hide_input=True, default="", show_default=False)
    if first != second:
        raise ConfigError("the two passwords differ")
    return str(first)


stdin_option = click.option("--password-stdin", "from_stdin", is_flag=True,
                            help="Read the password from the first line of stdin.")


@click.group("users")
def users() -> None:
    """Users of the console: a role each, passwords stored as salted scrypt hashes."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, help="admin, operator (reads and acts) or viewer (reads).")
@stdin_option
def add(name: str, role: str, from_stdin: bool) -> None:
    """Add user NAME with ROLE; the password is asked twice (or read with --password-stdin)."""
    from hub.core.principals import parse_role
    from hub.core.users import add_user

    parse_role(role)  # a bad role is refused before asking for a password
    row = add_user(get_app(), name, role, _password(from_stdin))
    say(f"added user '{row.name}' ({row.role})")


@users.command("list")
@json_option
def list_users(as_json: bool) -> None:
    """Every user's name, role and whether they are disabled (never a password)."""
    from hub.core.users import list_users as do_list

    views = do_list(get_app())
    if as_json:
        emit_json(views)
        return
    table([(v["name"], v["role"], v["created_at"], "disabled" if v["disabled"] else "active")
           for v in views], ["name", "role", "created", "state"])


@users.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Disable user NAME: they cannot sign in from now on."""
    from hub.core.users import disable_user

    changed = disable_user(get_app(), name)
    say(f"user '{name}' disabled" if changed else f"user '{name}' was already disabled")


@users.command("passwd")
@click.argument("name")
@stdin_option
def passwd(name: str, from_stdin: bool) -> None:
    """Give user NAME a new password (asked twice, or read with --password-stdin)."""
    from hub.core.users import set_password

    set_password(get_app(), name, _password(from_stdin))
    say(f"password of user '{name}' changed")


def register(cli: click.Group) -> None:
    cli.add_command(users)
