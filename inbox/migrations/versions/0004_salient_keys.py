"""salient keys: tip_signatures.keys, the hashed names and numbers of a tip

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 11:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tip_signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('keys', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # SQLite drops a column by copying the table: keep its AUTOINCREMENT (ids never reused).
    with op.batch_alter_table('tip_signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('keys')
