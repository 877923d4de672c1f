"""customer unique: one "Unspecified" customer (a partial unique index), so concurrent imports
create it with INSERT ... ON CONFLICT ... RETURNING instead of each creating its own

Revision ID: 0014_customer_unique
Revises: 0013_console_sessions
Create Date: 2026-12-06 03:10:00

A database where two imports raced may hold several "Unspecified" customers (no
contact data, first name "Unspecified", created for orders without a buyer). They are
the same non-person, so they are merged before the index is created: every row that
refers to one of them (orders, buyer links, catalogue rows: each foreign key to
``customer.id``, found in the database itself) is pointed at the oldest (lowest id)
and the others are deleted. Nothing else about a customer is unique (a buyer is
matched by phone, else e-mail; see ``hub.core.sync.catalog.CustomerMatcher``), so no
other row is touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_customer_unique'
down_revision = '0013_console_sessions'
branch_labels = None
depends_on = None

INDEX = 'uq_customer_unspecified'


def _merge_unspecified() -> None:
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text(
        "SELECT id FROM customer WHERE unspecified ORDER BY id"))]
    if len(ids) < 2:
        return
    keep, extra = ids[0], ids[1:]
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] != "customer" or fk["referred_columns"] != ["id"]:
                continue
            column = fk["constrained_columns"][0]
            bind.execute(sa.text(f'UPDATE "{table}" SET "{column}" = :keep '
                                 f'WHERE "{column}" IN :extra').bindparams(
                sa.bindparam("extra", expanding=True)), {"keep": keep, "extra": extra})
    bind.execute(sa.text("DELETE FROM customer WHERE id IN :extra").bindparams(
        sa.bindparam("extra", expanding=True)), {"extra": extra})


def upgrade() -> None:
    _merge_unspecified()
    op.create_index(INDEX, 'customer', ['unspecified'], unique=True,
                    sqlite_where=sa.text('unspecified'), postgresql_where=sa.text('unspecified'))


def downgrade() -> None:
    op.drop_index(INDEX, table_name='customer')
