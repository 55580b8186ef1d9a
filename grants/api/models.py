"""Personal API tokens: a user's keys to the JSON API, each with its scopes and expiry, stored only as a hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.auth.models import User
from grants.extensions import db
from grants.types import UTCDateTime, utcnow


class ApiToken(db.Model):
    """The token itself is shown once, when it is made; the database keeps its SHA-256 (a token is 256 random
    bits, so a plain hash is enough) and its first characters, so its owner can tell tokens apart."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(40))  # "read" or "read write"
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Requests in the current minute (a fixed window kept in the row, so every worker counts the same).
    window_started: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    window_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
