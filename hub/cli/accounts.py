"""``hub accounts``: connect, configure, switch flows, authorize."""

from __future__ import annotations

import os
from typing import Any

import click

from hub.cli.connections import warn_currency
from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, key_values, say, table

ON_OFF = click.Choice(["on", "off"])


@click.group("accounts")
def accounts() -> None:
    """Store and seller accounts on each platform (several per platform)."""


@accounts.command("add")
@click.argument("platform")
@click.option("--name", required=True, help="A unique name for this account, e.g. main-store.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A setting from the plugin's schema (repeatable).")
def add(platform: str, name: str, settings: tuple[str, ...]) -> None:
    """Add an account on PLATFORM; settings are checked against the plugin's schema."""
    app = get_app()
    row = app.accounts.add(platform, name, key_values(settings))
    say(f"added {platform} account '{row.name}'; writes (stock, price, tracking) are off until "
        f"switched on: hub accounts flows {row.name} --stock on")
    from hub.types import Capability

    info = app.host.info(platform)
    keys = [spec.name for spec in info.settings if spec.store_key]
    if Capability.OAUTH not in info.capabilities and all(key_values(settings).get(k) for k in keys):
        warn_currency(row.name)  # the store's keys are given: ask it for its currency now


@accounts.command("set")
@click.argument("name")
@click.argument("settings", nargs=-1, required=True, metavar="KEY=VALUE...")
def set_settings(name: str, settings: tuple[str, ...]) -> None:
    """Change settings of account NAME."""
    get_app().accounts.update_settings(name, key_values(settings, "KEY=VALUE"))
    say(f"updated account '{name}'")


@accounts.command("list")
@click.option("--platform", help="Only accounts of this platform.")
@json_option
def list_accounts(platform: str | None, as_json: bool) -> None:
    """Every account with its platform, state and flows."""
    app = get_app()
    views = [_with_authorization(app, r, app.accounts.describe(r)) for r in app.accounts.rows(platform)]
    if as_json:
        emit_json(views)
        return
    table([(v["name"], v["platform"], "paused" if v["paused"] else
            ("enabled" if v["enabled"] else "disabled"),
            ",".join(f for f, on in v["flows"].items() if on) or "-",
            _authorized_text(v))
           for v in views], ["name", "platform", "state", "flows", "authorized"])


def _with_authorization(app: Any, row: Any, view: dict[str, Any]) -> dict[str, Any]:
    """``authorized`` and ``authorized_at``: true once ``hub accounts authorize`` succeeded (OAuth
    credentials stored, or API keys verified), or when credentials are stored."""
    from hub.core.storage.queries import authorized_at

    with app.db.session() as s:
        at = authorized_at(s, row)
    view["authorized"] = bool(view.get("authorized")) or at is not None
    view["authorized_at"] = at
    return view


def _authorized_text(view: dict[str, Any]) -> str:
    if not view["authorized"]:
        return "no"
    at = view["authorized_at"]
    return f"yes ({at:%Y-%m-%d %H:%M} UTC)" if at else "yes"


@accounts.command("show")
@click.argument("name")
@json_option
def show(name: str, as_json: bool) -> None:
    """One account's settings (secrets shown as ***), flows and state."""
    app = get_app()
    row = app.accounts.row(name)
    view = _with_authorization(app, row, app.accounts.describe(row, with_settings=True))
    if as_json:
        emit_json(view)
        return
    for key in ("name", "platform", "enabled", "paused"):
        click.echo(f"{key}: {view[key]}")
    click.echo(f"authorized: {_authorized_text(view)}")
    click.echo("flows: " + ", ".join(f"{f} {'on' if on else 'off'}" for f, on in view["flows"].items()))
    for key, value in view["settings"].items():
        click.echo(f"  {key} = {value}")
    for key, value in view["reference"].items():
        click.echo(f"  ({key}: {value})")
    click.echo("back-office currency: " + (view["back_office_currency"]
                                          or f"{app.currency} (the hub's)"))
    for part in ("brand", "terms"):
        shown = {k: v for k, v in view[part].items() if v is not None}
        click.echo(f"{part}: " + (", ".join(f"{k} {v}" for k, v in shown.items()) or "-"))


@accounts.command("remove")
@click.argument("name")
@click.confirmation_option(prompt="Remove this account?")
def remove(name: str) -> None:
    """Remove an account that never synced (disable it otherwise, to keep its history)."""
    get_app().accounts.remove(name)
    say(f"removed account '{name}'")


@accounts.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Resume all sync of account NAME."""
    get_app().accounts.set_flags(name, enabled=True, paused_reason=None)
    say(f"account '{name}' enabled")


@accounts.command("flows")
@click.argument("name")
@click.option("--orders", type=ON_OFF, help="Import orders.")
@click.option("--stock", type=ON_OFF, help="Push stock levels.")
@click.option("--price", type=ON_OFF, help="Push prices.")
@click.option("--tracking", type=ON_OFF, help="Push tracking and invoices.")
@click.option("--status", type=ON_OFF, help="Push order states (handling, delivered, cancelled).")
@click.option("--tracking-in", "tracking_in", type=ON_OFF,
              help="Carrier accounts: read shipments' tracking from the carrier.")
@click.option("--tickets", type=ON_OFF, help="Download buyers' tickets and send replies.")
@json_option
def flows(name: str, orders: str | None, stock: str | None, price: str | None,
          tracking: str | None, status: str | None, tracking_in: str | None, tickets: str | None,
          as_json: bool) -> None:
    """Switch flows on or off for account NAME (writes are off until switched on)."""
    app = get_app()
    changes = {k: v == "on" for k, v in
               {"orders": orders, "stock": stock, "price": price, "tracking": tracking,
                "status": status, "tracking_in": tracking_in, "tickets": tickets}.items()
               if v is not None}
    if changes:
        app.accounts.set_flows(name, changes)
    view = app.accounts.describe(app.accounts.row(name))["flows"]
    if as_json:
        emit_json(view)
    else:
        click.echo(", ".join(f"{f} {'on' if on else 'off'}" for f, on in view.items()))


@accounts.command("warehouses")
@click.argument("name")
@click.option("--feed", help="Comma-separated warehouses whose stock sum is pushed (default: all).")
@click.option("--sales", help="The warehouse this account's sales debit.")
def warehouses(name: str, feed: str | None, sales: str | None) -> None:
    """Choose which warehouses feed account NAME's stock and which one its sales debit."""
    from hub.core.storage.links import set_feed_warehouses
    from hub.core.sync.stock import warehouse_by_name

    app = get_app()
    row = app.accounts.row(name)
    with app.db.session() as s:
        if feed is not None:
            chosen = [warehouse_by_name(s, w.strip()) for w in feed.split(",") if w.strip()]
            set_feed_warehouses(s, row.id or 0, [w.id or 0 for w in chosen])
        sales_id = warehouse_by_name(s, sales).id if sales else None
    if sales_id is not None:
        app.accounts.set_flags(name, sales_warehouse_id=sales_id)
    say(f"account '{name}': feed {feed or '(unchanged)'}, sales {sales or '(unchanged)'}")


@accounts.command("authorize")
@click.argument("name")
@click.option("--port", type=int, default=lambda: int(os.environ.get("HUB_OAUTH_PORT", "0")),
              help="Loopback port for the OAuth redirect (HUB_OAUTH_PORT; must match the app's "
                   "registered redirect URI).")
@click.option("--browser/--no-browser", default=False, help="Open the URL in a browser.")
@click.option("--reimport-released", is_flag=True,
              help="Import again, as new orders, the orders a disconnect released to the store.")
def authorize(name: str, port: int, browser: bool, reimport_released: bool) -> None:
    """Connect account NAME: OAuth2 in the browser, or verify its API keys. A disconnected or
    disabled account is enabled again and resumes from its cursor (released orders are not
    imported again unless --reimport-released)."""
    from hub.core.authorize import authorize_account

    opener = None
    if browser:
        import webbrowser

        def opener(url: str) -> None:
            click.echo(f"Opening {url}", err=True)
            webbrowser.open(url)

    app = get_app()
    was_enabled = app.accounts.row(name).enabled
    stored = run(authorize_account(app, name, port=port, opener=opener))
    say(f"account '{name}' is authorized" + (" (credentials stored encrypted)" if stored else ""))
    if not was_enabled:
        say(f"account '{name}' is connected again; its import resumes from its cursor")
    if reimport_released:
        from hub.core.connections import reimport_released as detach

        say(f"{detach(app, name)} released order(s) will be imported again by the next import")
    warn_currency(name)


def register(cli: click.Group) -> None:
    from hub.cli.connections import disable, disconnect

    accounts.add_command(disconnect)
    accounts.add_command(disable)
    cli.add_command(accounts)
