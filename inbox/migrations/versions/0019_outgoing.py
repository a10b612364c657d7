"""outgoing: mail the desk sends (replies, acknowledgements, notifications), stored before it is sent

See inbox/models/outgoing.py and inbox/outgoing/.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 04:10:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outgoing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('mailbox', sa.String(length=200), nullable=True),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('from_address', sa.String(length=320), nullable=True),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('message_id', sa.String(length=300), nullable=True),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('sending_at', sa.DateTime(), nullable=True),
        sa.Column('data_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('sent_copy', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_outgoing_state_next', 'outgoing', ['state', 'next_try_at'])
    op.create_index('ix_outgoing_tip', 'outgoing', ['tip_id'])
    op.create_index('ix_outgoing_to_kind', 'outgoing', ['to_address', 'kind', 'created_at'])
    op.create_table(
        'reply_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'published_stories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('headline', sa.String(length=500), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=True),
        sa.Column('cluster_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('notes_queued', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_published_stories_tip_id', 'published_stories', ['tip_id'])
    op.create_index('ix_published_stories_cluster_id', 'published_stories', ['cluster_id'])


def downgrade() -> None:
    op.drop_index('ix_published_stories_cluster_id', table_name='published_stories')
    op.drop_index('ix_published_stories_tip_id', table_name='published_stories')
    op.drop_table('published_stories')
    op.drop_table('reply_templates')
    op.drop_index('ix_outgoing_to_kind', table_name='outgoing')
    op.drop_index('ix_outgoing_tip', table_name='outgoing')
    op.drop_index('ix_outgoing_state_next', table_name='outgoing')
    op.drop_table('outgoing')
