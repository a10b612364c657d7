"""copies by their bytes: an index on sightings.raw_message_id

The pipeline looks up whether a fetched message's exact bytes are stored already
(the same mail in a second folder, a resync after a UIDVALIDITY change); such a
copy is one more sighting of its tip, with no parse or sort. The look-up goes
from the raw message to its sightings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 14:30:00.000000
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX (no batch mode): SQLite need not copy the table for it.
    op.create_index('ix_sightings_raw_message_id', 'sightings', ['raw_message_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sightings_raw_message_id', table_name='sightings')
