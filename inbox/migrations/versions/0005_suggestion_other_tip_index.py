"""suggestions by either tip: an index on cluster_suggestions.other_tip_id

The board looks open suggestions up from both sides (the tip page's "Maybe the same
story", the cards' badge); without it every card scanned the table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 11:30:00.000000
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX (no batch mode): SQLite need not copy the table for it.
    op.create_index('ix_cluster_suggestions_other_tip_id', 'cluster_suggestions', ['other_tip_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cluster_suggestions_other_tip_id', table_name='cluster_suggestions')
