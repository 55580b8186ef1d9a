"""Dated rate tables kept by administrators (per-job rates, minimum wage, euro rate, de minimis ceiling), seeded
with the values published so far; nothing of them stays a constant of the code.

Revision ID: 0015_rates
Revises: 0014_commission_chair
"""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0015_rates"
down_revision = "0014_commission_chair"
branch_labels = None
depends_on = None

PUBLISHED = [
    ("job_create", date(2024, 7, 1), Decimal("35212.00"),
     "Wytyczne dotyczące realizacji projektów z udziałem środków EFS+ (stawka jednostkowa na utworzenie miejsca pracy)"),
    ("minimum_wage", date(2024, 1, 1), Decimal("4242.00"), "Dz.U. 2023 poz. 1893"),
    ("minimum_wage", date(2024, 7, 1), Decimal("4300.00"), "Dz.U. 2023 poz. 1893"),
    ("minimum_wage", date(2025, 1, 1), Decimal("4666.00"), "Dz.U. 2024 poz. 1362"),
    ("minimum_wage", date(2026, 1, 1), Decimal("4806.00"), "Dz.U. 2025 poz. 1242"),
    ("de_minimis_ceiling", date(2014, 1, 1), Decimal("200000.00"), "Rozporządzenie Komisji (UE) nr 1407/2013"),
    ("de_minimis_ceiling", date(2024, 1, 1), Decimal("300000.00"), "Rozporządzenie Komisji (UE) 2023/2831"),
]


def upgrade():
    rate = op.create_table(
        "rate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(14, 4), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("name", "starts_on", name="uq_rate_name_start"),
        sa.CheckConstraint("value > 0", name=op.f("ck_rate_value_positive")),
    )
    from datetime import datetime, timezone

    seeded = datetime(2026, 12, 1, tzinfo=timezone.utc).replace(tzinfo=None)
    op.bulk_insert(rate, [{"name": name, "starts_on": starts_on, "value": value, "source": source,
                           "set_by_id": None, "set_at": seeded} for name, starts_on, value, source in PUBLISHED])


def downgrade():
    op.drop_table("rate")
