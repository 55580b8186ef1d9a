"""Applications (wnioski): answers, requested amount and the state of the application workflow."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from grants.auth.models import Organisation
from grants.calls.models import Call
from grants.engine.models import Versioned, status_column
from grants.extensions import db
from grants.search import Searchable
from grants.services.uploads import StoredFile
from grants.types import UTCDateTime, utcnow


class Application(Versioned, Searchable, db.Model):
    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint("requested_amount >= 0", name="requested_not_negative"),
        CheckConstraint("awarded_amount IS NULL OR awarded_amount >= 0", name="awarded_not_negative"),
        Index("ix_application_call_status", "call_id", "status"),
    )
    workflow = "application"
    search_fields = ("number", "title")

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = status_column("application")
    requested_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    awarded_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_rounds: Mapped[int] = mapped_column(Integer, default=0)
    correction_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    appealed_from: Mapped[str | None] = mapped_column(String(40))
    appeal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    durability_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # What a correction request asks to fix: ["answer:<question id>", "attachment:<requirement id>"].
    correction_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The officer's manual formal-check ticks: {"<item>": true}.
    formal_checklist: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship()
    organisation: Mapped[Organisation] = relationship()


class ApplicationStateCount(db.Model):
    """How many applications each call has in each state, kept so that a call with 10,000 applications
    shows its per-state counts without counting them.

    Rows are +1 and −1 deltas written by database triggers on `application` (migration 0008), so no
    code path can miss one and no row is updated in place (concurrent transitions never wait for a
    shared counter). Reads sum the rows of a call; `flask pomost tick` folds them into one row per
    (call, state). A migration that rebuilds `application` on SQLite (batch mode) must create the
    triggers again: tests/functional/test_application_lists.py compares the counts with a GROUP BY.
    """

    __tablename__ = "application_state_count"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(40))
    n: Mapped[int] = mapped_column(Integer)


class Attachment(StoredFile, db.Model):
    """An uploaded file. Frozen once part of a submitted version: a correction adds a new one instead."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    requirement_id: Mapped[str] = mapped_column(String(40))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()


class ApplicationVersion(db.Model):
    """A frozen copy of what was submitted (version 1) or resubmitted after a correction (2, …)."""

    __tablename__ = "application_version"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # [{"id", "requirement_id", "name", "sha256", "size"}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApplicationPart(Versioned):
    """A workflow object that belongs to one application (a payment, report, control, job …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def application_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("application.id"), index=True)

    @declared_attr
    def application(cls) -> Mapped[Application]:
        return relationship(Application)


class SavedFilter(db.Model):
    """A person's named filters of a staff list (its query string), to open the same list again in one click."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "list_name", "name", name="uq_saved_filter_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    list_name: Mapped[str] = mapped_column(String(40))  # applications, later agreements and payments
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
