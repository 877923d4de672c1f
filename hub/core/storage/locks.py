"""Serialising writers that must see each other's rows: "check, then create" done once.

Two processes importing at the same time (two accounts selling to the same buyer,
``hub worker``s, daemons sharing a database) both find a customer missing and would
both create it. :func:`hold_write_lock` makes the current transaction the one writer
of a shared set of rows until it ends; the caller then reads again what it matched
(another writer may have created it meanwhile) and creates only what is still missing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlmodel import Session

_ADVISORY = text("SELECT pg_advisory_xact_lock(hashtext(:name))").bindparams(bindparam("name"))


def hold_write_lock(session: Session, name: str, model: Any) -> None:
    """Hold ``name``'s lock (rows of ``model``'s table) until the session's transaction ends.

    PostgreSQL: a transaction-level advisory lock, so only the transactions that create
    these rows wait for each other (readers and other writers do not). SQLite has one
    writer at a time: a write that changes nothing takes the database's write lock now
    (waiting up to the busy timeout), and from then on every read of this transaction
    sees what the writer before it committed.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ADVISORY, {"name": name})
        return
    table: Table = model.__table__
    quote = session.get_bind().dialect.identifier_preparer
    key = quote.format_column(next(iter(table.primary_key.columns)))
    session.connection().exec_driver_sql(
        f"UPDATE {quote.format_table(table)} SET {key} = {key} WHERE 1 = 0")
