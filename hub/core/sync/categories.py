"""Each account's platform category for a hub category (``hub categories map``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from hub.core.storage.catalogue import CategoryMapping
from hub.core.storage.models import Account, Category
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.core.app import HubApp


def map_category(app: HubApp, account: str, category: str, platform_category: str) -> None:
    """Publish products of hub ``category`` under ``platform_category`` on ``account``."""
    row = app.accounts.row(account)
    if not platform_category.strip():
        raise ConfigError("the platform category must not be empty (e.g. MLB1055)")
    with app.db.session() as s:
        found = s.exec(select(Category).where(Category.name == category)).first()
        if found is None:
            found = Category(name=category)
            s.add(found)
            s.flush()
        mapping = s.get(CategoryMapping, (row.id, found.id)) or CategoryMapping(
            account_id=row.id or 0, category_id=found.id or 0, platform_category="")
        mapping.platform_category = platform_category.strip()
        s.add(mapping)


def list_mappings(app: HubApp, account: str | None) -> list[dict[str, Any]]:
    with app.db.session() as s:
        query = select(Category, CategoryMapping, Account).outerjoin(
            CategoryMapping, col(CategoryMapping.category_id) == Category.id).outerjoin(
            Account, col(Account.id) == CategoryMapping.account_id).order_by(col(Category.name))
        rows = []
        for category, mapping, acct in s.exec(query):
            if account and (acct is None or acct.name != account):
                continue
            rows.append({"category": category.name, "account": acct.name if acct else None,
                         "platform_category": mapping.platform_category if mapping else None})
    return rows
