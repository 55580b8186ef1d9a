"""What happens to report forms and reports: an officer sets up a call's form from a template, the scheduler
creates the reports that are due and reminds the grantee, the grantee drafts and submits (each submission a
frozen version), the officer accepts or returns it (DESIGN §3.3)."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, or_, select, update

from grants.applications.models import Application
from grants.applications.workflow import members_to_notify
from grants.auth.models import Programme, User
from grants.calls.models import Call
from grants.engine.core import SYSTEM_ACTOR, fire
from grants.errors import Refusal
from grants.extensions import db
from grants.finance.models import Agreement, Payment
from grants.locking import lock
from grants.reporting import cadence, questions
from grants.reporting.builtin import TEMPLATES
from grants.reporting.models import CADENCES, Report, ReportFile, ReportForm, ReportVersion
from grants.services import audit, uploads
from grants.services.mail import queue_mail
from grants.services.workdays import end_of_day
from grants.types import utcnow

RUNNING = ("implementation", "settlement", "durability")
EDITABLE = ("due", "overdue", "draft", "returned")  # the grantee may still change the answers
OPENS = {"due": "start", "returned": "revise"}  # saving opens a draft by this trigger (an overdue one stays overdue)
MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
MEDIA_MAX = 20 * 1024 * 1024
MAX_DAYS = 365
BATCH = 2000


# --- the call's form ---------------------------------------------------------------------------------

def form_for(call: Call) -> ReportForm | None:
    return db.session.scalar(select(ReportForm).where(ReportForm.call_id == call.id))


def start_form(call: Call, actor: User, source: str) -> ReportForm:
    """A call's form as a copy of a built-in template or of another call's form, to edit before publishing."""
    lock(call)
    if form_for(call) is not None:
        raise Refusal(_l("This call already has a report form."), status=409)
    if source in TEMPLATES:
        chosen = TEMPLATES[source].questions
    else:
        number = source[5:] if source.startswith("form:") else ""
        other = db.session.get(ReportForm, int(number)) if number.isascii() and number.isdigit() \
            and len(number) < 10 else None
        if other is None:
            raise Refusal(_l("Choose a template or another call's form."), status=422)
        chosen, source = other.questions, f"call:{other.call_id}"
    form = ReportForm(call_id=call.id, source=source, questions=questions.definition(copy.deepcopy(chosen)),
                      cadence=call.type.reporting_cadence)
    db.session.add(form)
    db.session.flush()
    audit.record("reporting:form:created", actor=actor, obj=call, data={"form": form.id, "source": source})
    return form


def _check_days(values: dict[str, int | None]) -> dict[str, Any]:
    return {name: _l("Between 0 and %(n)d days.", n=MAX_DAYS) for name, days in values.items()
            if days is None or not 0 <= days <= MAX_DAYS}


def update_form(form: ReportForm, actor: User, data: dict[str, Any], *, version: int | None) -> None:
    """Save the questions (until published) and the cadence and its days (any time: later periods follow)."""
    if version is not None and version != form.version:
        raise Refusal(_l("Someone changed this form meanwhile; your changes were not saved. Reload the page."),
                      status=409)
    errors = _check_days({k: data.get(k) for k in ("due_days", "final_due_days", "remind_days")})
    if data.get("cadence") not in CADENCES:
        errors["cadence"] = _l("Choose how often reports are due.")
    if form.published_at is None:
        errors |= questions.validate(data.get("questions"))
    if errors:
        raise Refusal(_l("The form is not saved: correct the marked fields."), status=422, errors=errors)
    before = {"cadence": form.cadence, "due_days": form.due_days}
    if form.published_at is None:
        form.questions = questions.definition(data["questions"])
    form.cadence, form.due_days = data["cadence"], data["due_days"]
    form.final_due_days, form.remind_days = data["final_due_days"], data["remind_days"]
    db.session.flush()
    audit.record("reporting:form:saved", actor=actor, obj=form.call,
                 data={"form": form.id, "before": before, "cadence": form.cadence, "due_days": form.due_days})


def publish_form(form: ReportForm, actor: User, *, version: int | None) -> None:
    """From now on the questions never change and the scheduler creates the call's reports."""
    if version is not None and version != form.version:
        raise Refusal(_l("Someone changed this form meanwhile. Reload the page."), status=409)
    if form.published_at is not None:
        raise Refusal(_l("The form is already published."), status=409)
    errors = questions.validate(form.questions)
    if errors:
        raise Refusal(_l("The form cannot be published: correct the questions first."), status=422, errors=errors)
    form.published_at, form.published_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record("reporting:form:published", actor=actor, obj=form.call,
                 data={"form": form.id, "questions": len(form.questions), "cadence": form.cadence})


# --- the scheduler -----------------------------------------------------------------------------------

def create_due(now: datetime | None = None) -> int:
    """Create the reports whose period has begun (the final one when the grant ends) for every running grant
    of a call with a published form; idempotent, and two copies at once create each report once."""
    now = now or utcnow()
    programme = Programme.current()
    zone, today = programme.time_zone, now.astimezone(_zone(programme.time_zone)).date()
    covered = (select(Report.application_id, func.max(Report.ends_on).label("until"),
                      func.count().label("made"))
               .where(Report.final.is_(False)).group_by(Report.application_id).subquery())
    finals = select(Report.application_id).where(Report.final.is_(True))
    grants = db.session.execute(
        select(Application.id, Agreement.starts_on, Agreement.ends_on, ReportForm.id, ReportForm.cadence,
               ReportForm.due_days, ReportForm.final_due_days, covered.c.until)
        .join(Agreement, Agreement.application_id == Application.id)
        .join(ReportForm, ReportForm.call_id == Application.call_id)
        .outerjoin(covered, covered.c.application_id == Application.id)
        .where(Application.status.in_(RUNNING), ReportForm.published_at.is_not(None),
               Agreement.signed_at.is_not(None), Agreement.starts_on <= today,
               Application.id.not_in(finals),
               # something new: no report yet, a period begun after the last one, or the grant ended
               or_(covered.c.until.is_(None), covered.c.until < today, Agreement.ends_on <= today))).all()
    rows = []
    for application_id, starts_on, ends_on, form_id, how_often, due_days, final_due_days, until in grants:
        for period in cadence.periods(starts_on, ends_on, how_often, due_days, final_due_days, until):
            if cadence.open_now(period, today):
                rows.append({"application_id": application_id, "form_id": form_id, "period": period.key,
                             "starts_on": period.starts_on, "ends_on": period.ends_on, "final": period.final,
                             "due_at": end_of_day(period.due_on, zone), "status": "due", "answers": {},
                             "version": 1, "created_at": now})
    return _insert_new(rows)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _insert_new(rows: list[dict]) -> int:
    """Insert the rows no other copy has inserted meanwhile (the unique period per grant decides)."""
    made = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        ids = {row["application_id"] for row in chunk}
        taken = set(db.session.execute(select(Report.application_id, Report.period)
                                       .where(Report.application_id.in_(ids))).all())
        fresh = [row for row in chunk if (row["application_id"], row["period"]) not in taken]
        if not fresh:
            continue
        dialect = db.session.get_bind().dialect.name
        statement = insert(Report)
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement = pg_insert(Report).on_conflict_do_nothing(constraint="uq_report_period")
        elif dialect == "sqlite":
            statement = insert(Report).prefix_with("OR IGNORE")
        db.session.execute(statement, fresh)
        # What this copy inserted (another copy of the scheduler may have inserted some of them first).
        mine = set(db.session.execute(select(Report.application_id, Report.period).where(
            Report.application_id.in_(ids), Report.created_at == fresh[0]["created_at"])).all())
        fresh = [row for row in fresh if (row["application_id"], row["period"]) in mine]
        if not fresh:
            db.session.commit()
            continue
        # One entry per batch (creating a report is no transition): which grant's which period, due when.
        audit.record("reporting:reports:created", object_type="report", data={
            "reports": [[row["application_id"], row["period"], row["due_at"].isoformat()] for row in fresh]})
        db.session.commit()
        made += len(fresh)
    return made


def remind(now: datetime | None = None) -> int:
    """Mail the grantee a few days before a report's deadline and on its last day, each once (a report stamped
    by one copy of the scheduler is skipped by another)."""
    now = now or utcnow()
    sent = 0
    one_day = timedelta(days=1)
    for form in db.session.scalars(select(ReportForm).where(ReportForm.published_at.is_not(None))):
        for column, template, starts, ends in (
                ("reminded_before_at", "report_reminder", now + one_day, now + timedelta(days=form.remind_days)),
                ("reminded_due_at", "report_due_today", now, now + one_day)):
            stamp = getattr(Report, column)
            while True:
                reports = db.session.scalars(
                    select(Report).where(Report.form_id == form.id, Report.status.in_(("due", "draft", "returned")),
                                         stamp.is_(None), Report.due_at > starts, Report.due_at <= ends)
                    .order_by(Report.id).limit(BATCH)).all()
                for report in reports:
                    claimed = db.session.execute(update(Report).where(Report.id == report.id, stamp.is_(None))
                                                 .values({column: now}).execution_options(synchronize_session=False))
                    if claimed.rowcount:
                        tell_members(report, template, _l("%(number)s: a report is due on %(day)s",
                                                           number=report.application.number,
                                                           day=_local_day(report.due_at)))
                        sent += 1
                db.session.commit()
                if len(reports) < BATCH:
                    break
    return sent


def _local_day(moment: datetime) -> str:
    return moment.astimezone(_zone(Programme.current().time_zone)).date().isoformat()


def _members(application) -> list:
    """The grantee's people, read once per organisation in a transaction (a batch of the scheduler tells
    thousands of reports' grantees, most of them the same few organisations)."""
    transaction = db.session().get_transaction()
    cache = db.session.info.get("pomost_members")
    if cache is None or cache[0] is not transaction:
        cache = db.session.info["pomost_members"] = (transaction, {})
    found = cache[1].get(application.organisation_id)
    if found is None:
        found = cache[1][application.organisation_id] = members_to_notify(application)
    return found


def tell_members(report: Report, template: str, subject, **more) -> None:
    with db.session.no_autoflush:  # inside a batch of transitions: the batch's own flush writes them all
        members = _members(report.application)
    for member in members:
        queue_mail(member.email, subject, template, locale=member.locale, report=report,
                   application=report.application, **more)


# --- the grantee's answers --------------------------------------------------------------------------

def files(report: Report) -> list[ReportFile]:
    return list(db.session.scalars(select(ReportFile).where(ReportFile.report_id == report.id)
                                   .order_by(ReportFile.id)))


def files_by_question(report: Report) -> dict[str, int]:
    counted: dict[str, int] = {}
    for question_id in db.session.scalars(select(ReportFile.question_id).where(ReportFile.report_id == report.id)):
        counted[question_id] = counted.get(question_id, 0) + 1
    return counted


def missing(report: Report) -> list[str]:
    if report.form is None:
        return []
    return questions.missing(report.form.questions, report.answers or {}, files_by_question(report))


def _open_draft(report: Report, actor: User) -> None:
    if report.status not in EDITABLE:
        raise Refusal(_l("This report is submitted: it cannot be changed now."), status=409)
    if report.status in OPENS:
        fire(report, OPENS[report.status], actor)


def save(report: Report, actor: User, answers: dict[str, Any], *, version: int | None) -> None:
    """Keep the grantee's answers as a draft (what could not be read is refused with its message)."""
    if version is not None and version != report.version:
        raise Refusal(_l("The report was changed meanwhile (in another window?). Reload it; your answers "
                         "here were not saved."), status=409)
    _open_draft(report, actor)
    report.answers = answers
    db.session.flush()


def submit(report: Report, actor: User) -> None:
    fire(report, "submit", actor)


def decide(report: Report, actor: User, accept: bool, note: str | None, *, version: int | None) -> int:
    """Accept the submitted report, or return it with the officer's comments; an acceptance releases the grant's
    payments the scheduler held for it at once (returns how many)."""
    fire(report, "accept" if accept else "return", actor, note, expected_version=version)
    return release_payments(report.application_id) if accept else 0


def release_payments(application_id: int) -> int:
    """Take off hold the payments the scheduler held whose conditions now hold (an officer's suspension stays)."""
    released = 0
    for payment in db.session.scalars(select(Payment).where(Payment.application_id == application_id,
                                                            Payment.status == "on_hold").order_by(Payment.id)):
        try:
            with db.session.begin_nested():
                fire(payment, "unhold", SYSTEM_ACTOR)
        except Refusal:
            continue
        released += 1
    return released


def add_file(report: Report, actor: User, question_id: str, stream, filename: str | None) -> ReportFile:
    """A photo or document for a media question of a report the grantee may still change."""
    lock(report)
    media = {q["id"] for q in report.form.questions if q["type"] == "media"} if report.form else set()
    if question_id not in media:
        raise Refusal(_l("This report has no such question."), status=404)
    _open_draft(report, actor)
    upload = uploads.store(stream, filename, key_prefix=f"reports/{report.id}", allowed_types=MEDIA_TYPES,
                           max_size=MEDIA_MAX)
    with uploads.recorded(upload):
        stored = ReportFile(report_id=report.id, question_id=question_id, uploaded_by_id=actor.id)
        stored.take(upload)
        db.session.add(stored)
        db.session.flush()
    audit.record("reporting:file:added", actor=actor, obj=report, data={"file": stored.id, "sha256": stored.sha256})
    return stored


def remove_file(report: Report, actor: User, stored: ReportFile) -> None:
    """A file not yet in a submitted version goes with its stored object; a frozen one stays."""
    lock(report)
    if stored.frozen:
        raise Refusal(_l("This file is part of a submitted version and stays."), status=409)
    _open_draft(report, actor)
    audit.record("reporting:file:removed", actor=actor, obj=report, data={"file": stored.id, "sha256": stored.sha256})
    uploads.delete_after_commit(stored.storage_key)
    db.session.delete(stored)
    db.session.flush()


def versions(report: Report) -> list[ReportVersion]:
    return list(db.session.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id)
                                   .order_by(ReportVersion.number)))


def freeze(report: Report, actor: User | None) -> ReportVersion:
    """The submitted answers and files as a new version; the files it lists can no longer be removed."""
    attached = files(report)
    number = (db.session.scalar(select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report.id))
              or 0) + 1
    version = ReportVersion(report_id=report.id, number=number, answers=copy.deepcopy(report.answers or {}),
                            files=[{"id": f.id, "question": f.question_id, "name": f.original_name,
                                    "sha256": f.sha256} for f in attached],
                            submitted_by_id=getattr(actor, "id", None))
    for stored in attached:
        stored.frozen = True
    db.session.add(version)
    return version
