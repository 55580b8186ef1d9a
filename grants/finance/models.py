"""Payments: tranches, instalments and purchases, each moving through the payment workflow; and the dated rate
tables agreements read (grants/finance/rates.py)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application, ApplicationPart
from grants.auth.models import User
from grants.engine.models import status_column
from grants.extensions import db
from grants.services.uploads import StoredFile
from grants.types import UTCDateTime, utcnow


class Payment(ApplicationPart, db.Model):
    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
    workflow = "payment"

    kind: Mapped[str] = mapped_column(String(30))  # lump_sum, advance, final, job_grant, bridging, item
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    bank_account: Mapped[str | None] = mapped_column(String(34))
    status: Mapped[str] = status_column("payment")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    period: Mapped[int | None] = mapped_column(Integer)  # the month (1, 2, …) a monthly instalment is for
    package_item_id: Mapped[int | None] = mapped_column(ForeignKey("package_item.id"))  # a supplier's invoice
    payee: Mapped[str | None] = mapped_column(String(200))  # None: the grantee; else e.g. the supplier
    payee_reference: Mapped[str | None] = mapped_column(String(60))  # their reference, e.g. the invoice number
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batch.id"), index=True)  # the bank file
    paid_on: Mapped[date | None] = mapped_column(Date)
    bank_reference: Mapped[str | None] = mapped_column(String(100))

    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])

    @property
    def reference(self) -> str:
        """Ours, in every transfer's title, so a statement line can be matched back."""
        return f"PMST-{self.id}"


class Rate(db.Model):
    """One row of a dated table: `value` from `starts_on` until the next row's start."""

    __tablename__ = "rate"
    __table_args__ = (UniqueConstraint("name", "starts_on", name="uq_rate_name_start"),
                      CheckConstraint("value > 0", name="value_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    source: Mapped[str | None] = mapped_column(Text)  # where the value was published
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    set_by: Mapped[User | None] = relationship()


class Agreement(db.Model):
    """The grant agreement of a selected application: the amount, dates, account, security, the de minimis check,
    the rates in force on its date, the generated document (its sha256) and the signed scan."""

    __tablename__ = "agreement"
    __table_args__ = (CheckConstraint("award > 0", name="award_positive"),
                      CheckConstraint("ends_on >= starts_on", name="dates_in_order"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # UM/2026/0001: a sequence per year
    award: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    award_reason: Mapped[str | None] = mapped_column(Text)  # why less than the ranking awarded
    ranking_award: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # the most it may be, kept while it is lowered
    schedule_model: Mapped[str] = mapped_column(String(30))  # lump_sum, advance_and_final, package_items, …
    in_kind_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # a package's part bought in kind
    jobs: Mapped[list | None] = mapped_column(JSON)  # job-creation support: each job's FTE ("1", "0.75", "0.5")
    bridging_months: Mapped[int | None] = mapped_column(Integer)  # basic bridging support
    bridging_monthly: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    bank_account: Mapped[str] = mapped_column(String(34))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    account_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    security_kind: Mapped[str | None] = mapped_column(String(20))  # promissory_note, guarantee
    security_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    security_received_on: Mapped[date | None] = mapped_column(Date)
    security_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    de_minimis_prior_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # declared, last three years
    de_minimis_award_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    de_minimis_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rates: Mapped[dict] = mapped_column(JSON, default=dict)  # the dated tables' values on the agreement date
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_key: Mapped[str | None] = mapped_column(String(300))
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()


class AgreementFile(StoredFile, db.Model):
    """A file of an agreement: the signed scan the applicant uploads, the security document."""

    __tablename__ = "agreement_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # signed_scan, security, handover
    package_item_id: Mapped[int | None] = mapped_column(ForeignKey("package_item.id"))  # a handover protocol


class AgreementAnnex(db.Model):
    """A change of a signed agreement's schedule, amount or end date, with its reason: what was before and after,
    and its own document (the original agreement's stays as it was)."""

    __tablename__ = "agreement_annex"
    __table_args__ = (UniqueConstraint("agreement_id", "number", name="uq_annex_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the agreement
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON)  # award, end date and each payment: before and after
    document_key: Mapped[str | None] = mapped_column(String(300))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()


class EmploymentProof(StoredFile, db.Model):
    """The grantee's proof of employment in one month of a job-creation grant (payroll, social-insurance
    declarations): the month's instalment waits until the officer accepts it."""

    __tablename__ = "employment_proof"
    __table_args__ = (CheckConstraint("period > 0", name="period_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    period: Mapped[int] = mapped_column(Integer)  # the month of the schedule, 1, 2, …
    status: Mapped[str] = mapped_column(String(10), default="submitted")  # submitted, accepted, returned
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)  # why it was returned

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class PaymentBatch(db.Model):
    """Approved payments exported together as one bank file; the file is stored, so it downloads the same."""

    __tablename__ = "payment_batch"
    __table_args__ = (CheckConstraint("total > 0", name="total_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(10))  # elixir, sepa
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()


class StatementImport(db.Model):
    """A bank statement read once (its sha256 is unique): how many lines, how many paid an exported payment."""

    __tablename__ = "statement_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(10))  # mt940, camt053
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    lines: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatementLine(db.Model):
    __tablename__ = "statement_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("statement_import.id"), index=True)
    booked_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    details: Mapped[str] = mapped_column(Text)
    account: Mapped[str | None] = mapped_column(String(34))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)  # None: for a person
    # A person's resolution of a line no payment matched: linked to the payment it paid, or set aside with why.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    debit: Mapped[bool | None] = mapped_column(Boolean)  # out of the operator's account (None: not known)

    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
