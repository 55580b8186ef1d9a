"""Grantee reports due on a call's cadence (the call's report form, each report, its submitted versions and its
photos and documents) and the grant's final settlement with its expenditure lines and submitted versions."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

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

from grants.applications.models import ApplicationPart
from grants.auth.models import User
from grants.calls.models import Call
from grants.engine.models import Versioned, status_column
from grants.extensions import db
from grants.services.uploads import StoredFile
from grants.types import UTCDateTime, utcnow

CADENCES = ("monthly", "quarterly", "final")


class ReportForm(Versioned, db.Model):
    """A call's report form (a copy of a built-in template the officer may edit until it is published) and the
    cadence its reports are due on. Published, the questions never change: reports are read against them."""

    __tablename__ = "report_form"
    __table_args__ = (CheckConstraint("cadence in ('monthly', 'quarterly', 'final')", name="cadence_known"),
                      CheckConstraint("due_days >= 0 and final_due_days >= 0 and remind_days >= 0",
                                      name="days_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), unique=True)
    source: Mapped[str] = mapped_column(String(60))  # the built-in template, or "call:<id>" it was copied from
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cadence: Mapped[str] = mapped_column(String(10))
    due_days: Mapped[int] = mapped_column(Integer, default=15)  # a periodic report: days after its period ends
    final_due_days: Mapped[int] = mapped_column(Integer, default=30)  # the final report: days after the grant ends
    remind_days: Mapped[int] = mapped_column(Integer, default=7)  # the reminder before the deadline
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship()


class Report(ApplicationPart, db.Model):
    __tablename__ = "report"
    workflow = "report"
    __table_args__ = (UniqueConstraint("application_id", "period", name="uq_report_period"),)

    period: Mapped[str] = mapped_column(String(20))  # e.g. 2026-11, 2026-Q4, final
    status: Mapped[str] = status_column("report")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    form_id: Mapped[int | None] = mapped_column(ForeignKey("report_form.id"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_before_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    form: Mapped[ReportForm | None] = relationship()


class ReportVersion(db.Model):
    """What the grantee submitted, frozen: each submission is a new version, the earlier ones stay."""

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("report_id", "number", name="uq_report_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # id, question, name, sha256
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)  # the officer's comments when it was returned

    submitted_by: Mapped[User | None] = relationship()


class ReportFile(StoredFile, db.Model):
    """A photo or document answering a media question; frozen once a submitted version lists it."""

    __tablename__ = "report_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(40))
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)


class Settlement(Versioned, db.Model):
    """The grant's final settlement (rozliczenie) while the grantee writes it: the expenditure lines below, the
    own contribution put in and remarks. Each submission is frozen as a SettlementVersion."""

    __tablename__ = "settlement"
    __table_args__ = (CheckConstraint("own_contribution >= 0", name="own_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    own_contribution: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    remarks: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SettlementFile(StoredFile, db.Model):
    """An invoice or other proof of an expenditure line; frozen once a submitted version lists it."""

    __tablename__ = "settlement_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)


class SettlementLine(db.Model):
    """One expenditure paid from the grant, under one line of the budget the agreement was signed on."""

    __tablename__ = "settlement_line"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),
                      CheckConstraint("budget_line >= 0", name="budget_line_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlement.id"), index=True)
    budget_line: Mapped[int] = mapped_column(Integer)  # its position in the signed budget, 0, 1, …
    invoice_number: Mapped[str] = mapped_column(String(60))
    invoice_date: Mapped[date] = mapped_column(Date)
    supplier: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_on: Mapped[date] = mapped_column(Date)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("settlement_file.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[SettlementFile | None] = relationship()


class SettlementVersion(db.Model):
    """A submitted settlement, frozen with its figures, and the officer's decision on it."""

    __tablename__ = "settlement_version"
    __table_args__ = (UniqueConstraint("application_id", "number", name="uq_settlement_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON)  # planned, spent, paid, own, unspent (as strings)
    remarks: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[str | None] = mapped_column(String(10))  # accepted, returned
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
