"""non-tips: tips.mail_kind, what sorting found a message to be besides a reader's tip

"" for a reader's own mail; "auto_reply", "bounce", "newsletter", "list" for mail
that goes to the board's Not tips column; "press_release" for a release or a PR
pitch, which stays a tip and says so on the board.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite does it in place): no copy of the tips table and its search triggers.
    op.add_column('tips', sa.Column('mail_kind', sa.String(length=20), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_column('mail_kind')
