"""Objects of job-creation support and development packages: jobs (the person employed, the eligibility and
disability documents, the replacement of a lost one), the enterprise's duty to obtain the PS status, bridging
extensions, package items."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import ApplicationPart
from grants.engine.models import status_column
from grants.extensions import db
from grants.services.uploads import StoredFile
from grants.types import UTCDateTime, utcnow


class Job(ApplicationPart, db.Model):
    __tablename__ = "job"
    workflow = "job"

    status: Mapped[str] = status_column("job")
    fte: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("1"))
    financed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    durability_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The person employed: eligible as at risk of social exclusion (the document proves it).
    person_name: Mapped[str | None] = mapped_column(String(200))
    pesel: Mapped[str | None] = mapped_column(String(11))
    eligibility: Mapped[str | None] = mapped_column(String(30))
    disability: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    starts_on: Mapped[date | None] = mapped_column(Date)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"), unique=True)  # the lost job it replaces
    lost_on: Mapped[date | None] = mapped_column(Date)
    replace_by: Mapped[date | None] = mapped_column(Date, index=True)  # lost: replaced by then, or recovered
    recovery_case_id: Mapped[int | None] = mapped_column(ForeignKey("recovery_case.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    replaces: Mapped[Job | None] = relationship(remote_side="Job.id", foreign_keys=[replaces_id])


class JobFile(StoredFile, db.Model):
    """The document of a job's person: eligibility (at risk of social exclusion) or a disability certificate."""

    __tablename__ = "job_file"
    __table_args__ = (CheckConstraint("kind in ('eligibility', 'disability')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))


class PsStatus(db.Model):
    """The enterprise's duty to obtain the status of a social enterprise (PS) within months of its first job:
    the deadline, the reminders sent, the day it was obtained with its document, or the recovery case opened."""

    __tablename__ = "ps_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    obtained_on: Mapped[date | None] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("ps_status_file.id"))
    reminded_before_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recovery_case_id: Mapped[int | None] = mapped_column(ForeignKey("recovery_case.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PsStatusFile(StoredFile, db.Model):
    """The document showing the PS status (the register's entry or the decision)."""

    __tablename__ = "ps_status_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)


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
