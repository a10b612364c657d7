"""the board's sorts from indexes: by deadline (tips), by readers (clusters)

See inbox/models/board.py and inbox.board.statements (_order, _by_readers).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 16:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tips_deadline', 'tips', [
        'thread_root_id', 'status', sa.text('(deadline IS NULL)'), 'deadline', sa.text('received_at DESC'),
        sa.text('id DESC'), 'topic', 'assignee_id', 'cluster_id'])
    op.create_index('ix_clusters_readers', 'clusters', [sa.text('readers DESC'), 'id'])


def downgrade() -> None:
    op.drop_index('ix_clusters_readers', table_name='clusters')
    op.drop_index('ix_tips_deadline', table_name='tips')
