"""Personal API tokens: made and revoked by their owner, found by their hash, limited per minute.

A call with a token acts as the token's user: every permission and object check of the web applies unchanged.
A token's scopes narrow what it may do (read: GET only; write: also the changes the user may make), never widen.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from grants.api.models import ApiToken
from grants.auth.models import User
from grants.errors import Refusal
from grants.extensions import db
from grants.services import audit
from grants.types import utcnow

PREFIX = "pmst_"
SCOPES = ("read", "write")
MAX_DAYS = 366
MAX_TOKENS = 20


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User, name: str, write: bool, days: int) -> tuple[ApiToken, str]:
    """A new token for the user; returns it with its secret, which is never stored and never shown again."""
    if not 1 <= days <= MAX_DAYS:
        raise Refusal(_l("A token lasts from 1 to %(days)d days.", days=MAX_DAYS), status=422)
    live = db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow()))
    if live >= MAX_TOKENS:
        raise Refusal(_l("At most %(n)d tokens at a time: revoke one first.", n=MAX_TOKENS), status=422)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=_hash(secret),
                     scopes="read write" if write else "read", expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record("api:token:created", actor=user, obj=token,
                 data={"name": name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat()})
    return token, secret


def revoke(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens (None: no such token of theirs)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api:token:revoked", actor=user, obj=token, data={"name": token.name})
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def authenticate(secret: str, now: datetime) -> ApiToken | None:
    """The live token with this secret whose user is active, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == _hash(secret)))  # its user too, in one round trip
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.active:
        return None
    return token


def spend(token: ApiToken, limit: int, now: datetime) -> tuple[int, int]:
    """Count one request in the token's current minute, in one statement every worker shares.
    Returns (requests left this minute, seconds until the next minute); left < 0 means over the limit."""
    minute = int(now.timestamp()) // 60
    # One statement on its own connection, committed by itself (no BEGIN and COMMIT of their own): counted at once
    # whatever the request does next, and the request's session keeps what it has loaded instead of reading it.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        counted = connection.execute(
            update(ApiToken).where(ApiToken.id == token.id)
            .values(window_count=case((ApiToken.window_started == minute, ApiToken.window_count + 1), else_=1),
                    window_started=minute, last_used_at=now)
            .returning(ApiToken.window_count)).scalar_one()
    return limit - counted, 60 - int(now.timestamp()) % 60
