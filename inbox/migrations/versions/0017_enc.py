"""encryption at rest: the desk key each row is sealed to, and the tips' sealed columns

See inbox/vault.py and docs/encryption.md.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 04:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy): the tips table's search triggers stay as they are.
    op.add_column('raw_messages', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_index('ix_raw_messages_key_id', 'raw_messages', ['key_id'])
    op.add_column('quarantine', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.add_column('tips', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.add_column('tips', sa.Column('sealed_html', sa.LargeBinary(), nullable=True))
    op.add_column('tips', sa.Column('sealed_head', sa.LargeBinary(), nullable=True))
    op.add_column('tips', sa.Column('sealed_body', sa.LargeBinary(), nullable=True))
    op.create_index('ix_tips_key_id', 'tips', ['key_id'])


def downgrade() -> None:
    op.drop_index('ix_tips_key_id', table_name='tips')
    with op.batch_alter_table('tips') as batch:
        for name in ('sealed_body', 'sealed_head', 'sealed_html', 'key_id'):
            batch.drop_column(name)
    with op.batch_alter_table('quarantine') as batch:
        batch.drop_column('key_id')
    op.drop_index('ix_raw_messages_key_id', table_name='raw_messages')
    with op.batch_alter_table('raw_messages') as batch:
        batch.drop_column('key_id')
