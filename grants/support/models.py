"""Objects of job-creation support and development packages: jobs, bridging extensions, package items."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application
from grants.engine.models import Versioned, status_column
from grants.extensions import db
from grants.types import UTCDateTime, utcnow


class Job(Versioned, db.Model):
    __tablename__ = "job"
    workflow = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[str] = status_column("job")
    fte: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("1"))
    financed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    durability_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()


class BridgingExtension(Versioned, db.Model):
    __tablename__ = "bridging_extension"
    workflow = "bridging_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[str] = status_column("bridging_extension")
    requested_months: Mapped[int] = mapped_column(Integer)
    requested_monthly_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    basic_monthly_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()


class PackageItem(Versioned, db.Model):
    __tablename__ = "package_item"
    workflow = "package_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[str] = status_column("package_item")
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    in_kind: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
