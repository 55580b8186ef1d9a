"""Calls (nabory): one call type each, with parameters frozen when published."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.engine.models import Versioned
from grants.extensions import db
from grants.services.uploads import StoredFile
from grants.types import UTCDateTime, str_enum, utcnow
from workflows.call_types import CALL_TYPES, CallType

# Money parameters a call type may not declare (so no Decimal default tells how to read them back).
MONEY_PARAMETERS = frozenset({"max_requested_amount", "package_cap"})


class CallStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Call(Versioned, db.Model):
    __tablename__ = "call"
    __table_args__ = (
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[CallStatus] = mapped_column(str_enum(CallStatus, "call_status"), default=CallStatus.DRAFT)
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The application form as data: [{"id", "type", "label": {"pl", "en"}, "help": {...}, "required", "options"}]
    form: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"id", "name": {"pl", "en"}, "types": [mime types], "max_size": bytes, "required"}]
    required_attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"id", "name": {"pl", "en"}, "max_points", "weight", "section_min"}]
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def frozen(self) -> bool:
        """Published: the definition is frozen, and a change is an amendment with a reason."""
        return self.status == CallStatus.PUBLISHED

    @property
    def type(self) -> CallType:
        return CALL_TYPES[self.call_type]

    def parameter(self, name: str) -> Any:
        """The call's own value, else its type's default; JSON keeps money as text, so it is read back as Decimal."""
        defaults = self.type.defaults()
        value = (self.parameters or {}).get(name, defaults.get(name))
        if (isinstance(defaults.get(name), Decimal) or name in MONEY_PARAMETERS) and value is not None:
            return Decimal(str(value))
        return value


class CallAmendment(db.Model):
    """A change to a published call: who, why, and what changed (before → after)."""

    __tablename__ = "call_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallDocument(StoredFile, db.Model):
    """A document published with a call (rules, templates of attachments); frozen with the call."""

    __tablename__ = "call_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
