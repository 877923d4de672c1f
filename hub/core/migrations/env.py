"""Alembic environment: runs on the connection the hub passes in (``hub db upgrade``)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import hub.core.storage.models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - alembic CLI use without the hub
    raise RuntimeError("run migrations through `hub db upgrade`")
context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
