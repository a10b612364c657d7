"""stories: what the story index keeps of a tip (terms, meaning, date), editors' story
decisions and the score's calibration; the MinHash signature is no longer required

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:55:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tip_signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column('minhash', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column('terms', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('meaning', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tip_signatures_at'), ['at'], unique=False)
    op.create_table('story_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('other_tip_id', sa.Integer(), nullable=False),
    sa.Column('same', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['other_tip_id'], ['tips.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('story_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_decisions_other_tip_id'), ['other_tip_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_decisions_tip_id'), ['tip_id'], unique=False)
    op.create_table('story_calibrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scale', sa.Float(), nullable=False),
    sa.Column('shift', sa.Float(), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.Column('last_decision_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('story_calibrations')
    with op.batch_alter_table('story_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_decisions_tip_id'))
        batch_op.drop_index(batch_op.f('ix_story_decisions_other_tip_id'))
    op.drop_table('story_decisions')
    op.execute("DELETE FROM tip_signatures WHERE minhash IS NULL")  # written after 0008: no signature to keep
    with op.batch_alter_table('tip_signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_signatures_at'))
        batch_op.drop_column('at')
        batch_op.drop_column('meaning')
        batch_op.drop_column('terms')
        batch_op.alter_column('minhash', existing_type=sa.LargeBinary(), nullable=False)
