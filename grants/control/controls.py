"""Usage controls by auditors (DESIGN §3.5): a sample of a call's grants drawn at random — the seed chosen, kept
and shown, so anyone can draw the same sample again from the same grants — or by risk (late reports first,
then the largest awards), or a control ad hoc; each control's checklist and findings with recommendations and
deadlines, which the grantee answers. A closed control never changes."""
from __future__ import annotations

import random
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.applications.workflow import members_to_notify
from grants.auth.models import User
from grants.calls.models import Call
from grants.control.models import Control, ControlFile, ControlPlan, Finding
from grants.control.recovery import local_today
from grants.engine.models import TransitionHistory
from grants.errors import Refusal
from grants.extensions import db
from grants.finance.models import Agreement
from grants.locking import lock
from grants.reporting.models import Report
from grants.services import audit, uploads
from grants.services.mail import queue_mail
from grants.types import utcnow

CONTROLLABLE = ("implementation", "settlement", "durability", "closed")
SETTLEMENT_DAYS = 30  # after the grant's end: a settlement not in by then is late
OPEN = ("planned", "in_progress", "findings")
CHECKLIST = {
    "documents": _l("Invoices and proofs of payment match the expenditure reported"),
    "assets": _l("Equipment bought from the grant is in place and used for its purpose"),
    "jobs": _l("The jobs financed exist (employment contracts, social insurance declarations)"),
    "publicity": _l("The grant's funding is made known as the agreement requires"),
    "accounts": _l("The grant is kept apart in the accounts"),
}


def population(call: Call | None) -> list[int]:
    """The grants of a call (None: of every call) that may be controlled — signed, and not under a control still
    open — in id order (the order a seeded draw depends on; the plan keeps it, so the draw can be repeated)."""
    under_control = select(Control.application_id).where(Control.status.in_(OPEN))
    query = select(Application.id).where(Application.status.in_(CONTROLLABLE), Application.id.not_in(under_control))
    if call is not None:
        query = query.where(Application.call_id == call.id)
    return list(db.session.scalars(query.order_by(Application.id)))


def random_sample(grants: list[int], size: int, seed: int) -> list[int]:
    """`size` grants drawn with the seed: the same grants and seed give the same sample, anywhere."""
    return sorted(random.Random(seed).sample(grants, min(size, len(grants))))


def risk_sample(grants: list[int], size: int, now=None) -> list[int]:
    """The riskiest: the most reports past their deadline and not accepted (a settlement not submitted 30 days
    after the grant's end counts as one more), then the largest award."""
    now = now or utcnow()
    late = dict(db.session.execute(select(Report.application_id, func.count()).where(
        Report.application_id.in_(grants), Report.due_at < now, Report.status != "accepted")
        .group_by(Report.application_id)).all())
    for grant in db.session.scalars(select(Agreement.application_id).join(
            Application, Application.id == Agreement.application_id).where(
            Agreement.application_id.in_(grants), Application.status == "implementation",
            Agreement.ends_on < local_today(now) - timedelta(days=SETTLEMENT_DAYS))):
        late[grant] = late.get(grant, 0) + 1
    awards = dict(db.session.execute(select(Application.id, Application.awarded_amount)
                                     .where(Application.id.in_(grants))).all())
    ranked = sorted(grants, key=lambda g: (-late.get(g, 0), -(awards.get(g) or 0), g))
    return sorted(ranked[:size])


def draw(call: Call | None, actor: User, method: str, size: int | None, seed: int | None, planned_on: date,
         share: int | None = None) -> ControlPlan:
    """A plan of controls for a call (None: the whole programme), each grant drawn becoming a planned control;
    `share` (a percent of the grants, rounded up) instead of a number."""
    if call is not None:
        lock(call)
    grants = population(call)
    errors = {}
    if method not in ("random", "risk"):
        errors["method"] = _l("Choose how to draw the sample.")
    if share is not None:
        if not 1 <= share <= 100:
            errors["share"] = _l("A share from 1 to 100 percent.")
        else:
            size = max(1, -(-len(grants) * share // 100))
    if not size or size < 1:
        errors["size"] = _l("At least one grant.")
    if method == "random" and seed is None:
        errors["seed"] = _l("Give the seed (any whole number): with it anyone can draw the same sample again.")
    if not grants:
        errors["call"] = _l("This call has no grants to control now (none signed, or all under a control).")
    if errors:
        raise Refusal(_l("No sample is drawn: correct the marked fields."), status=422, errors=errors)
    chosen = random_sample(grants, size, seed) if method == "random" else risk_sample(grants, size)
    plan = ControlPlan(call_id=call.id if call is not None else None, method=method, size=size, share=share,
                       seed=seed if method == "random" else None, population=grants, chosen=chosen,
                       created_by_id=actor.id)
    db.session.add(plan)
    db.session.flush()
    made = [Control(application_id=grant, plan_id=plan.id, planned_on=planned_on, checklist={}) for grant in chosen]
    db.session.add_all(made)
    db.session.flush()
    for control in made:
        planned(control)
    audit.record("control:plan:drawn", actor=actor, obj=plan,
                 data={"plan": plan.id, "method": method, "seed": plan.seed, "population": len(grants),
                       "chosen": chosen})
    return plan


def ad_hoc(application: Application, actor: User, planned_on: date, scope: str) -> Control:
    if application.status not in CONTROLLABLE:
        raise Refusal(_l("Only a signed grant can be controlled."), status=409)
    control = Control(application_id=application.id, planned_on=planned_on, scope=(scope or "").strip() or None,
                      checklist={})
    db.session.add(control)
    db.session.flush()
    planned(control)
    audit.record("control:control:planned", actor=actor, obj=control, data={"application": application.id})
    return control


def _open(control: Control) -> None:
    lock(control)
    if control.status not in ("in_progress", "findings"):
        raise Refusal(_l("Only a control in progress takes findings and checks; a closed one never changes."),
                      status=409)


def tick_checklist(control: Control, actor: User, ticked: list[str]) -> None:
    _open(control)
    control.checklist = {item: item in ticked for item in CHECKLIST}
    db.session.flush()
    audit.record("control:control:checked", actor=actor, obj=control, data={"checked": sorted(ticked)})


def add_finding(control: Control, actor: User, text: str, recommendation: str, deadline: date | None) -> Finding:
    _open(control)
    errors = {}
    if not (text or "").strip():
        errors["text"] = _l("Describe what was found.")
    if not (recommendation or "").strip():
        errors["recommendation"] = _l("Say what the grantee is to do.")
    if deadline is None:
        errors["deadline"] = _l("Give the deadline.")
    elif deadline < utcnow().date():
        errors["deadline"] = _l("A deadline from today on.")
    if errors:
        raise Refusal(_l("The finding is not recorded: correct the marked fields."), status=422, errors=errors)
    finding = Finding(control_id=control.id, text=text.strip(), recommendation=recommendation.strip(),
                      deadline=deadline, created_by_id=actor.id)
    db.session.add(finding)
    control.findings_count = (control.findings_count or 0) + 1
    db.session.flush()
    audit.record("control:finding:added", actor=actor, obj=control, data={"finding": finding.id})
    return finding


def answer(finding: Finding, control: Control, actor: User, text: str) -> None:
    """The grantee's answer to a recommendation, while the control is open."""
    lock(control)
    if control.status not in OPEN:
        raise Refusal(_l("The control is closed: answers are no longer taken."), status=409)
    if not (text or "").strip():
        raise Refusal(_l("Write the answer."), status=422, errors={"answer": _l("Write the answer.")})
    finding.answer, finding.answered_at, finding.answered_by_id = text.strip(), utcnow(), actor.id
    db.session.flush()
    audit.record("control:finding:answered", actor=actor, obj=control, data={"finding": finding.id})
    auditor = _auditor_of(control)
    if auditor is not None:
        queue_mail(auditor.email, _l("%(number)s: the grantee answered a recommendation",
                                     number=control.application.number),
                   "control_answered", locale=auditor.locale, control=control, application=control.application,
                   finding=finding)


def _auditor_of(control: Control) -> User | None:
    """The auditor who last moved the control on (started it, recorded its findings)."""
    actor_id = db.session.scalar(select(TransitionHistory.actor_id).where(
        TransitionHistory.workflow == "control", TransitionHistory.object_id == control.id,
        TransitionHistory.actor_id.is_not(None)).order_by(TransitionHistory.id.desc()).limit(1))
    return db.session.get(User, actor_id) if actor_id else None


def waiting(control: Control, now) -> int:
    """Recommendations with no answer whose deadline has not passed: the control stays open for them."""
    return db.session.scalar(select(func.count()).select_from(Finding).where(
        Finding.control_id == control.id, Finding.answer.is_(None), Finding.deadline >= local_today(now))) or 0


def tell_grantee(control: Control, template: str, subject, **more) -> None:
    with db.session.no_autoflush:
        members = members_to_notify(control.application)
        found = findings(control)
    for member in members:
        queue_mail(member.email, subject, template, locale=member.locale, control=control,
                   application=control.application, findings=found, **more)


def planned(control: Control) -> None:
    tell_grantee(control, "control_planned", _l("%(number)s: a control of your grant is planned",
                                                 number=control.application.number))


DOC_TYPES = ("application/pdf", "image/jpeg", "image/png")
DOC_MAX = 20 * 1024 * 1024


def add_document(control: Control, actor: User, stream, filename: str | None, finding: Finding | None = None,
                 ) -> ControlFile:
    """A document of a control still open: the auditor's, or the grantee's with an answer (`finding`)."""
    lock(control)
    if control.status not in OPEN:
        raise Refusal(_l("The control is closed: its documents no longer change."), status=409)
    stored = uploads.keep(ControlFile, stream, filename, key_prefix=f"controls/{control.id}",
                          allowed_types=DOC_TYPES, max_size=DOC_MAX, control_id=control.id,
                          finding_id=finding.id if finding else None, uploaded_by_id=actor.id)
    audit.record("control:document:added", actor=actor, obj=control,
                 data={"file": stored.id, "finding": stored.finding_id, "sha256": stored.sha256})
    return stored


def documents(control: Control) -> list[ControlFile]:
    return list(db.session.scalars(select(ControlFile).where(ControlFile.control_id == control.id)
                                   .order_by(ControlFile.id)))


def findings(control: Control) -> list[Finding]:
    return list(db.session.scalars(select(Finding).where(Finding.control_id == control.id).order_by(Finding.id)))
