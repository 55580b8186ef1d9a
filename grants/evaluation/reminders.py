"""The scheduler's part in evaluation: scorecards past their deadline are marked overdue once, and their
evaluators reminded by email (idempotent; two copies running at once remind nobody twice)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.evaluation.models import OPEN_STATUSES, Scorecard
from grants.extensions import db
from grants.services import audit
from grants.services.mail import queue_mail
from grants.types import utcnow


def mark_overdue(now: datetime | None = None) -> int:
    """Mark and remind; returns how many scorecards became overdue."""
    now = now or utcnow()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    ids = db.session.scalars(select(Scorecard.id).where(Scorecard.status.in_(OPEN_STATUSES),
                                                        Scorecard.due_at < now, Scorecard.overdue_at.is_(None))
                             .order_by(Scorecard.id)).all()
    db.session.commit()
    marked = 0
    for card_id in ids:
        claim = select(Scorecard).where(Scorecard.id == card_id, Scorecard.overdue_at.is_(None),
                                        Scorecard.status.in_(OPEN_STATUSES)).execution_options(populate_existing=True)
        card = db.session.scalars(claim.with_for_update(skip_locked=True) if postgres else claim).first()
        if card is None:
            db.session.rollback()
            continue
        card.overdue_at = card.reminded_at = now
        audit.record("evaluation:scorecard:overdue", obj=card.application,
                     data={"scorecard": card.id, "evaluator": card.evaluator_id})
        queue_mail(card.evaluator.email, _l("Your evaluation is overdue"), "evaluation_reminder",
                   locale=card.evaluator.locale, card=card)
        db.session.commit()
        marked += 1
    return marked
