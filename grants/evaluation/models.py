"""Merit evaluation: each call's pool of evaluators, their scorecards, draws, rankings and results.

A scorecard is born when an officer (or a seeded draw) assigns an application to an evaluator, and
carries the whole of that evaluator's part: the declaration of impartiality, the points with their
justifications, and, once submitted, a content hash. A submitted scorecard never changes: the
database refuses it (migration 0013), whatever the app does.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application
from grants.auth.models import User
from grants.calls.models import Call
from grants.extensions import db
from grants.types import UTCDateTime, str_enum, utcnow


class PoolMember(db.Model):
    """An evaluator who serves a call (an evaluator may serve several)."""

    __tablename__ = "evaluation_pool"
    __table_args__ = (UniqueConstraint("call_id", "user_id", name="uq_evaluation_pool_call_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the call is decided by a commission's vote, the pool is the commission and one member chairs it.
    chair: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ScorecardStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # waiting for the declaration: nothing of the application is shown yet
    DECLARED = "declared"  # impartiality declared: the evaluator reads and scores
    SUBMITTED = "submitted"  # sealed
    CONFLICT = "conflict"  # the evaluator declared a conflict of interest: never sees the application
    WITHDRAWN = "withdrawn"  # taken back by an officer (declined, overdue): never sees the application again


OPEN_STATUSES = (ScorecardStatus.ASSIGNED, ScorecardStatus.DECLARED)
ACTIVE_STATUSES = (ScorecardStatus.ASSIGNED, ScorecardStatus.DECLARED, ScorecardStatus.SUBMITTED)


class Scorecard(db.Model):
    """One evaluator's assignment to one application and, once declared, their scores."""

    __tablename__ = "scorecard"
    __table_args__ = (
        # The same person is never two evaluators of one application, not even after withdrawing.
        UniqueConstraint("application_id", "evaluator_id", name="uq_scorecard_application_evaluator"),
        CheckConstraint("slot BETWEEN 1 AND 9", name="slot_range"),
        CheckConstraint("status <> 'submitted' OR (submitted_at IS NOT NULL AND content_hash IS NOT NULL)",
                        name="submitted_is_sealed"),
        Index("ix_scorecard_evaluator_status", "evaluator_id", "status"),
        Index("ix_scorecard_call_status", "call_id", "status"),
        # The officer's progress per evaluator, counted from the index alone.
        Index("ix_scorecard_call_progress", "call_id", "evaluator_id", "status", "due_at", "saved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The order of assignment (1, 2; 3 for the third evaluation; more after re-evaluations): the final
    # score reads the first two, or the third and the closer of the first two.
    slot: Mapped[int] = mapped_column(Integer)
    # A re-evaluation after an upheld appeal; its score cannot lower the application's.
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[ScorecardStatus] = mapped_column(str_enum(ScorecardStatus, "scorecard_status"),
                                                    default=ScorecardStatus.ASSIGNED)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: drawn
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_draw.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declaration_locale: Mapped[str | None] = mapped_column(String(5))
    conflict_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # marked by the scheduler
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {criterion id: points}, {criterion id: justification}
    points: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    justifications: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    recommend: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    total: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))

    application: Mapped[Application] = relationship()
    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])

    @property
    def awaiting_declaration(self) -> bool:
        return self.status == ScorecardStatus.ASSIGNED

    @property
    def sealed(self) -> bool:
        return self.status == ScorecardStatus.SUBMITTED

    @property
    def in_progress(self) -> bool:
        return self.status == ScorecardStatus.DECLARED and self.saved_at is not None

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime) -> bool:
        return self.status in OPEN_STATUSES and self.due_at is not None and self.due_at < now


class Draw(db.Model):
    """An automatic distribution of evaluators: its seed and result are kept, so it can be repeated."""

    __tablename__ = "evaluation_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    # [[application id, evaluator id, slot], …] in the order they were made
    result: Mapped[list[Any]] = mapped_column(JSON, default=list)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RankingStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class Ranking(db.Model):
    """A call's ranking list, with everything it was computed from, so recomputing proves it."""

    __tablename__ = "ranking"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    status: Mapped[RankingStatus] = mapped_column(str_enum(RankingStatus, "ranking_status"),
                                                  default=RankingStatus.DRAFT)
    algorithm_version: Mapped[int] = mapped_column(Integer)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The result notice: the appeal window runs from it.
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()

    @property
    def published(self) -> bool:
        return self.status == RankingStatus.PUBLISHED


class RankingEntry(db.Model):
    __tablename__ = "ranking_entry"
    __table_args__ = (UniqueConstraint("ranking_id", "application_id", name="uq_ranking_entry_application"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking_id: Mapped[int] = mapped_column(ForeignKey("ranking.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    score: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    passed: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(10))  # selected, reserve, rejected
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # A later published list that ranked the application again (after an upheld appeal): this place no longer
    # stands, the later one does.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ranking.id"))


class Reevaluation(db.Model):
    """An upheld appeal against the merit review opens a new round, scored by someone who never had the
    application; its result cannot lower the score the application had."""

    __tablename__ = "reevaluation"
    __table_args__ = (UniqueConstraint("application_id", "round", name="uq_reevaluation_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    previous_score: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class AmountReduction(db.Model):
    """An officer's reduction of the amount to award, with the reason (read by the next ranking)."""

    __tablename__ = "amount_reduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
