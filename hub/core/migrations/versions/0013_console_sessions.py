"""console sessions: console_session (signing out of the console ends the session server-side)

Revision ID: 0013_console_sessions
Revises: 0011_users
Create Date: 2026-12-05 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.storage.columns

revision = '0013_console_sessions'
down_revision = '0011_users'
branch_labels = None
depends_on = None

_DT = hub.core.storage.columns.UTCDateTime(timezone=True)


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        'console_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', _str(64), nullable=False),
        sa.Column('kind', _str(20), nullable=False),
        sa.Column('name', _str(100), nullable=False),
        sa.Column('csrf', _str(64), nullable=False),
        sa.Column('created_at', _DT, nullable=False),
        sa.Column('seen_at', _DT, nullable=False),
        sa.Column('expires_at', _DT, nullable=False),
        sa.Column('ended_at', _DT, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )


def downgrade() -> None:
    op.drop_table('console_session')
