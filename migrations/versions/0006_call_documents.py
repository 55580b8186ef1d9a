"""Documents published with a call (rules, templates), stored in object storage.

Revision ID: 0006_call_documents
Revises: 0005_call_status_index
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_call_documents"
down_revision = "0005_call_status_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"], name=op.f("fk_call_document_call_id_call")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"],
                                name=op.f("fk_call_document_uploaded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_document")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_call_document_storage_key")),
    )
    op.create_index(op.f("ix_call_document_call_id"), "call_document", ["call_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_call_document_call_id"), table_name="call_document")
    op.drop_table("call_document")
