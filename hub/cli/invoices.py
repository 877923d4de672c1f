"""``hub orders invoice``: record, correct, cancel and list an order's invoices."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import get_app
from hub.cli.output import emit_json, json_option, parse_when, say, table
from hub.errors import ConfigError


@click.command("invoice")
@click.argument("order_id", type=int)
@click.option("--xml", "xml_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The authorised NF-e XML (nfeProc): number, series, key, date, value and "
                   "items are read from it.")
@click.option("--number", help="Invoice number (countries without an NF-e XML).")
@click.option("--series", help="Invoice series.")
@click.option("--key", help="Invoice access key (a 44-digit NF-e key is checked).")
@click.option("--value", help="Invoice value (default: the order total, or the lines').")
@click.option("--date", help="Issue date (YYYY-MM-DD or ISO; default: now).")
@click.option("--url", help="Where the buyer can see the invoice.")
@click.option("--lines", help="A partial invoice: SKU:QTY,SKU:QTY (default: the whole order, "
                              "or the NF-e's items).")
@click.option("--replace", metavar="NUMBER",
              help="Correct the order's invoice NUMBER instead of adding one.")
@click.option("--cancel", "cancel", is_flag=True, help="Cancel an invoice of the order "
                                                       "(--number names it when it has several).")
@click.option("--reason", help="Why it is cancelled (with --cancel).")
@click.option("--list", "show", is_flag=True, help="List the order's invoices.")
@json_option
def invoice(order_id: int, xml_path: Path | None, number: str | None, series: str | None,
            key: str | None, value: str | None, date: str | None, url: str | None,
            lines: str | None, replace: str | None, cancel: bool, reason: str | None,
            show: bool, as_json: bool) -> None:
    """Record the order's invoice, queue it for its platform and mark the order invoiced.

    With --xml the authorised NF-e is read and checked (access key and its check
    digit, authorisation status 100); a malformed or unauthorised one is refused
    naming the field at fault. The platform's invoice is updated, never duplicated:
    correct one with --replace NUMBER, cancel one with --cancel. Invoices are sent by
    the account's tracking flow (hub tracking push, or the daemon).
    """
    from hub.core.api.invoices import invoice_out
    from hub.core.sync import invoicing
    from hub.core.sync.inventory import parse_money

    app = get_app()
    if show:
        rows = invoicing.invoices_of(app, order_id)
        if as_json:
            emit_json([invoice_out(r).model_dump(mode="json") for r in rows])
        else:
            table([(r.number, r.series or "", r.key or "", f"{r.issued_at:%Y-%m-%d}",
                    f"{r.value} {r.currency}", "partial" if r.partial else "whole", r.status,
                    ",".join(f"{k}={v}" for k, v in (r.platform_ids or {}).items()))
                   for r in rows],
                  ["number", "series", "key", "issued", "value", "covers", "status", "platform"])
        return
    if cancel:
        if xml_path or replace or value or key or lines:
            raise ConfigError("--cancel takes only --number (which invoice) and --reason")
        done = invoicing.cancel_invoice(app, order_id, number, reason=reason)
    else:
        covered = invoicing.parse_lines(lines) if lines else None
        if xml_path is not None:
            if number or key or value or date or series:
                raise ConfigError("--xml carries number, series, key, value and date; give "
                                  "either --xml or those options")
            try:
                data = xml_path.read_bytes()
            except OSError as exc:
                raise ConfigError(f"cannot read {xml_path}: {exc.strerror}") from None
            given = invoicing.InvoiceInput.from_xml(data, covered)
            given.url = url
        else:
            given = invoicing.InvoiceInput(
                number=number, series=series, key=key, url=url, lines=covered,
                value=parse_money(value, "--value") if value else None,
                issued_at=parse_when(date, "--date"))
        done = invoicing.record_invoice(app, order_id, given, replace=replace)
    row = done.invoice
    if as_json:
        emit_json({**invoice_out(row).model_dump(mode="json"), "action": done.action,
                   "queued": done.queued})
    else:
        what = {"created": "recorded", "corrected": "corrected", "cancelled": "cancelled"}[done.action]
        say(f"order {order_id}: invoice {row.number} {what} ({row.value} {row.currency}"
            + (", partial" if row.partial else "") + ")"
            + ("; order moved to invoiced" if done.state_moved else ""))
        if done.note:
            say(f"note: {done.note}")
        say("queued for the platform (hub tracking push, or the daemon, sends it)" if done.queued
            else "not sent: the account's tracking flow (which carries invoices) is off")
