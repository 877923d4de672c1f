"""Disconnecting a shop and reading its currency (``hub accounts disconnect`` / ``authorize``).

Shopify lets an app give up its own grant: ``DELETE
/admin/api_permissions/current.json`` with the app's token uninstalls the app
from the shop, and every token of the installation stops working at once
(shopify.dev, "Uninstall a Shopify app with an API request"). A custom app's
token (``access_token`` setting) is revoked the same way.
"""

from __future__ import annotations

from hub import Account, AuthError
from hub_shopify.client import ShopifyClient

UNINSTALL_PATH = "/admin/api_permissions/current.json"


async def revoke(account: Account) -> bool:
    """Uninstall the app from the shop; False when its token was already dead (401, 404)."""
    client = ShopifyClient(account)
    try:
        response = await client.http.delete(UNINSTALL_PATH, expect={401, 404})
    except AuthError:  # the token no longer works: the grant is gone already
        return False
    return response.status_code < 300


async def store_currency(account: Account) -> str:
    """The shop's currency (``shop { currencyCode }``; the ``currency`` setting when set)."""
    return await ShopifyClient(account).currency()
