"""quarantine: the raw bytes' size and who discarded a message; tips: the HTML's size

Discarding a quarantined message now deletes its raw bytes (SQLite's secure_delete
overwrites them) and keeps the row's facts: sha256, size, stage, error, dates, and who
discarded it ("user <id>" or "cli"). A tip's sanitised HTML has its length beside it, so
that the tip page can leave out a part too big to embed without reading it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:30:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('discarded_by', sa.String(length=40), nullable=True))
    op.execute("UPDATE quarantine SET size = length(data)")
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html_size', sa.Integer(), nullable=True))
    op.execute("UPDATE tips SET html_size = length(html_body) WHERE html_body IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_column('html_size')
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.drop_column('discarded_by')
        batch_op.drop_column('size')
