"""new tips indexed for search per flush, not by an insert trigger (SQLite)

SQLite's AFTER INSERT trigger copied every new tip's whole row to index two of its
columns: 0.22 ms of CPU a tip, most of the cost of storing one. The ORM session now
indexes the tips each flush inserted with one INSERT ... SELECT (inbox.models.search.
index_new_tips): 0.08 ms. Updates and deletes keep their triggers. PostgreSQL's
search index is an expression index: nothing changes there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 15:00:00.000000
"""
from alembic import op

from inbox.models.search import SQLITE_TIPS_INSERT_TRIGGER


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tips_fts_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_TIPS_INSERT_TRIGGER)
