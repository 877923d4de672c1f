"""Alembic environment: runs on the connection the hub passes in (``hub db upgrade``)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from hub.core.storage.models import load_all

load_all()  # every table in the metadata, the lazily loaded ones too
target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - alembic CLI use without the hub
    raise RuntimeError("run migrations through `hub db upgrade`")
context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
