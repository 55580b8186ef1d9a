"""What every workflow object has (status, version) and the history of its transitions."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from grants.extensions import db
from grants.types import UTCDateTime, utcnow
from workflows import WORKFLOWS


def status_column(workflow_name: str) -> Mapped[str]:
    """A status limited by a CHECK constraint to the workflow's declared states."""
    workflow = WORKFLOWS[workflow_name]
    return mapped_column(
        Enum(*workflow.state_names, name=f"{workflow_name}_status", native_enum=False, create_constraint=True,
             length=max(len(n) for n in workflow.state_names)),
        default=workflow.initial, index=True,
    )


class Versioned:
    """A version counter the ORM checks and bumps on every UPDATE (UPDATE … WHERE version = :seen),
    so a write based on a stale read fails instead of overwriting, on every database."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class TransitionHistory(db.Model):
    """One row per transition fired; append-only."""

    __tablename__ = "transition_history"
    __table_args__ = (Index("ix_transition_history_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    workflow: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int] = mapped_column(Integer)
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
