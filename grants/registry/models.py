"""An organisation's entry in the public registry: published or not, and what its owner chose to show."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.auth.models import Organisation
from grants.extensions import db
from grants.search import Searchable
from grants.types import UTCDateTime, utcnow

VOIVODESHIPS = ("dolnoslaskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "lodzkie", "malopolskie",
                "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie", "slaskie", "swietokrzyskie",
                "warminsko-mazurskie", "wielkopolskie", "zachodniopomorskie")
SE_STATUSES = ("ps", "pes", "none")  # a social enterprise (PS), another social-economy entity (PES), neither


class RegistryEntry(Searchable, db.Model):
    """Shown to the public only while published; contact details only those the owner ticked."""

    __tablename__ = "registry_entry"
    __table_args__ = (
        CheckConstraint("se_status in ('ps', 'pes', 'none')", name="se_status_known"),
        # The public list's order: a page of a common word's matches walks this instead of sorting them all.
        Index("ix_registry_entry_published_name", "name", "id", postgresql_where=text("published"),
              sqlite_where=text("published")),
    )
    search_fields = ("name", "products", "services", "town")

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    name: Mapped[str] = mapped_column(String(300))  # the organisation's name when the entry was last saved
    products: Mapped[str | None] = mapped_column(Text)
    services: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(60))
    town: Mapped[str | None] = mapped_column(String(120))
    county: Mapped[str | None] = mapped_column(String(120))
    voivodeship: Mapped[str | None] = mapped_column(String(30), index=True)
    se_status: Mapped[str] = mapped_column(String(10), default="none")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    show_email: Mapped[bool] = mapped_column(Boolean, default=False)
    show_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    show_website: Mapped[bool] = mapped_column(Boolean, default=False)
    show_address: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Published by the programme's staff with a grantee's basic data only (name, kind, KRS, town, its grants), as
    # the programme's rules make public; the owner's own choices take over once they save the entry.
    staff_published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    staff_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
