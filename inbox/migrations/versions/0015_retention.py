"""retention: tombstones of purged tips, legal holds, and the runs of the rules

See inbox/models/retention.py and inbox/retention/.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:50:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tombstones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=True),
        sa.Column('purged_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('by', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_tombstones_tip_id', 'tombstones', ['tip_id'])
    op.create_table(
        'holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        sa.Column('cluster_id', sa.Integer(), nullable=True),
        sa.Column('reader_address', sa.String(length=320), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=40), nullable=False),
        sa.Column('lifted_at', sa.DateTime(), nullable=True),
        sa.Column('lifted_by', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_holds_lifted_kind', 'holds', ['lifted_at', 'kind'])
    op.create_table(
        'retention_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('purged', sa.Integer(), nullable=False),
        sa.Column('by', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_retention_runs_finished_at', 'retention_runs', ['finished_at'])


def downgrade() -> None:
    op.drop_index('ix_retention_runs_finished_at', table_name='retention_runs')
    op.drop_table('retention_runs')
    op.drop_index('ix_holds_lifted_kind', table_name='holds')
    op.drop_table('holds')
    op.drop_index('ix_tombstones_tip_id', table_name='tombstones')
    op.drop_table('tombstones')
