"""support tickets (SAC): ticket, ticket_message, ticket_reply; account.flow_tickets

Revision ID: 0008_tickets
Revises: 0007_tracking
Create Date: 2026-12-05 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.storage.columns

revision = '0008_tickets'
down_revision = '0007_tracking'
branch_labels = None
depends_on = None

_DT = hub.core.storage.columns.UTCDateTime(timezone=True)


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flow_tickets', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'ticket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('platform', _str(50), nullable=False),
        sa.Column('platform_ticket_id', _str(100), nullable=False),
        sa.Column('kind', _str(20), nullable=False),
        sa.Column('status', _str(20), nullable=False),
        sa.Column('order_ref', _str(100), nullable=True),
        sa.Column('buyer_id', _str(100), nullable=True),
        sa.Column('buyer_name', _str(200), nullable=True),
        sa.Column('subject', sa.Text(), nullable=True),
        sa.Column('stage', _str(50), nullable=True),
        sa.Column('deadline', _DT, nullable=True),
        sa.Column('can_reply', sa.Boolean(), nullable=False),
        sa.Column('platform_created_at', _DT, nullable=False),
        sa.Column('platform_updated_at', _DT, nullable=False),
        sa.Column('waiting_since', _DT, nullable=True),
        sa.Column('fingerprint', _str(64), nullable=False),
        sa.Column('raw', sa.JSON(), nullable=True),
        sa.Column('downloaded_at', _DT, nullable=False),
        sa.Column('updated_at', _DT, nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'platform_ticket_id'),
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        for column in ('account_id', 'kind', 'status', 'order_ref', 'deadline'):
            batch_op.create_index(batch_op.f(f'ix_ticket_{column}'), [column], unique=False)
    op.create_table(
        'ticket_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('platform_message_id', _str(100), nullable=False),
        sa.Column('author', _str(20), nullable=False),
        sa.Column('at', _DT, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=True),
        sa.Column('status', _str(30), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'platform_message_id'),
    )
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_message_ticket_id'), ['ticket_id'], unique=False)
    op.create_table(
        'ticket_reply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', _str(20), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('source', _str(20), nullable=False),
        sa.Column('created_at', _DT, nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('ticket_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_reply_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_reply_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    op.drop_table('ticket_reply')
    op.drop_table('ticket_message')
    op.drop_table('ticket')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('flow_tickets')
