"""The store's currency, read from its trade policies (sales channels).

``GET /api/catalog_system/pvt/saleschannel/list`` lists the account's trade
policies with their ``CurrencyCode``; the main one (id 1, or the first active)
is the store's. VTEX app keys cannot be revoked by the app itself (only an
admin deletes them in the License Manager), so the plugin implements no
``revoke_authorization``: a disconnect wipes the keys the hub holds.
"""

from __future__ import annotations

from typing import Any

from hub import Account, json_list
from hub_vtex.client import VtexClient

SALES_CHANNELS = "/api/catalog_system/pvt/saleschannel/list"


async def store_currency(account: Account) -> str | None:
    """The main trade policy's currency, or None when the account lists none."""
    client = VtexClient(account)
    channels: list[Any] = json_list(await client.catalog.get(SALES_CHANNELS), "trade policies")
    active = [c for c in channels if isinstance(c, dict) and c.get("IsActive", True)]
    main = next((c for c in active if str(c.get("Id")) == "1"), active[0] if active else None)
    code = (main or {}).get("CurrencyCode")
    return code.upper() if isinstance(code, str) and len(code) == 3 else None
