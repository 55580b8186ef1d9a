"""Objects of job-creation support and development packages: jobs, bridging extensions, package items."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.applications.models import ApplicationPart
from grants.engine.models import status_column
from grants.extensions import db
from grants.types import UTCDateTime


class Job(ApplicationPart, db.Model):
    __tablename__ = "job"
    workflow = "job"

    status: Mapped[str] = status_column("job")
    fte: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("1"))
    financed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    durability_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class BridgingExtension(ApplicationPart, db.Model):
    __tablename__ = "bridging_extension"
    workflow = "bridging_extension"

    status: Mapped[str] = status_column("bridging_extension")
    requested_months: Mapped[int] = mapped_column(Integer)
    requested_monthly_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    basic_monthly_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    justification: Mapped[str | None] = mapped_column(Text)  # why the grantee asks for more months


class PackageItem(ApplicationPart, db.Model):
    __tablename__ = "package_item"
    workflow = "package_item"

    status: Mapped[str] = status_column("package_item")
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    in_kind: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bought by the operator for the group: the order, the supplier's invoice, and whom the invoice is paid to.
    supplier: Mapped[str | None] = mapped_column(String(200))
    order_number: Mapped[str | None] = mapped_column(String(60))
    invoice_number: Mapped[str | None] = mapped_column(String(60))
    supplier_account: Mapped[str | None] = mapped_column(String(34))
