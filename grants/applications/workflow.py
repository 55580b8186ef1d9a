"""Binds the application workflow to Application: facts for its guards, relations, side effects."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from grants.access import membership_role
from grants.applications import eligibility, operations
from grants.applications.models import Application
from grants.auth.models import MembershipRole
from grants.calls.models import Call
from grants.control.models import Control, RecoveryCase
from grants.engine.registry import bind
from grants.extensions import db
from workflows.base import MEMBER, Context
from workflows.guards import CALL
from workflows.call_types import CALL_TYPES

DEFAULT_FORMAL_CHECKLIST = (
    {"id": "signed", "label": {"pl": "Wniosek podpisany przez osoby uprawnione do reprezentacji",
                               "en": "Signed by the people entitled to represent the applicant"}},
    {"id": "registry", "label": {"pl": "Dane zgodne z rejestrem (KRS, CEIDG, REGON)",
                                 "en": "Details match the registers (KRS, CEIDG, REGON)"}},
    {"id": "legible", "label": {"pl": "Załączniki czytelne i kompletne", "en": "Attachments legible and complete"}},
)

# Where the call's money is committed: from selection until the grant is closed or recovered.
AWARDED_STATES = ("selected", "agreement", "implementation", "settlement", "durability", "recovery", "closed")


def is_member(user: Any, organisation_id: int, roles=(MembershipRole.OWNER, MembershipRole.EDITOR)) -> bool:
    """The user may act for the organisation (owners and editors; viewers only read)."""
    return membership_role(user, organisation_id) in roles


def missing_answers(form: list[dict], answers: dict) -> list[str]:
    """Ids of required questions without an answer."""
    return [q["id"] for q in form or () if q.get("required") and answers.get(q["id"]) in (None, "", [], {})]


def budget_available(call_id: int, budget: Decimal) -> Decimal:
    committed = db.session.scalar(
        select(func.coalesce(func.sum(Application.awarded_amount), 0))
        .where(Application.call_id == call_id, Application.status.in_(AWARDED_STATES))
    )
    return Decimal(budget) - Decimal(committed)


def facts(application: Application, now: datetime) -> dict[str, Any]:
    """What the guards may read; the entries that cost a query are functions, run only if read."""
    call = application.call

    def statuses(model) -> list[str]:
        return list(db.session.scalars(select(model.status).where(model.application_id == application.id)))

    return {
        "call_opens_at": call.opens_at,
        "call_closes_at": call.closes_at,
        "missing_answers": lambda: missing_answers(call.form, application.answers or {}),
        "missing_attachments": lambda: operations.missing_attachments(application),
        "eligibility_failures": lambda: eligibility.failures(application, now.date()),
        "formal_checklist_missing": lambda: formal_checklist_missing(application),
        # Scorecards, rankings and agreements arrive with their own areas; until then these facts say
        # what is true of an application that has none of them.
        "correction_rounds": application.correction_rounds,
        "max_correction_rounds": call.parameter("max_correction_rounds"),
        "correction_due_at": application.correction_due_at,
        "scorecards_submitted": 0,
        "evaluators_required": call.parameter("evaluators_per_application"),
        "discrepancy": False,
        "third_review_allowed": call.type.uses("request_third_review"),
        "third_scorecard_submitted": False,
        "ranking_published": False,
        "budget_available": lambda: budget_available(call.id, call.budget),
        "requested_amount": application.requested_amount,
        "appeal_due_at": application.appeal_due_at,
        "appealed_before": application.appealed_from is not None,
        "appealed_from": application.appealed_from,
        "agreement_conditions_missing": [name for name in ("security", "de_minimis")
                                         if call.parameter(f"requires_{name}")],
        "durability_months": call.parameter("durability_months") or 0,
        "control_required": bool(call.parameter("control_required")),
        "control_closed": lambda: "closed" in statuses(Control),
        "durability_ends_at": application.durability_ends_at,
        "recovery_settled": lambda: (lambda found: bool(found) and all(s == "closed" for s in found))(
            statuses(RecoveryCase)),
    }


def formal_checklist(call) -> list[tuple[str, dict]]:
    """The items an officer ticks by hand in the formal check: the call's own, else the default list."""
    items = call.parameter("formal_checklist") or DEFAULT_FORMAL_CHECKLIST
    return [(item["id"], item["label"]) for item in items]


def formal_checklist_missing(application: Application) -> list[str]:
    ticked = application.formal_checklist or {}
    return [item_id for item_id, _label in formal_checklist(application.call) if not ticked.get(item_id)]


def _on_submit(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    application.submitted_at = ctx.now
    if application.number is None:
        application.number = f"{application.call_id}/{application.id:05d}"


def _on_request_correction(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    application.correction_rounds += 1
    application.correction_due_at = ctx.now + timedelta(days=application.call.parameter("correction_days"))


def _on_appeal(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    application.appealed_from = from_state


def _on_accept_settlement(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    months = application.call.parameter("durability_months") or 0
    if months:
        application.durability_ends_at = ctx.now + timedelta(days=round(months * 365.25 / 12))


BINDING = bind(
    Application,
    facts=facts,
    relations={MEMBER: lambda user, application: is_member(user, application.organisation_id)},
    effects={
        "submit": _on_submit,
        "request_correction": _on_request_correction,
        "appeal": _on_appeal,
        "accept_settlement": _on_accept_settlement,
    },
    disabled=lambda application: application.call.type.disabled_triggers,
    disableable=frozenset().union(*(t.disabled_triggers for t in CALL_TYPES.values())),
    scopes={CALL: lambda application: (Call, application.call_id)},
)
