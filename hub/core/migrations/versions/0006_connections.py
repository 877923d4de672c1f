"""order_terms (a connection's terms recorded per order) and order_link (re-imports by reference)

Revision ID: 0006_connections
Revises: 0005_invoices
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.storage.columns

revision = '0006_connections'
down_revision = '0005_invoices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'order_terms',
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('shipment_billing', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('tickets_handled_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('carrier_account', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('shipping_rules', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['hub_order.id'], ),
        sa.PrimaryKeyConstraint('order_id'),
    )
    op.create_table(
        'order_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('platform_order_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('linked_order_id', sa.Integer(), nullable=True),
        sa.Column('at', hub.core.storage.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
        sa.ForeignKeyConstraint(['order_id'], ['hub_order.id'], ),
        sa.ForeignKeyConstraint(['linked_order_id'], ['hub_order.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('order_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_link_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_link_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_link_platform_order_id'), ['platform_order_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_link_platform_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_link_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_link_account_id'))
    op.drop_table('order_link')
    op.drop_table('order_terms')
