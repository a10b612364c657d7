"""cards: the board's indexes carry cluster_id, and a story index, for one card a story

A story's card is its lead tip: a tip of a cluster is a card only when no earlier tip of its
cluster passes the board's filters (inbox.board.statements.cards_where). The board's indexes
carry cluster_id so that the question is answered without reading the tips' rows, and
ix_tips_story finds a story's other tips (and their status, thread, topic, assignee) alone.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 04:35:00.000000
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BOARD = ['thread_root_id', 'status', 'received_at', 'topic', 'assignee_id']
BOARD_TOPIC = ['thread_root_id', 'topic', 'status', 'received_at', 'assignee_id']
STORY = ['cluster_id', 'status', 'thread_root_id', 'topic', 'assignee_id', 'received_at']


def upgrade() -> None:
    op.drop_index('ix_tips_board', table_name='tips')
    op.create_index('ix_tips_board', 'tips', BOARD + ['cluster_id'])
    op.drop_index('ix_tips_board_topic', table_name='tips')
    op.create_index('ix_tips_board_topic', 'tips', BOARD_TOPIC + ['cluster_id'])
    op.create_index('ix_tips_story', 'tips', STORY)


def downgrade() -> None:
    op.drop_index('ix_tips_story', table_name='tips')
    op.drop_index('ix_tips_board_topic', table_name='tips')
    op.create_index('ix_tips_board_topic', 'tips', BOARD_TOPIC)
    op.drop_index('ix_tips_board', table_name='tips')
    op.create_index('ix_tips_board', 'tips', BOARD)
