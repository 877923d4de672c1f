"""catalogue out: product details, category mappings, flow switches, contact links, catalogue events

Revision ID: 0009_catalogue
Revises: 0008_tickets
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.core.storage.columns

revision = '0009_catalogue'
down_revision = '0008_tickets'
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_DEC = hub.core.storage.columns.DecimalString
_DT = hub.core.storage.columns.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'product_detail',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('barcode', _TEXT(length=14), nullable=True),
        sa.Column('brand', _TEXT(length=200), nullable=True),
        sa.Column('weight', _DEC(), nullable=True),
        sa.Column('length', _DEC(), nullable=True),
        sa.Column('width', _DEC(), nullable=True),
        sa.Column('height', _DEC(), nullable=True),
        sa.Column('images', sa.JSON(), nullable=True),
        sa.Column('attributes', sa.JSON(), nullable=True),
        sa.Column('publish', sa.Boolean(), nullable=False),
        sa.Column('field_times', sa.JSON(), nullable=True),
        sa.Column('updated_at', _DT(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['product.id']),
        sa.ForeignKeyConstraint(['product_id'], ['product.id']),
        sa.PrimaryKeyConstraint('product_id'),
    )
    op.create_index(op.f('ix_product_detail_parent_id'), 'product_detail', ['parent_id'])
    op.create_table(
        'category_mapping',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('platform_category', _TEXT(length=100), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['category_id'], ['category.id']),
        sa.PrimaryKeyConstraint('account_id', 'category_id'),
    )
    op.create_table(
        'flow_switch',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('flow', _TEXT(length=30), nullable=False),
        sa.Column('on', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.PrimaryKeyConstraint('account_id', 'flow'),
    )
    op.create_table(
        'contact_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('platform_customer_id', _TEXT(length=100), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'platform_customer_id'),
    )
    op.create_index(op.f('ix_contact_link_account_id'), 'contact_link', ['account_id'])
    op.create_index(op.f('ix_contact_link_customer_id'), 'contact_link', ['customer_id'])
    op.create_table(
        'catalogue_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('at', _DT(timezone=True), nullable=False),
        sa.Column('kind', _TEXT(length=30), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['product_id'], ['product.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_catalogue_event_product_id'), 'catalogue_event', ['product_id'])
    op.create_index(op.f('ix_catalogue_event_customer_id'), 'catalogue_event', ['customer_id'])


def downgrade() -> None:
    for table in ('catalogue_event', 'contact_link', 'flow_switch', 'category_mapping',
                  'product_detail'):
        op.drop_table(table)
