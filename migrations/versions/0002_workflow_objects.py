"""Workflow objects (calls, applications, payments, reports, controls, recovery cases, jobs,
bridging extensions, package items) with status CHECK constraints, and the transition history.

Revision ID: 0002_workflow_objects
Revises: 0001_foundation

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_workflow_objects'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', name='call_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('budget >= 0', name=op.f('ck_call_budget_not_negative')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_call_closes_after_opening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call'))
    )
    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'formal_check', 'correction', 'formally_rejected', 'merit_review', 'third_review', 'scored', 'selected', 'reserve', 'rejected', 'appeal', 'agreement', 'implementation', 'settlement', 'durability', 'recovery', 'closed', 'cancelled', 'withdrawn', name='application_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('requested_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('awarded_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('correction_rounds', sa.Integer(), nullable=False),
    sa.Column('correction_due_at', sa.DateTime(), nullable=True),
    sa.Column('appealed_from', sa.String(length=40), nullable=True),
    sa.Column('appeal_due_at', sa.DateTime(), nullable=True),
    sa.Column('durability_ends_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('awarded_amount IS NULL OR awarded_amount >= 0', name=op.f('ck_application_awarded_not_negative')),
    sa.CheckConstraint('requested_amount >= 0', name=op.f('ck_application_requested_not_negative')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_application_call_id_call')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_application_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_application_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('number', name=op.f('uq_application_number'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_correction_due_at'), ['correction_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_durability_ends_at'), ['durability_ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_status'), ['status'], unique=False)

    op.create_table('transition_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('workflow', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=40), nullable=False),
    sa.Column('to_state', sa.String(length=40), nullable=False),
    sa.Column('trigger', sa.String(length=60), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_transition_history_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transition_history'))
    )
    with op.batch_alter_table('transition_history', schema=None) as batch_op:
        batch_op.create_index('ix_transition_history_object', ['object_type', 'object_id', 'id'], unique=False)

    op.create_table('bridging_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'approved', 'rejected', name='bridging_extension_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('requested_months', sa.Integer(), nullable=False),
    sa.Column('requested_monthly_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('basic_monthly_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_bridging_extension_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bridging_extension'))
    )
    with op.batch_alter_table('bridging_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bridging_extension_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bridging_extension_status'), ['status'], unique=False)

    op.create_table('control',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'findings', 'closed', 'recovery', name='control_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('findings_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_control_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control'))
    )
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_control_status'), ['status'], unique=False)

    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('created', 'financed', 'durability', 'completed', 'lost', name='job_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fte', sa.Numeric(precision=3, scale=2), nullable=False),
    sa.Column('financed_until', sa.DateTime(), nullable=True),
    sa.Column('durability_ends_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_job_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_durability_ends_at'), ['durability_ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_financed_until'), ['financed_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_status'), ['status'], unique=False)

    op.create_table('package_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('ordered', 'delivered', 'handed_over', name='package_item_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('in_kind', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_package_item_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_item'))
    )
    with op.batch_alter_table('package_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_item_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_package_item_status'), ['status'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('bank_account', sa.String(length=34), nullable=True),
    sa.Column('status', sa.Enum('planned', 'requested', 'approved', 'exported', 'paid', 'rejected', 'on_hold', 'cancelled', name='payment_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_payment_application_id_application')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['user_account.id'], name=op.f('fk_payment_prepared_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_status'), ['status'], unique=False)

    op.create_table('recovery_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('opened', 'notified', 'overdue', 'repaid', 'closed', name='recovery_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('principal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('repaid', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('legal_basis', sa.String(length=100), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_recovery_case_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_case'))
    )
    with op.batch_alter_table('recovery_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_case_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recovery_case_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recovery_case_status'), ['status'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('due', 'draft', 'overdue', 'submitted', 'returned', 'accepted', name='report_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_report_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_status'), ['status'], unique=False)



    if op.get_bind().dialect.name == "postgresql":
        # The audit chain's lock and head in one round trip (grants/services/audit.py).
        op.execute("""
            CREATE FUNCTION audit_chain_head(lock_key bigint, OUT id bigint, OUT hash varchar)
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(lock_key);
                SELECT a.id, a.hash INTO id, hash FROM audit_entry a ORDER BY a.id DESC LIMIT 1;
            END;
            $$
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_chain_head(bigint)")
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_status'))
        batch_op.drop_index(batch_op.f('ix_report_due_at'))
        batch_op.drop_index(batch_op.f('ix_report_application_id'))

    op.drop_table('report')
    with op.batch_alter_table('recovery_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_case_status'))
        batch_op.drop_index(batch_op.f('ix_recovery_case_due_at'))
        batch_op.drop_index(batch_op.f('ix_recovery_case_application_id'))

    op.drop_table('recovery_case')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_status'))
        batch_op.drop_index(batch_op.f('ix_payment_due_at'))
        batch_op.drop_index(batch_op.f('ix_payment_application_id'))

    op.drop_table('payment')
    with op.batch_alter_table('package_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_item_status'))
        batch_op.drop_index(batch_op.f('ix_package_item_application_id'))

    op.drop_table('package_item')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status'))
        batch_op.drop_index(batch_op.f('ix_job_financed_until'))
        batch_op.drop_index(batch_op.f('ix_job_durability_ends_at'))
        batch_op.drop_index(batch_op.f('ix_job_application_id'))

    op.drop_table('job')
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_status'))
        batch_op.drop_index(batch_op.f('ix_control_application_id'))

    op.drop_table('control')
    with op.batch_alter_table('bridging_extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bridging_extension_status'))
        batch_op.drop_index(batch_op.f('ix_bridging_extension_application_id'))

    op.drop_table('bridging_extension')
    with op.batch_alter_table('transition_history', schema=None) as batch_op:
        batch_op.drop_index('ix_transition_history_object')

    op.drop_table('transition_history')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_status'))
        batch_op.drop_index(batch_op.f('ix_application_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_application_durability_ends_at'))
        batch_op.drop_index(batch_op.f('ix_application_correction_due_at'))
        batch_op.drop_index(batch_op.f('ix_application_call_id'))

    op.drop_table('application')
    op.drop_table('call')
