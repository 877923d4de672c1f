"""invoice: invoices as their own record (number, key, value, NF-e XML, lines, status)

Revision ID: 0005_invoices
Revises: 0004_status_flow
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.core.storage.columns

revision = '0005_invoices'
down_revision = '0004_status_flow'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invoice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('series', sa.String(length=10), nullable=True),
        sa.Column('key', sa.String(length=100), nullable=True),
        sa.Column('issued_at', hub.core.storage.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column('value', hub.core.storage.columns.DecimalString(length=40), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('url', sa.String(length=1000), nullable=True),
        sa.Column('xml', sa.Text(), nullable=True),
        sa.Column('lines', sa.JSON(), nullable=True),
        sa.Column('partial', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('platform_ids', sa.JSON(), nullable=True),
        sa.Column('created_at', hub.core.storage.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', hub.core.storage.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['order_id'], ['hub_order.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_status'), ['status'], unique=False)
    # invoices recorded with shipments before invoices had their own table
    op.execute(
        "INSERT INTO invoice (order_id, account_id, number, key, issued_at, value, currency, "
        "partial, status, source, created_at, updated_at) "
        "SELECT s.order_id, o.account_id, s.invoice_number, s.invoice_key, "
        "COALESCE(s.invoice_date, s.created_at), COALESCE(s.invoice_value, o.total), o.currency, "
        "false, 'active', 'shipment', s.created_at, s.created_at "
        "FROM shipment s JOIN hub_order o ON o.id = s.order_id "
        "WHERE s.invoice_number IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_status'))
        batch_op.drop_index(batch_op.f('ix_invoice_key'))
        batch_op.drop_index(batch_op.f('ix_invoice_account_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_order_id'))
    op.drop_table('invoice')
