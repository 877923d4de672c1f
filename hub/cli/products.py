"""``hub products add|edit|show|import|publish|flow``, ``hub contacts flow``, ``hub categories map``.

The catalogue commands join the ``hub products`` group of :mod:`hub.cli.stock`
(``list`` and ``sync`` live there).
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, key_values, say, table
from hub.cli.stock import products


def _product_options(fn: Any) -> Any:
    options = [
        click.option("--name", help="The product's name."),
        click.option("--description"),
        click.option("--brand"),
        click.option("--barcode", help="GTIN-8/12/13/14 (EAN, UPC); the check digit is verified."),
        click.option("--weight", type=Decimal, help="Weight in the hub's unit (e.g. kg)."),
        click.option("--length", type=Decimal),
        click.option("--width", type=Decimal),
        click.option("--height", type=Decimal),
        click.option("--image", "images", multiple=True, help="An image URL (repeat for more)."),
        click.option("--category", help="The hub category (created when new)."),
        click.option("--attr", "attrs", multiple=True, metavar="NAME=VALUE",
                     help="An attribute (repeat for more); a variant's options."),
        click.option("--parent", "parent_sku", help="Make this product a variant of PARENT's SKU."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _values(sku: str, given: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"sku": sku}
    for name, value in given.items():
        if name == "images":
            if value:
                values["images"] = list(value)
        elif name == "attrs":
            if value:
                values["attributes"] = key_values(list(value), "--attr")
        elif value is not None:
            values[name] = value
    return values


def _save(sku: str, given: dict[str, Any], create: bool) -> None:
    from hub.core.sync.catalogue_edit import parse_input, save_product

    data = parse_input(_values(sku, given))
    with get_app().db.session() as s:
        change = save_product(s, data, create=create, source="hub (CLI)")
    if change.created:
        say(f"added product {sku}")
    elif change.fields:
        say(f"{sku}: changed " + ", ".join(f"{k} {old!r} -> {new!r}"
                                           for k, (old, new) in change.fields.items()))
    else:
        say(f"{sku}: nothing changed")


@products.command("add")
@click.argument("sku")
@_product_options
def add_product(sku: str, **given: Any) -> None:
    """Add product SKU to the catalogue (published to accounts with the products flow on)."""
    if not given.get("name"):
        raise click.UsageError("Missing option '--name'.")
    _save(sku, given, create=True)


@products.command("edit")
@click.argument("sku")
@_product_options
def edit_product(sku: str, **given: Any) -> None:
    """Change product SKU's given fields; the change is sent to the channels that list it."""
    _save(sku, given, create=False)


@products.command("show")
@click.argument("sku")
@json_option
def show_product(sku: str, as_json: bool) -> None:
    """One product: its values, variants, links to listings and change history."""
    from hub.core.sync.catalogue_edit import show_product as do_show

    with get_app().db.session() as s:
        view = do_show(s, sku)
    if as_json:
        emit_json(view)
        return
    for key in ("sku", "name", "description", "brand", "barcode", "category", "weight", "length",
                "width", "height", "images", "attributes", "parent_sku", "variants"):
        if view.get(key) not in (None, [], {}):
            click.echo(f"{key}: {view[key]}")
    for link in view["links"]:
        click.echo(f"link: account {link['account_id']} -> {link['platform_product_id']}"
                   + (f"/{link['platform_variant_id']}" if link["platform_variant_id"] else ""))
    for event in view["events"]:
        click.echo(f"{event['at']}  {event['kind']}: {event['message']}")


@products.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def import_products(file: Path, as_json: bool) -> None:
    """Create or update products from a CSV (header: sku,name,description,brand,barcode,weight,
    length,width,height,images,category,attributes,parent_sku; images separated by |,
    attributes as name=value;name=value). Bad rows are reported; the rest are saved."""
    from hub.core.sync.catalogue_edit import import_products_csv

    result = import_products_csv(get_app(), file)
    if as_json:
        emit_json({"created": result.created, "updated": result.updated,
                   "unchanged": result.unchanged, "errors": result.errors})
    else:
        say(f"{file}: {result.created} created, {result.updated} updated, {result.unchanged} "
            f"unchanged, {len(result.errors)} rows rejected")
        for error in result.errors[:50]:
            say(f"  {error}")
    if result.errors:
        sys.exit(3)


def _show_value(value: Any) -> str:
    text = "-" if value in (None, [], {}) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


@products.command("publish")
@click.option("--account", help="Only this account (default: every account with the products flow on).")
@click.option("--dry-run", is_flag=True, help="Print what would change (field: old -> new); send nothing.")
@click.option("--retry-failed", is_flag=True, help="Also resend products the platform refused.")
@json_option
def publish_products(account: str | None, dry_run: bool, retry_failed: bool, as_json: bool) -> None:
    """Create or update listings for changed products (only changed fields; never a duplicate)."""
    from hub.core.sync.publish import flow_on, plan, publish

    app = get_app()
    if account:
        names = [account]
    else:
        with app.db.session() as s:
            names = [r.name for r in app.accounts.rows() if r.enabled and not r.paused_reason
                     and flow_on(s, r.id or 0, "products")]
    if not names:
        say("no account has the products flow on; switch it on: hub products flow NAME on")
    if dry_run:
        plans = [plan(app, name) for name in names]
        if as_json:
            emit_json({p.account: {"dry_run": True, "unchanged": p.unchanged, "would_send": [
                {"sku": i.sku, "action": i.action,
                 "changes": {k: {"old": o, "new": n} for k, (o, n) in i.changes.items()}}
                for i in p.items]} for p in plans})
            return
        for p in plans:
            say(f"{p.account}: products dry run: would send {len(p.items)}, unchanged "
                f"{p.unchanged}; nothing sent")
            table([(i.sku, i.action, k, _show_value(o), "->", _show_value(n))
                   for i in p.items for k, (o, n) in i.changes.items()],
                  ["sku", "action", "field", "old (store)", "", "new"])
        return
    _run_flow("products", account, as_json,
              lambda app, name: publish(app, name, retry_failed=retry_failed), names)


def _run_flow(flow: str, account: str | None, as_json: bool, start: Any,
              names: list[str] | None = None) -> None:
    """Run ``start(app, name)`` for each account with ``flow`` on; print counts; exit 0/1/3."""
    from hub.core.sync.publish import flow_on

    app = get_app()
    if names is None:
        if account:
            names = [account]
        else:
            with app.db.session() as s:
                names = [r.name for r in app.accounts.rows() if r.enabled and not r.paused_reason
                         and flow_on(s, r.id or 0, flow)]
        if not names:
            say(f"no account has the {flow} flow on; switch it on: hub {flow} flow NAME on")
    results, code = {}, 0
    for name in names:
        result = run(start(app, name))
        results[name] = {"run": result.run_id, "status": result.status,
                         **result.counts.as_dict(), "error": result.error}
        if not as_json:
            say(f"{name}: {flow} {result.counts.summary()} (run {result.run_id})"
                + (f"; error: {result.error}" if result.error else ""))
        code = max(code, 1 if result.error else 3 if result.counts.counts["failed"] else 0)
    if as_json:
        emit_json(results)
    sys.exit(code)


@products.command("pull")
@click.option("--account", help="Only this account (default: every account with the products flow on).")
@json_option
def pull_products(account: str | None, as_json: bool) -> None:
    """Bring listings created or changed on the channel into the hub (newer change wins)."""
    from hub.core.sync.catalogue_in import pull_products as do_pull

    _run_flow("products", account, as_json, do_pull)


def _flow_command(flow: str) -> click.Command:
    @click.command("flow", help=f"Switch the {flow} flow on or off for account NAME (off by default).")
    @click.argument("name")
    @click.argument("state", type=click.Choice(["on", "off"]))
    def command(name: str, state: str) -> None:
        from hub.core.sync.publish import set_flow

        set_flow(get_app(), name, flow, state == "on")
        say(f"{name}: {flow} flow {state}")

    return command


@click.group("contacts")
def contacts() -> None:
    """Contacts (customers) and their sync with channels."""


@contacts.command("add")
@click.option("--email")
@click.option("--phone")
@click.option("--first-name")
@click.option("--last-name")
def add_contact(email: str | None, phone: str | None, first_name: str | None,
                last_name: str | None) -> None:
    """Add a contact; it is created on accounts with the contacts flow on."""
    from hub.core.sync.contacts_out import add_contact as do_add

    customer = do_add(get_app(), email, phone, first_name, last_name)
    say(f"added contact {customer.id}")


@contacts.command("push")
@click.option("--account", help="Only this account (default: every account with the contacts flow on).")
@click.option("--retry-failed", is_flag=True, help="Also resend contacts the platform refused.")
@json_option
def push_contacts(account: str | None, retry_failed: bool, as_json: bool) -> None:
    """Create or update changed contacts as customers of the channels."""
    from hub.core.sync.contacts_out import push_contacts as do_push

    _run_flow("contacts", account, as_json, lambda app, name: do_push(app, name,
                                                                      retry_failed=retry_failed))


@contacts.command("pull")
@click.option("--account", help="Only this account (default: every account with the contacts flow on).")
@json_option
def pull_contacts(account: str | None, as_json: bool) -> None:
    """Create in the hub the customers the channel has (matched by e-mail or phone, never twice)."""
    from hub.core.sync.contacts_out import pull_contacts as do_pull

    _run_flow("contacts", account, as_json, do_pull)


@click.group("categories")
def categories() -> None:
    """Hub categories and each account's platform category for them."""


@categories.command("map")
@click.argument("category")
@click.argument("platform_category")
@click.option("--account", required=True, help="The account whose platform category this is.")
def map_category(category: str, platform_category: str, account: str) -> None:
    """Publish products of hub CATEGORY under PLATFORM_CATEGORY on ACCOUNT (e.g. MLB1055)."""
    from hub.core.sync.categories import map_category as do_map

    do_map(get_app(), account, category, platform_category)
    say(f"{account}: category '{category}' -> {platform_category}")


@categories.command("list")
@click.option("--account")
@json_option
def list_categories(account: str | None, as_json: bool) -> None:
    """Hub categories with each account's mapping."""
    from hub.core.sync.categories import list_mappings

    rows = list_mappings(get_app(), account)
    if as_json:
        emit_json(rows)
    else:
        table([(r["category"], r["account"] or "-", r["platform_category"] or "-") for r in rows],
              ["category", "account", "platform category"])


def register(cli: click.Group) -> None:
    products.add_command(_flow_command("products"))
    contacts.add_command(_flow_command("contacts"))
    cli.add_command(contacts)
    cli.add_command(categories)
