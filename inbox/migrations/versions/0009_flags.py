"""flags: tips.deadline, the nearest date a tip's story is due by (resolved against its Date)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tips', sa.Column('deadline', sa.DateTime(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) rather than a batch copy of the table,
    # which would lose the search triggers on tips.
    op.drop_column('tips', 'deadline')
