"""Usage controls by auditors and recovery cases for misused or undue amounts."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import ApplicationPart
from grants.calls.models import Call
from grants.engine.models import status_column
from grants.extensions import db
from grants.services.uploads import StoredFile
from grants.types import UTCDateTime, utcnow


class ControlPlan(db.Model):
    """A sample of a call's grants (or of the whole programme's, call None) drawn for control: at random (a count
    or a share, with the seed kept so anyone can draw the same sample again from the same grants) or by risk
    (overdue reports and settlements, the largest awards)."""

    __tablename__ = "control_plan"
    __table_args__ = (CheckConstraint("method in ('random', 'risk')", name="method_known"),
                      CheckConstraint("size > 0", name="size_positive"),
                      CheckConstraint("share is null or (share > 0 and share <= 100)", name="share_percent"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), index=True)  # None: every call
    method: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    share: Mapped[int | None] = mapped_column(Integer)  # the percent of the population asked for, if a share
    seed: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[list[int]] = mapped_column(JSON)  # the grants it was drawn from, in order
    chosen: Mapped[list[int]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call | None] = relationship()


class Control(ApplicationPart, db.Model):
    __tablename__ = "control"
    workflow = "control"

    status: Mapped[str] = status_column("control")
    findings_count: Mapped[int] = mapped_column(Integer, default=0)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("control_plan.id"), index=True)  # None: ad hoc
    planned_on: Mapped[date | None] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(Text)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # item → checked
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # called off before it began


class ControlFile(StoredFile, db.Model):
    """A document of a control: the auditor's (a protocol, photos, copies of invoices) or the one the grantee
    sends with an answer to a recommendation. Kept: a control's documents are never removed."""

    __tablename__ = "control_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("control_finding.id"))  # with an answer to it


class Finding(db.Model):
    """What a control found, the recommendation and its deadline, and the grantee's answer."""

    __tablename__ = "control_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCase(ApplicationPart, db.Model):
    __tablename__ = "recovery_case"
    workflow = "recovery"
    __table_args__ = (CheckConstraint("principal > 0", name="principal_positive"),
                      CheckConstraint("repaid >= 0", name="repaid_not_negative"))

    status: Mapped[str] = status_column("recovery")
    principal: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    repaid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    legal_basis: Mapped[str | None] = mapped_column(String(100))  # art207 (EU funds), art252 (budget)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    interest_kind: Mapped[str] = mapped_column(String(10), default="misuse")  # misuse, undue
    interest_from: Mapped[date | None] = mapped_column(Date)  # the transfer (misuse), the day after the due date
    transferred_on: Mapped[date | None] = mapped_column(Date)  # when the grant's money was transferred
    served_on: Mapped[date | None] = mapped_column(Date)  # the day the notice was served
    due_on: Mapped[date | None] = mapped_column(Date)
    facts: Mapped[str | None] = mapped_column(Text)  # what was found, for the notice
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class RecoveryRepayment(db.Model):
    """A repayment of a recovery case, as the bank credited it; never changed (a wrong one is corrected by
    another case decision, not by editing)."""

    __tablename__ = "recovery_repayment"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("recovery_case.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
