"""The jobs a job-creation grant pays for (DESIGN §3.2 b), and what keeps them (the durability).

The grantee registers each job: the person (PESEL), the eligibility document (at risk of social exclusion),
the FTE (1, ¾, ½; ¼ only with a disability certificate) and the start date, within the number of jobs the
agreement pays for. Finance starts the financing (12 months from the start by default); the scheduler moves
the job into durability (6 months, 18 when extended bridging support was approved) and then to maintained.
A job reported lost may be replaced by an eligible person within the call's replacement months (3 by
default): the replacement continues the lost job's periods. Not replaced by then, the scheduler opens a
recovery case for the job's share of the grant (the create rate frozen in the agreement × its FTE).

The enterprise must obtain the PS status within months of its first job (6 by default): the duty is dated when
the first job is registered; the grantee is reminded a month before and on the day; missed, a recovery case for
the jobs' share is opened. Months without the monthly employment proof after their deadline flag the jobs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import func, select

from grants.access import acts_for
from grants.applications.models import Application
from grants.applications.workflow import members_to_notify
from grants.auth.models import User
from grants.control import recovery
from grants.engine.core import Context
from grants.errors import Refusal
from grants.extensions import db
from grants.finance import agreements
from grants.finance import jobs as proofs
from grants.finance.models import Agreement, Payment
from grants.identifiers import compact_pesel, valid_pesel
from grants.locking import lock
from grants.services import audit, uploads
from grants.services.mail import queue_mail
from grants.services.workdays import end_of_day
from grants.support.models import BridgingExtension, Job, JobFile, PsStatus, PsStatusFile
from grants.types import utcnow

FTES = {"1": _l("Full time"), "0.75": _l("¾ time"), "0.5": _l("½ time"), "0.25": _l("¼ time (with a disability)")}
ELIGIBILITY = {
    "unemployed": _l("Unemployed (registered)"),
    "disabled": _l("Person with a disability"),
    "homeless": _l("Homeless or leaving homelessness"),
    "leaving_care": _l("Leaving foster care or an institution"),
    "addiction": _l("Recovering from addiction"),
    "prison": _l("Leaving prison"),
    "other_at_risk": _l("Other person at risk of social exclusion"),
}
DOC_TYPES = ("application/pdf", "image/jpeg", "image/png")
DOC_MAX = 20 * 1024 * 1024
ACTIVE = ("created", "financed", "durability")
RUNNING = ("implementation", "settlement", "durability")
PROOF_GRACE_DAYS = 10  # a month's proof is due this many days after the month ends
PS_REMIND_DAYS = 30
CENT = Decimal("0.01")


def _zone() -> str:
    from grants.auth.models import Programme

    return Programme.current().time_zone


def jobs_of(application: Application) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.application_id == application.id)
                                   .order_by(Job.starts_on, Job.id)))


def agreement_of(application: Application) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(Agreement.application_id == application.id))


def slots(application: Application) -> int:
    agreement = agreement_of(application)
    return len(agreement.jobs or ()) if agreement is not None else 0


def share(job: Job, agreement: Agreement | None) -> Decimal:
    """The job's part of the grant: the create rate frozen in the agreement × its FTE."""
    rate = Decimal(str((agreement.rates or {}).get("job_create") or 0)) if agreement is not None else Decimal(0)
    return (rate * Decimal(job.fte)).quantize(CENT, rounding=ROUND_HALF_UP)


def files_of(job: Job) -> list[JobFile]:
    return list(db.session.scalars(select(JobFile).where(JobFile.job_id == job.id).order_by(JobFile.id)))


def fte_label(value) -> str:
    key = format(Decimal(value).normalize(), "f")
    return str(FTES.get(key, key))


def replacement_of(job: Job) -> Job | None:
    return db.session.scalar(select(Job).where(Job.replaces_id == job.id))


def masked(pesel: str | None) -> str:
    return f"{pesel[:2]}•••••••{pesel[-2:]}" if pesel and len(pesel) == 11 else "—"


# --- the grantee registers a job ----------------------------------------------------------------------

@dataclass(frozen=True)
class NewJob:
    person_name: str
    pesel: str
    eligibility: str
    fte: str
    starts_on: date
    replaces_id: int | None = None


def _check(application: Application, new: NewJob, has_disability_doc: bool, today: date) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    agreement = agreement_of(application)
    pesel = compact_pesel(new.pesel) or ""
    if not valid_pesel(pesel):
        errors["pesel"] = _l("This is not a valid PESEL.")
    elif db.session.scalar(select(func.count()).select_from(Job).where(
            Job.application_id == application.id, Job.pesel == pesel, Job.status.in_(ACTIVE))):
        errors["pesel"] = _l("This person already holds a job of this grant.")
    if new.eligibility not in ELIGIBILITY:
        errors["eligibility"] = _l("Choose why the person is eligible.")
    if new.fte not in FTES:
        errors["fte"] = _l("Choose the working time.")
    elif new.fte == "0.25" and not has_disability_doc:
        errors["disability_doc"] = _l("A quarter-time job needs the person's disability certificate.")
    if agreement is not None and not agreement.starts_on <= new.starts_on <= min(agreement.ends_on, today + timedelta(
            days=31)):
        errors["starts_on"] = _l("The job starts within the agreement's period, at most a month from today.")
    return errors


def _replaced(application: Application, new: NewJob, errors: dict[str, Any]) -> Job | None:
    if new.replaces_id is None:
        taken = db.session.scalar(select(func.count()).select_from(Job).where(
            Job.application_id == application.id, Job.status.in_(ACTIVE))) or 0
        if taken >= slots(application):
            errors["replaces"] = _ln("The agreement pays for %(num)d job and it is taken; a new person can only "
                                     "replace a lost job.",
                                     "The agreement pays for %(num)d jobs and all are taken; a new person can only "
                                     "replace a lost job.", slots(application))
        return None
    lost = db.session.get(Job, new.replaces_id)
    if lost is None or lost.application_id != application.id or lost.status != "lost" or lost.recovery_case_id:
        errors["replaces"] = _l("Choose a lost job that can still be replaced.")
    elif db.session.scalar(select(func.count()).select_from(Job).where(Job.replaces_id == lost.id)):
        errors["replaces"] = _l("That job is already replaced.")
    elif lost.replace_by is not None and new.starts_on > lost.replace_by:
        errors["starts_on"] = _l("The replacement must start by %(day)s.", day=format_date(lost.replace_by, "long"))
    elif new.fte in FTES and Decimal(new.fte) < Decimal(lost.fte):
        errors["fte"] = _l("A replacement needs at least the lost job's working time: %(fte)s.",
                           fte=fte_label(lost.fte))
    return lost


def register(application: Application, actor: User, new: NewJob, eligibility_doc, disability_doc) -> Job:
    """A job with its person and documents (each checked by content); refused whole when anything is wrong."""
    if not acts_for(actor, application.organisation_id):
        raise Refusal(_l("Only the grantee's people register its jobs."), status=403)
    lock(application)
    if application.status not in RUNNING:
        raise Refusal(_l("Jobs are registered while the grant runs."), status=409)
    errors = _check(application, new, disability_doc is not None, utcnow().date())
    lost = _replaced(application, new, errors)
    if eligibility_doc is None:
        errors["eligibility_doc"] = _l("Attach the document that shows the person is eligible.")
    if errors:
        raise Refusal(_l("The job is not registered: see the marked fields."), status=422, errors=errors)
    job = Job(application_id=application.id, person_name=new.person_name.strip(), pesel=compact_pesel(new.pesel),
              eligibility=new.eligibility, fte=Decimal(new.fte), starts_on=new.starts_on,
              disability=disability_doc is not None, registered_by_id=actor.id, replaces_id=new.replaces_id)
    if lost is not None:  # the replacement continues the lost job's periods, in the state they put it in
        job.financed_until, job.durability_ends_at = lost.financed_until, lost.durability_ends_at
        job.status = _phase(lost, utcnow())
    db.session.add(job)
    db.session.flush()
    for kind, doc in (("eligibility", eligibility_doc), ("disability", disability_doc)):
        if doc is not None:
            _store(job, actor, kind, *doc)
    _date_ps_status(application, new.starts_on)
    audit.record("support:job:registered", actor=actor, obj=job,
                 data={"application": application.id, "fte": new.fte, "replaces": new.replaces_id})
    return job


def _phase(lost: Job, now: datetime) -> str:
    if lost.financed_until is None:
        return "created"
    if now < lost.financed_until:
        return "financed"
    return "durability"


def _store(job: Job, actor: User, kind: str, stream, filename: str | None) -> JobFile:
    return uploads.keep(JobFile, stream, filename, key_prefix=f"jobs/{job.id}", allowed_types=DOC_TYPES,
                        max_size=DOC_MAX, job_id=job.id, kind=kind, uploaded_by_id=actor.id)


# --- the job workflow's effects -----------------------------------------------------------------------

def financed(job: Job, actor: Any, ctx: Context, from_state: str) -> None:
    """Financing starts: the financed months from the job's start, then the durability period."""
    call = job.application.call
    start = job.starts_on or ctx.now.date()
    until = agreements.months_after(start, call.parameter("financed_months") or 12)
    extended = db.session.scalar(select(func.count()).select_from(BridgingExtension).where(
        BridgingExtension.application_id == job.application_id, BridgingExtension.status == "approved"))
    months = call.parameter("durability_months_extended" if extended else "durability_months") or 6
    job.financed_until = end_of_day(until - timedelta(days=1), _zone())
    job.durability_ends_at = end_of_day(agreements.months_after(until, months) - timedelta(days=1), _zone())


def lost(job: Job, actor: Any, ctx: Context, from_state: str) -> None:
    """A lost job (on the day given, else today) may be replaced within the call's months; the grantee hears by
    when."""
    try:
        day = date.fromisoformat(ctx.data["lost_on"]) if ctx.data.get("lost_on") else recovery.local_today(ctx.now)
    except (TypeError, ValueError):
        day = None
    if day is None or day > recovery.local_today(ctx.now) or (job.starts_on is not None and day < job.starts_on):
        raise Refusal(_l("The day the job was lost is between its start and today."), status=422,
                      errors={"lost_on": _l("Between the job's start and today.")})
    job.lost_on = day
    job.replace_by = agreements.months_after(job.lost_on, job.application.call.parameter("job_replacement_months")
                                             or 3)
    for member in members_to_notify(job.application):
        queue_mail(member.email, _l("%(number)s: a job is reported lost", number=job.application.number),
                   "job_lost", locale=member.locale, job=job, application=job.application, reason=ctx.reason)


# --- flags and duties the scheduler sees to -----------------------------------------------------------

def missing_proofs(application: Application, today: date) -> list[int]:
    """Months of the schedule past their proof's deadline with no proof accepted or waiting."""
    agreement = agreement_of(application)
    if agreement is None:
        return []
    given = {p.period for p in proofs.proofs(application) if p.status in ("submitted", "accepted")}
    late = []
    for period in proofs.instalment_months(application):
        month_ends = agreements.months_after(agreement.starts_on, period) - timedelta(days=1)
        if today > month_ends + timedelta(days=PROOF_GRACE_DAYS) and period not in given:
            late.append(period)
    return late


def _date_ps_status(application: Application, first_job: date) -> None:
    if db.session.scalar(select(PsStatus.id).where(PsStatus.application_id == application.id)) is None:
        months = application.call.parameter("ps_status_months") or 6
        db.session.add(PsStatus(application_id=application.id, due_on=agreements.months_after(first_job, months)))


def ps_status_of(application: Application) -> PsStatus | None:
    return db.session.scalar(select(PsStatus).where(PsStatus.application_id == application.id))


def record_ps_status(application: Application, actor: User, obtained_on: date, stream, filename: str | None) -> None:
    """The grantee records the day the PS status was obtained, with the document that shows it."""
    if not acts_for(actor, application.organisation_id):
        raise Refusal(_l("Only the grantee's people record this."), status=403)
    duty = ps_status_of(application)
    if duty is None:
        raise Refusal(_l("The PS status is due once the first job is registered."), status=409)
    lock(application)
    if obtained_on > utcnow().date():
        raise Refusal(_l("The day cannot be in the future."), status=422,
                      errors={"obtained_on": _l("The day cannot be in the future.")})
    stored = uploads.keep(PsStatusFile, stream, filename, key_prefix=f"ps-status/{application.id}",
                          allowed_types=DOC_TYPES, max_size=DOC_MAX, application_id=application.id,
                          uploaded_by_id=actor.id)
    duty.obtained_on, duty.document_id = obtained_on, stored.id
    audit.record("support:ps-status:obtained", actor=actor, obj=application,
                 data={"obtained_on": obtained_on.isoformat(), "sha256": stored.sha256})


def _transferred_on(application: Application) -> date | None:
    return db.session.scalar(select(func.min(Payment.paid_on)).where(
        Payment.application_id == application.id, Payment.status == "paid",
        Payment.kind.in_(("job_grant", "maintain", "lump_sum", "advance"))))


def _open_recovery(application: Application, principal: Decimal, facts: str):
    basis = application.call.parameter("recovery_basis") or "art207"
    case = recovery.open_case(application, None, principal, basis, "misuse",
                              _transferred_on(application) or recovery.local_today(), facts)
    for member in members_to_notify(application):
        queue_mail(member.email, _l("%(number)s: a recovery case is opened", number=application.number),
                   "job_recovery", locale=member.locale, application=application, case=case, facts=facts)
    return case


def duties(now: datetime | None = None) -> dict[str, int]:
    """Recovery for lost jobs not replaced in time and missed PS status; reminders of the PS status deadline.
    Each row is claimed before it is acted on, so two copies of the scheduler do each thing once."""
    now = now or utcnow()
    today = recovery.local_today(now)
    done = {"recovered_jobs": 0, "ps_reminders": 0, "ps_recovered": 0}
    for job_id in db.session.scalars(select(Job.id).where(Job.status == "lost", Job.recovery_case_id.is_(None),
                                                          Job.replace_by < today).order_by(Job.id)).all():
        done["recovered_jobs"] += _recover_job(job_id, today)
    for duty_id in db.session.scalars(select(PsStatus.id).where(PsStatus.obtained_on.is_(None),
                                                                PsStatus.recovery_case_id.is_(None),
                                                                PsStatus.due_on <= today + timedelta(
                                                                    days=PS_REMIND_DAYS))).all():
        outcome = _ps_duty(duty_id, today, now)
        done[outcome] = done.get(outcome, 0) + (1 if outcome else 0)
    done.pop(None, None)
    return done


def _recover_job(job_id: int, today: date) -> int:
    job = db.session.get(Job, job_id, with_for_update={"skip_locked": True})
    if job is None or job.recovery_case_id is not None or job.status != "lost":
        db.session.commit()
        return 0
    if db.session.scalar(select(func.count()).select_from(Job).where(Job.replaces_id == job.id)):
        db.session.commit()
        return 0
    amount = share(job, agreement_of(job.application))
    try:
        case = _open_recovery(job.application, amount, str(_l(
            "The job of %(name)s was lost on %(day)s and not replaced by an eligible person by %(by)s.",
            name=job.person_name or "—", day=job.lost_on.isoformat(), by=job.replace_by.isoformat())))
    except Refusal:  # nothing left of the award to recover, or no share: the officer sees the job as it is
        db.session.rollback()
        return 0
    job.recovery_case_id = case.id
    db.session.commit()
    return 1


def _ps_duty(duty_id: int, today: date, now: datetime) -> str | None:
    duty = db.session.get(PsStatus, duty_id, with_for_update={"skip_locked": True})
    if duty is None or duty.obtained_on is not None or duty.recovery_case_id is not None:
        db.session.commit()
        return None
    application = db.session.get(Application, duty.application_id)
    outcome = None
    if today > duty.due_on:
        agreement = agreement_of(application)
        amount = sum((share(job, agreement) for job in jobs_of(application) if job.replaces_id is None),
                     Decimal(0))
        try:
            case = _open_recovery(application, amount, str(_l(
                "The enterprise did not obtain the status of a social enterprise by %(day)s.",
                day=duty.due_on.isoformat())))
        except Refusal:
            db.session.rollback()
            return None
        duty.recovery_case_id, outcome = case.id, "ps_recovered"
    elif (today == duty.due_on and duty.reminded_due_at is None) or duty.reminded_before_at is None:
        on_the_day = today == duty.due_on
        for member in members_to_notify(application):
            queue_mail(member.email, _l("%(number)s: the PS status is due by %(day)s", number=application.number,
                                        day=duty.due_on.isoformat()),
                       "ps_status_reminder", locale=member.locale, application=application, duty=duty)
        if on_the_day:
            duty.reminded_due_at = now
        duty.reminded_before_at = duty.reminded_before_at or now
        outcome = "ps_reminders"
    db.session.commit()
    return outcome
