"""the board's "new" markers from an index: which tips a viewer has opened

See inbox/models/board.py (AuditEntry) and inbox.board.stories.opened_by.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 12:10:00.000000
"""
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_log_seen', 'audit_log', ['user_id', 'action', 'object_type', 'object_id'])


def downgrade() -> None:
    op.drop_index('ix_audit_log_seen', table_name='audit_log')
