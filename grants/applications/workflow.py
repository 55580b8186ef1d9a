"""Binds the application workflow to Application: the facts its guards read, who counts as a member,
and everything a transition changes besides the status.

Reading this file shows all that happens when, say, `request_correction` fires: the effects below
run inside `fire()`'s transaction, whoever fires the trigger and by whichever route. Facts about
scorecards, rankings, agreements and controls are plugged in by the areas that own them.
"""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.access import acts_for
from grants.applications import eligibility, queries
from grants.applications.counts import state_counts
from grants.applications.models import Application, ApplicationVersion
from grants.auth.models import Membership, MembershipRole, User
from grants.calls.models import Call
from grants.engine.registry import bind, plug
from grants.errors import Refusal
from grants.extensions import db
from grants.services import audit
from grants.services.mail import queue_mail
from grants.types import utcnow
from workflows.base import MEMBER, Context
from workflows.call_types import CALL_TYPES
from workflows.guards import CALL

NO_ITEMS = _l("Choose at least one item to correct.")

BINDING = bind(
    Application,
    disabled=lambda application: application.call.type.disabled_triggers,
    disableable=frozenset().union(*(t.disabled_triggers for t in CALL_TYPES.values())),
    scopes={CALL: lambda application: (Call, application.call_id)},
    counts=state_counts,
)


# --- facts ------------------------------------------------------------------------------------------

def _parameter(name: str, default: Any = None):
    return lambda application, now: application.call.parameter(name) or default


FACTS = {
    "call_opens_at": lambda application, now: application.call.opens_at,
    "call_closes_at": lambda application, now: application.call.closes_at,
    "missing_answers": lambda application, now: queries.missing_answers(application.call.form,
                                                                        application.answers or {}),
    "missing_attachments": lambda application, now: queries.missing_attachments(application),
    "eligibility_failures": lambda application, now: eligibility.failures(application, now.date()),
    "formal_checklist_missing": lambda application, now: queries.formal_checklist_missing(application),
    "correction_rounds": lambda application, now: application.correction_rounds,
    "max_correction_rounds": _parameter("max_correction_rounds", 0),
    "correction_due_at": lambda application, now: application.correction_due_at,
    "budget_available": lambda application, now: queries.budget_available(application.call_id,
                                                                          application.call.budget),
    "requested_amount": lambda application, now: application.requested_amount,
    # What selecting it would award: the amount the ranking kept for it (requested, or reduced by an officer).
    "award_amount": lambda application, now: application.awarded_amount or application.requested_amount,
    "appeal_due_at": lambda application, now: application.appeal_due_at,
    "appealed_before": lambda application, now: application.appealed_from is not None,
    "appealed_from": lambda application, now: application.appealed_from,
    "durability_months": _parameter("durability_months", 0),
    "durability_ends_at": lambda application, now: application.durability_ends_at,
}


# --- effects ----------------------------------------------------------------------------------------

def members_to_notify(application: Application) -> list[User]:
    """The people who act for the applicant organisation (owners and editors)."""
    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.organisation_id == application.organisation_id,
                                            Membership.role.in_((MembershipRole.OWNER, MembershipRole.EDITOR)))))


def freeze_version(application: Application, actor: User | None) -> ApplicationVersion:
    """Copy the answers and the attachments' hashes into a new, immutable version; freeze the files."""
    attachments = queries.current_attachments(application)
    now = utcnow()
    for attachment in attachments:
        if attachment.frozen_at is None:
            attachment.frozen_at = now
    content = {
        "application": application.id,
        "answers": application.answers or {},
        "requested_amount": str(application.requested_amount),
        "attachments": [{"id": a.id, "requirement_id": a.requirement_id, "name": a.original_name,
                         "sha256": a.sha256, "size": a.size} for a in attachments],
    }
    content_hash = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                             default=str).encode()).hexdigest()
    number = (db.session.scalar(select(func.max(ApplicationVersion.number))
                                .where(ApplicationVersion.application_id == application.id)) or 0) + 1
    version = ApplicationVersion(application_id=application.id, number=number, answers=content["answers"],
                                 requested_amount=application.requested_amount, attachments=content["attachments"],
                                 content_hash=content_hash, created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    audit.record("applications:version:frozen", actor=actor, obj=application,
                 data={"number": number, "content_hash": content_hash, "attachments": len(attachments)})
    return version


def _number(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    application.submitted_at = ctx.now
    if application.number is None:
        application.number = f"{application.call_id}/{application.id:05d}"


def _freeze_and_send_receipt(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """Submitting (or resubmitting) freezes a version; the receipt carries the number and its hash."""
    version = freeze_version(application, actor)
    application.correction_items = []
    for member in members_to_notify(application):
        queue_mail(member.email, _l("Application %(number)s received", number=application.number), "receipt",
                   locale=member.locale, application=application, version=version)


def _open_correction(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """Only the listed items of the call become editable, until the deadline that follows from the call."""
    valid = set(queries.correction_items(application.call))
    items = [item for item in ctx.data.get("items") or () if item in valid]
    if not items:
        raise Refusal(NO_ITEMS, status=422)
    application.correction_items = items
    application.correction_rounds += 1
    application.correction_due_at = ctx.now + timedelta(days=application.call.parameter("correction_days"))
    for member in members_to_notify(application):
        queue_mail(member.email, _l("Application %(number)s needs a correction", number=application.number),
                   "correction_requested", locale=member.locale, application=application, reason=ctx.reason)


def _remember_appealed_state(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    application.appealed_from = from_state


def _start_durability(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    months = application.call.parameter("durability_months") or 0
    if months:
        application.durability_ends_at = ctx.now + timedelta(days=round(months * 365.25 / 12))


PLUG = plug(
    Application,
    facts=FACTS,
    relations={MEMBER: lambda user, application: acts_for(user, application.organisation_id)},
    effects={
        "submit": (_number, _freeze_and_send_receipt),
        "resubmit": _freeze_and_send_receipt,
        "request_correction": _open_correction,
        "appeal": _remember_appealed_state,
        "accept_settlement": _start_durability,
    },
)
