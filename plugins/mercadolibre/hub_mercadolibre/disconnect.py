"""Disconnecting a seller and reading the site's currency.

Mercado Libre lets an app revoke a user's grant: ``DELETE
/users/{user_id}/applications/{app_id}`` with the user's token (Mercado Libre
developers, "Application manager: revoke user authorization"); the access and
refresh tokens stop working. The currency is the country site's (``site``
setting): Mercado Libre sells in the site's local currency.
"""

from __future__ import annotations

from hub import Account, AuthError
from hub_mercadolibre.client import MeliClient, site


async def revoke(account: Account) -> bool:
    """Revoke the app's grant for the connected seller; False when it was already gone."""
    client = MeliClient(account)
    path = f"/users/{client.seller_id}/applications/{account.require('client_id')}"
    try:
        response = await client.http.delete(path, expect={401, 404})
    except AuthError:  # the token no longer works: the grant is gone already
        return False
    return response.status_code < 300


async def store_currency(account: Account) -> str:
    """The currency of the account's country site (ARS for AR, BRL for BR...)."""
    return site(account).currency
