"""Usage controls: samples of a call's grants drawn at random (with the seed kept) or by risk, each control's
plan, date, scope and checklist, and its findings with recommendations, deadlines and the grantee's answers.

Revision ID: 0025_control_plans
Revises: 0024_recovery_cases
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0025_control_plans"
down_revision = "0024_recovery_cases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('control_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=True),
    sa.Column('population', sa.JSON(), nullable=False),
    sa.Column('chosen', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("method in ('random', 'risk')", name=op.f('ck_control_plan_method_known')),
    sa.CheckConstraint('size > 0', name=op.f('ck_control_plan_size_positive')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_control_plan_call_id_call')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_control_plan_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_plan'))
    )
    with op.batch_alter_table('control_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_plan_call_id'), ['call_id'], unique=False)

    op.create_table('control_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recommendation', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_control_finding_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_control_finding_control_id_control')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_control_finding_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_finding'))
    )
    with op.batch_alter_table('control_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_finding_control_id'), ['control_id'], unique=False)

    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('planned_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('scope', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('checklist', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.create_index(batch_op.f('ix_control_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_control_plan_id_control_plan'), 'control_plan', ['plan_id'], ['id'])



def downgrade():
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_control_plan_id_control_plan'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_control_plan_id'))
        batch_op.drop_column('checklist')
        batch_op.drop_column('scope')
        batch_op.drop_column('planned_on')
        batch_op.drop_column('plan_id')

    with op.batch_alter_table('control_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_finding_control_id'))

    op.drop_table('control_finding')
    with op.batch_alter_table('control_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_plan_call_id'))

    op.drop_table('control_plan')
