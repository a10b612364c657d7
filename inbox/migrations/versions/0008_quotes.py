"""quotes: tips.new_text_spans, the reader's own words as [[start, end], ...] in text_body

Interleaved answers, a reply written under its quote and a banner at the top
cannot be told by one offset: new_text_end stays (where the quote below the last
new words starts) for the readers of it; the spans say exactly which pieces are
the reader's. NULL for tips stored before: readers fall back to new_text_end.
A plain ADD/DROP COLUMN (no table copy), so SQLite's search triggers on tips stay.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tips', sa.Column('new_text_spans', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('tips', 'new_text_spans')
