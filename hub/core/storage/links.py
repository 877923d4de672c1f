"""Write-side repository for an account's links: the warehouses that feed its stock."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from hub.core.storage.models import AccountWarehouse


def set_feed_warehouses(s: Session, account_id: int, warehouse_ids: Iterable[int]) -> None:
    """Make ``warehouse_ids`` the warehouses whose stock sum is pushed to account ``account_id``."""
    for link in s.exec(select(AccountWarehouse).where(AccountWarehouse.account_id == account_id)):
        s.delete(link)
    s.flush()
    for warehouse_id in warehouse_ids:
        s.add(AccountWarehouse(account_id=account_id, warehouse_id=warehouse_id))
