"""customer document: the buyer's tax document (CPF/CNPJ, CUIT, RFC...), for an ERP issuing
the invoice

Revision ID: 0015_customer_document
Revises: 0014_customer_unique
Create Date: 2026-12-06 04:50:00

A nullable column: existing customers get it filled in by their next imported order that
carries it (``hub.core.sync.catalog.CustomerMatcher``, never overwritten). It is not
indexed: a buyer is never matched by it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015_customer_document'
down_revision = '0014_customer_unique'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customer', sa.Column('document', sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customer') as batch:
        batch.drop_column('document')
