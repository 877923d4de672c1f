"""users and roles: hub_user; api_key.role (existing keys become admin); who acted (actor)

``order_event.actor`` and ``sync_run.actor`` name the API caller behind an event
or a run (``user:NAME`` or ``api_key:NAME``).

Revision ID: 0011_users
Revises: 0010_procrastinate
Create Date: 2026-12-05 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.storage.columns

revision = '0011_users'
down_revision = '0010_procrastinate'
branch_labels = None
depends_on = None

_DT = hub.core.storage.columns.UTCDateTime(timezone=True)


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        'hub_user',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', _str(100), nullable=False),
        sa.Column('role', _str(20), nullable=False),
        sa.Column('password_hash', _str(300), nullable=False),
        sa.Column('created_at', _DT, nullable=False),
        sa.Column('password_changed_at', _DT, nullable=True),
        sa.Column('disabled_at', _DT, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', _str(20), nullable=False,
                                      server_default='admin'))
    for table in ('order_event', 'sync_run'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('actor', _str(120), nullable=True))


def downgrade() -> None:
    for table in ('sync_run', 'order_event'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('actor')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('role')
    op.drop_table('hub_user')
