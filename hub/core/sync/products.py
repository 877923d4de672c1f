"""Catalogue sync: link every listing of an account to a hub product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.core.sync.catalog import ProductMatcher

if TYPE_CHECKING:
    from hub.core.app import HubApp


@dataclass
class ProductSync:
    listings: int = 0
    created: int = 0


async def sync_products(app: HubApp, name: str) -> ProductSync:
    """Read the account's catalogue (``fetch_products``) and link it, a batch per transaction."""
    row = app.accounts.row(name)
    account = app.accounts.open(row)
    result = ProductSync()
    async for batch in app.host.fetch_products(account, None):
        products = [app.host.map_product(account, payload) for payload in batch]
        with app.db.session() as s:
            matcher = ProductMatcher(s, row.id or 0, account.setting("product_key", "sku") or "sku")
            for product in products:
                result.listings += len(matcher.link_product(product))
            result.created += len(matcher.created)
    return result
