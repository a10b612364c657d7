"""protected readers: who a sender is to the board, and who may see the protected ones

A reader (one sender address) is protected when any of their tips carries an identity
risk or an editor says so; a grant lets one user see one protected reader. See
inbox/models/readers.py and docs/board.md ("Protected readers").

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:30:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'readers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=320), nullable=False),
        sa.Column('protected', sa.Boolean(), nullable=False),
        sa.Column('why', sa.String(length=500), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('changed_by', sa.Integer(), nullable=True),
        sa.Column('pseudonym_seed', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['changed_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('address'),
    )
    op.create_table(
        'reader_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reader_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('granted_by', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['granted_by'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reader_id'], ['readers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reader_grants_reader_user', 'reader_grants', ['reader_id', 'user_id'], unique=False)
    op.create_index('ix_reader_grants_user_id', 'reader_grants', ['user_id'], unique=False)
    # Tips already stored: their readers are protected by the same rule sorting now applies.
    _protect_existing()


def _protect_existing() -> None:
    import secrets
    from datetime import datetime, timezone

    from inbox.models.readers import identity_risks

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT sender_address, sensitive FROM tips WHERE sender_address != '' AND sensitive != ''"))
    first: dict[str, str] = {}
    for address, sensitive in rows:
        risks = identity_risks(sensitive)
        if risks and address not in first:
            first[address] = risks[0]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    readers = sa.table('readers', sa.column('address'), sa.column('protected'), sa.column('why'),
                       sa.column('changed_at'), sa.column('pseudonym_seed'), sa.column('created_at'))
    if first:
        op.bulk_insert(readers, [{"address": a, "protected": True, "why": w, "changed_at": now, "created_at": now,
                                  "pseudonym_seed": secrets.token_hex(8)} for a, w in first.items()])


def downgrade() -> None:
    op.drop_index('ix_reader_grants_user_id', table_name='reader_grants')
    op.drop_index('ix_reader_grants_reader_user', table_name='reader_grants')
    op.drop_table('reader_grants')
    op.drop_table('readers')
