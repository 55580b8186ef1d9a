"""Development packages' in-kind items: the part of an agreement bought in kind, each item's order, supplier,
invoice and supplier's account, the payment of its invoice, and its handover protocol signed by the group.

Revision ID: 0021_package_items
Revises: 0020_statement_line_resolution
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_package_items"
down_revision = "0020_statement_line_resolution"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_kind_amount', sa.Numeric(precision=14, scale=2), nullable=True))

    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('package_item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agreement_file_package_item_id_package_item'), 'package_item', ['package_item_id'], ['id'])

    with op.batch_alter_table('package_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('order_number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('invoice_number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('supplier_account', sa.String(length=34), nullable=True))

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('package_item_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payee', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('payee_reference', sa.String(length=60), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payment_package_item_id_package_item'), 'package_item', ['package_item_id'], ['id'])



def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_package_item_id_package_item'), type_='foreignkey')
        batch_op.drop_column('payee_reference')
        batch_op.drop_column('payee')
        batch_op.drop_column('package_item_id')

    with op.batch_alter_table('package_item', schema=None) as batch_op:
        batch_op.drop_column('supplier_account')
        batch_op.drop_column('invoice_number')
        batch_op.drop_column('order_number')
        batch_op.drop_column('supplier')

    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agreement_file_package_item_id_package_item'), type_='foreignkey')
        batch_op.drop_column('package_item_id')

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('in_kind_amount')
