"""carriers' tracking: shipment_event, shipment status, the tracking_in flow

Revision ID: 0007_tracking
Revises: 0006_connections
Create Date: 2026-12-05 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.core.storage.columns

revision = '0007_tracking'
down_revision = '0006_connections'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shipment_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shipment_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('at', hub.core.storage.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('code', sa.String(length=50), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=200), nullable=True),
        sa.Column('recorded_at', hub.core.storage.columns.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('shipment_id', 'code', 'at'),
    )
    with op.batch_alter_table('shipment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_event_shipment_id'), ['shipment_id'],
                              unique=False)
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('status_at', hub.core.storage.columns.UTCDateTime(
            timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_at', hub.core.storage.columns.UTCDateTime(
            timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_shipment_status'), ['status'], unique=False)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flow_tracking_in', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('flow_tracking_in')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_status'))
        batch_op.drop_column('checked_at')
        batch_op.drop_column('status_at')
        batch_op.drop_column('status')
    op.drop_table('shipment_event')
