"""A planned control may be called off with a reason: the day it was, so a called-off control never counts as
the control a grant needs before it closes.

Revision ID: 0028_control_cancelled
Revises: 0027_job_durability
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0028_control_cancelled"
down_revision = "0027_job_durability"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', grants.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
