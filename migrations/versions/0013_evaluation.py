"""Merit evaluation: each call's pool of evaluators, seeded draws, scorecards (sealed once submitted: the
database refuses to change or delete a submitted one), rankings with their inputs, officers' amount
reductions, and the days off an administrator adds to the holiday calendar.

Revision ID: 0013_evaluation
Revises: 0012_staff_read_drafts
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0013_evaluation"
down_revision = "0012_staff_read_drafts"
branch_labels = None
depends_on = None

SEALED = "a submitted scorecard is sealed: % refused"


def upgrade():
    op.create_table('day_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_off')),
    sa.UniqueConstraint('day', name=op.f('uq_day_off_day'))
    )
    op.create_table('evaluation_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at', grants.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_evaluation_draw_call_id_call')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user_account.id'], name=op.f('fk_evaluation_draw_drawn_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_draw'))
    )
    with op.batch_alter_table('evaluation_draw', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_draw_call_id'), ['call_id'], unique=False)

    op.create_table('evaluation_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', grants.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_evaluation_pool_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_evaluation_pool_call_id_call')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_evaluation_pool_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_pool')),
    sa.UniqueConstraint('call_id', 'user_id', name='uq_evaluation_pool_call_user')
    )
    with op.batch_alter_table('evaluation_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_pool_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_pool_user_id'), ['user_id'], unique=False)

    op.create_table('ranking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'superseded', name='ranking_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('algorithm_version', sa.Integer(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('computed_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('computed_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('notice_at', grants.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_ranking_call_id_call')),
    sa.ForeignKeyConstraint(['computed_by_id'], ['user_account.id'], name=op.f('fk_ranking_computed_by_id_user_account')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_ranking_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking'))
    )
    with op.batch_alter_table('ranking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_call_id'), ['call_id'], unique=False)

    op.create_table('amount_reduction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', grants.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_amount_reduction_application_id_application')),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_amount_reduction_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amount_reduction')),
    sa.UniqueConstraint('application_id', name=op.f('uq_amount_reduction_application_id'))
    )
    op.create_table('ranking_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ranking_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_ranking_entry_application_id_application')),
    sa.ForeignKeyConstraint(['ranking_id'], ['ranking.id'], name=op.f('fk_ranking_entry_ranking_id_ranking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_entry')),
    sa.UniqueConstraint('ranking_id', 'application_id', name='uq_ranking_entry_application')
    )
    with op.batch_alter_table('ranking_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_entry_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ranking_entry_ranking_id'), ['ranking_id'], unique=False)

    op.create_table('reevaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('previous_score', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('opened_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_reevaluation_application_id_application')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_reevaluation_opened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reevaluation')),
    sa.UniqueConstraint('application_id', 'round', name='uq_reevaluation_round')
    )
    with op.batch_alter_table('reevaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reevaluation_application_id'), ['application_id'], unique=False)

    op.create_table('scorecard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('assigned', 'declared', 'submitted', 'conflict', 'withdrawn', name='scorecard_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('assigned_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('draw_id', sa.Integer(), nullable=True),
    sa.Column('due_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('declared_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('declaration_locale', sa.String(length=5), nullable=True),
    sa.Column('conflict_reason', sa.Text(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('ended_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('overdue_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('justifications', sa.JSON(), nullable=False),
    sa.Column('recommend', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('total', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('saved_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status <> 'submitted' OR (submitted_at IS NOT NULL AND content_hash IS NOT NULL)", name=op.f('ck_scorecard_submitted_is_sealed')),
    sa.CheckConstraint('slot BETWEEN 1 AND 9', name=op.f('ck_scorecard_slot_range')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_scorecard_application_id_application')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_scorecard_assigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_scorecard_call_id_call')),
    sa.ForeignKeyConstraint(['draw_id'], ['evaluation_draw.id'], name=op.f('fk_scorecard_draw_id_evaluation_draw')),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_scorecard_evaluator_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard')),
    sa.UniqueConstraint('application_id', 'evaluator_id', name='uq_scorecard_application_evaluator')
    )
    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_scorecard_call_status', ['call_id', 'status'], unique=False)
        batch_op.create_index('ix_scorecard_evaluator_status', ['evaluator_id', 'status'], unique=False)
    _seal_scorecards()


def _seal_scorecards():
    """UPDATE or DELETE of a row that was submitted is refused by the database (DESIGN §4.3)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION scorecard_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.status = 'submitted' THEN
                    RAISE EXCEPTION '{SEALED}', TG_OP USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END;
            $$
        """)
        op.execute("""
            CREATE TRIGGER scorecard_sealed BEFORE UPDATE OR DELETE ON scorecard
            FOR EACH ROW EXECUTE FUNCTION scorecard_sealed()
        """)
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER scorecard_sealed_{operation.lower()} BEFORE {operation} ON scorecard
                WHEN OLD.status = 'submitted'
                BEGIN SELECT RAISE(ABORT, '{SEALED.replace("%", operation)}'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER scorecard_sealed ON scorecard")
        op.execute("DROP FUNCTION scorecard_sealed()")
    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.drop_index('ix_scorecard_evaluator_status')
        batch_op.drop_index('ix_scorecard_call_status')
        batch_op.drop_index(batch_op.f('ix_scorecard_application_id'))

    op.drop_table('scorecard')
    with op.batch_alter_table('ranking_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_entry_ranking_id'))
        batch_op.drop_index(batch_op.f('ix_ranking_entry_application_id'))

    op.drop_table('ranking_entry')
    with op.batch_alter_table('reevaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reevaluation_application_id'))

    op.drop_table('reevaluation')
    op.drop_table('amount_reduction')
    with op.batch_alter_table('ranking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_call_id'))

    op.drop_table('ranking')
    with op.batch_alter_table('evaluation_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_pool_user_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_pool_call_id'))

    op.drop_table('evaluation_pool')
    with op.batch_alter_table('evaluation_draw', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_draw_call_id'))

    op.drop_table('evaluation_draw')
    op.drop_table('day_off')
