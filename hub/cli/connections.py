"""``hub accounts disconnect`` / ``disable`` and the store-currency check (connections, seed 004).

Registered on the ``accounts`` group by :mod:`hub.cli.accounts`.
"""

from __future__ import annotations

import click

from hub.cli.context import get_app, run
from hub.cli.output import emit_json, json_option, say

CURRENCY_CHECK_SECONDS = 15.0
"""How long ``hub accounts add`` waits for the store to tell its currency before moving on."""


def warn_currency(name: str) -> None:
    """Read the store's currency and warn (stderr) when it differs from the back office's."""
    import asyncio

    from hub.core.connections import currency_warning

    app = get_app()

    async def check() -> str | None:
        try:
            return await asyncio.wait_for(currency_warning(app, name), CURRENCY_CHECK_SECONDS)
        except TimeoutError:
            return (f"account '{name}': the store did not tell its currency within "
                    f"{CURRENCY_CHECK_SECONDS:.0f} s; it is checked again at: "
                    f"hub accounts authorize {name}")

    warning = run(check())
    if warning:
        say(f"warning: {warning}")


def _release(name: str, *, wipe: bool, as_json: bool) -> None:
    from hub.core.connections import disconnect

    done = run(disconnect(get_app(), name, wipe=wipe))
    if as_json:
        emit_json({"account": name, "released": done.released, "kept": done.kept,
                   "revoked": done.revoked, "revoke_error": done.revoke_error,
                   "wiped": done.wiped})
    say(done.summary(name))


@click.command("disconnect")
@click.argument("name")
@click.confirmation_option(prompt="Disconnect this account (open orders go back to the store, "
                                  "tokens are revoked and wiped)?")
@json_option
def disconnect(name: str, as_json: bool) -> None:
    """Disconnect account NAME: flows stop, open (not yet shipped) orders are released back to
    the store, shipped ones stay; the grant is revoked where the platform allows and the
    tokens and store keys are wiped. Reconnect with: hub accounts authorize NAME."""
    _release(name, wipe=True, as_json=as_json)


@click.command("disable")
@click.argument("name")
@json_option
def disable(name: str, as_json: bool) -> None:
    """Deactivate account NAME: the same as a disconnect (flows stop, open orders are released
    back to the store, shipped ones stay), but its credentials are kept for: hub accounts
    enable NAME."""
    _release(name, wipe=False, as_json=as_json)
