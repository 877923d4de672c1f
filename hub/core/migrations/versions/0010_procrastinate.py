"""procrastinate: the job queue's schema (PostgreSQL only; a no-op on SQLite), and job_mark

The SQL is the installed procrastinate's own ``schema.sql`` (its tables
``procrastinate_jobs``, ``procrastinate_workers``, ``procrastinate_events``,
``procrastinate_periodic_defers``, types and functions), applied once so that
``hub db upgrade`` is the only step a deployment takes. A later procrastinate
release that changes its schema comes with a new hub migration applying its
migration files (see docs/deployment.md).

Revision ID: 0010_procrastinate
Revises: 0009_catalogue
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.core.storage.columns import UTCDateTime

revision = '0010_procrastinate'
down_revision = '0009_catalogue'
branch_labels = None
depends_on = None


def _raw_execute(sql: str) -> None:
    """Run a multi-statement script on the migration's own connection (no bind parameters)."""
    cursor = op.get_bind().connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    op.create_table(
        'job_mark',
        sa.Column('flow', sa.String(length=50), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('deferred_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('flow', 'account_id'),
    )
    if op.get_bind().dialect.name != 'postgresql':
        return  # the embedded SQLite hub runs every job in the daemon: no queue
    try:
        from procrastinate.schema import SchemaManager
    except ModuleNotFoundError:  # the postgres extra without procrastinate: nothing to create
        return
    exists = op.get_bind().exec_driver_sql(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL").scalar()
    if not exists:
        _raw_execute(SchemaManager.get_schema())


def downgrade() -> None:
    op.drop_table('job_mark')
    if op.get_bind().dialect.name != 'postgresql':
        return
    _raw_execute("""
DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
             WHERE p.proname LIKE 'procrastinate%' AND p.pronamespace = current_schema()::regnamespace
    LOOP EXECUTE 'DROP FUNCTION IF EXISTS ' || r.fn || ' CASCADE'; END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t
             WHERE t.typname LIKE 'procrastinate%' AND t.typtype = 'e'
               AND t.typnamespace = current_schema()::regnamespace
    LOOP EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE'; END LOOP;
END $$;
""")
