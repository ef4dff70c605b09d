"""ratings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 01:15:50.328721
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rating_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rater_department_id', sa.Integer(), nullable=False),
    sa.Column('rated_department_id', sa.Integer(), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rated_department_id'], ['departments.id'], name=op.f('fk_rating_policies_rated_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_department_id'], ['departments.id'], name=op.f('fk_rating_policies_rater_department_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_policies')),
    sa.UniqueConstraint('rater_department_id', 'rated_department_id', name='uq_rating_policies_pair')
    )
    op.create_table('rating_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('rated_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('rater_key', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('filled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['rating_policies.id'], name=op.f('fk_rating_forms_policy_id_rating_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rated_id'], ['members.id'], name=op.f('fk_rating_forms_rated_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_forms')),
    sa.UniqueConstraint('policy_id', 'rated_id', 'period', 'rater_key', name='uq_rating_forms_once')
    )
    op.create_table('rating_thresholds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('rated_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['rating_policies.id'], name=op.f('fk_rating_thresholds_policy_id_rating_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rated_id'], ['members.id'], name=op.f('fk_rating_thresholds_rated_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_thresholds')),
    sa.UniqueConstraint('policy_id', 'rated_id', 'period', name='uq_rating_thresholds_once')
    )
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('rated_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('task_ref', sa.String(length=300), nullable=True),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('rater_key', sa.String(length=64), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['rating_policies.id'], name=op.f('fk_ratings_policy_id_rating_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rated_id'], ['members.id'], name=op.f('fk_ratings_rated_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['members.id'], name=op.f('fk_ratings_rater_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_ratings_dedup_key'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_policy_period', ['policy_id', 'period'], unique=False)
        batch_op.create_index('ix_ratings_rated_period', ['rated_id', 'period'], unique=False)
        batch_op.create_index('ix_ratings_rater_key', ['rater_key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_rater_key')
        batch_op.drop_index('ix_ratings_rated_period')
        batch_op.drop_index('ix_ratings_policy_period')

    op.drop_table('ratings')
    op.drop_table('rating_thresholds')
    op.drop_table('rating_forms')
    op.drop_table('rating_policies')
