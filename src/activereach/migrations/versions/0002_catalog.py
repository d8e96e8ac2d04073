"""catalog: tax classes, products, variants, outlet prices, stock, change log, imports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import activereach.kit.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_changes',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('changed_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'seq', name=op.f('pk_catalog_changes'))
    )
    with op.batch_alter_table('catalog_changes', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_changes_changed_at', ['workspace_id', 'changed_at'], unique=False)

    op.create_table('catalog_imports',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_catalog_imports'))
    )
    op.create_table('catalog_price_overrides',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('variant_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('compare_at', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'variant_id', 'location_id', name=op.f('pk_catalog_price_overrides'))
    )
    op.create_table('catalog_products',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('handle', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=True),
    sa.Column('image_url', sa.String(length=1000), nullable=True),
    sa.Column('hsn', sa.String(length=16), nullable=True),
    sa.Column('tax_class_id', sa.String(length=40), nullable=True),
    sa.Column('option_names', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_catalog_products')),
    sa.UniqueConstraint('workspace_id', 'handle', name=op.f('uq_catalog_products_workspace_id_handle'))
    )
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_products_category', ['workspace_id', 'category'], unique=False)
        batch_op.create_index('ix_catalog_products_updated', ['workspace_id', 'updated_at'], unique=False)

    op.create_table('catalog_sequences',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_catalog_sequences'))
    )
    op.create_table('catalog_stock',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('variant_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'variant_id', 'location_id', name=op.f('pk_catalog_stock'))
    )
    with op.batch_alter_table('catalog_stock', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_stock_location', ['workspace_id', 'location_id', 'quantity'], unique=False)

    op.create_table('catalog_stock_movements',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('variant_id', sa.String(length=40), nullable=False),
    sa.Column('location_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('delta', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('quantity_after', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('ref', sa.String(length=200), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_catalog_stock_movements')),
    sa.UniqueConstraint('workspace_id', 'ref', name=op.f('uq_catalog_stock_movements_workspace_id_ref'))
    )
    with op.batch_alter_table('catalog_stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_stock_movements_variant', ['workspace_id', 'variant_id', 'location_id'], unique=False)

    op.create_table('catalog_tax_classes',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('rate', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.Column('inclusive', sa.Boolean(), nullable=False),
    sa.Column('hsn', sa.String(length=16), nullable=True),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_catalog_tax_classes')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_catalog_tax_classes_workspace_id_name'))
    )
    op.create_table('catalog_variants',
    sa.Column('workspace_id', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('barcode', sa.String(length=64), nullable=True),
    sa.Column('option_values', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('compare_at', sa.BigInteger(), nullable=True),
    sa.Column('tax_class_id', sa.String(length=40), nullable=True),
    sa.Column('image_url', sa.String(length=1000), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', activereach.kit.db.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', activereach.kit.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_catalog_variants')),
    sa.UniqueConstraint('workspace_id', 'barcode', name=op.f('uq_catalog_variants_workspace_id_barcode')),
    sa.UniqueConstraint('workspace_id', 'sku', name=op.f('uq_catalog_variants_workspace_id_sku'))
    )
    with op.batch_alter_table('catalog_variants', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_variants_product', ['workspace_id', 'product_id'], unique=False)
        batch_op.create_index('ix_catalog_variants_updated', ['workspace_id', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('catalog_variants', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_variants_updated')
        batch_op.drop_index('ix_catalog_variants_product')

    op.drop_table('catalog_variants')
    op.drop_table('catalog_tax_classes')
    with op.batch_alter_table('catalog_stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_stock_movements_variant')

    op.drop_table('catalog_stock_movements')
    with op.batch_alter_table('catalog_stock', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_stock_location')

    op.drop_table('catalog_stock')
    op.drop_table('catalog_sequences')
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_products_updated')
        batch_op.drop_index('ix_catalog_products_category')

    op.drop_table('catalog_products')
    op.drop_table('catalog_price_overrides')
    op.drop_table('catalog_imports')
    with op.batch_alter_table('catalog_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_changes_changed_at')

    op.drop_table('catalog_changes')
