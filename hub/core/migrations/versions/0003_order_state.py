"""hub_order.state (the canonical order lifecycle) and order_event.source

Revision ID: 0003_order_state
Revises: 0002_push_managed
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_order_state'
down_revision = '0002_push_managed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hub_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=20), nullable=False,
                                      server_default='ready'))
        batch_op.create_index(batch_op.f('ix_hub_order_state'), ['state'], unique=False)
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=True))
    # orders the back office already shipped before states existed
    op.execute("UPDATE hub_order SET state = 'shipped' "
               "WHERE id IN (SELECT order_id FROM shipment)")


def downgrade() -> None:
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('hub_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hub_order_state'))
        batch_op.drop_column('state')
