"""The grant's final settlement (rozliczenie, DESIGN §3.3): what the grant was spent on, line by line, against
the budget the agreement was signed on.

The grantee lists each expenditure (invoice number and date, supplier, amount, day paid, the invoice itself)
under a budget line, states the own contribution put in, and submits: the application goes to `settlement`
and what was submitted is frozen as a version with its figures. The officer accepts it (the application goes
on to durability or is closed) or returns it with comments (back to implementation, editable again). Per budget
line the page shows what was planned from the grant, what was spent and the deviation; a line moved by more
than the allowed shift is marked. What was paid out and not spent is the amount to return.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.access import acts_for
from grants.applications.models import Application
from grants.applications.queries import last_version
from grants.applications.workflow import members_to_notify
from grants.auth.models import User
from grants.engine.core import Context
from grants.errors import Refusal
from grants.evaluation.operations import program_officers
from grants.extensions import db
from grants.finance.models import Agreement, Payment
from grants.locking import lock
from grants.reporting.models import ReportForm, Settlement, SettlementFile, SettlementLine, SettlementVersion
from grants.services import audit, uploads
from grants.services.mail import queue_mail
from grants.types import finite_decimal, utcnow

EDITABLE = ("implementation",)
DUE_DAYS = 30  # after the grant's end, unless the call's report form says otherwise
ALLOWED_SHIFT = Decimal("10")  # percent a budget line may move without an annex: more is marked for the officer
FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
FILE_MAX = 20 * 1024 * 1024
MAX_AMOUNT = Decimal("999999999.99")
MAX_LINES = 500
ZERO = Decimal("0")


@dataclass(frozen=True)
class Planned:
    """A line of the signed budget: its cost, the own contribution in it and the part paid from the grant."""

    index: int
    item: str
    cost: Decimal
    own: Decimal

    @property
    def grant(self) -> Decimal:
        return self.cost - self.own


@dataclass
class Row:
    planned: Planned
    lines: list[SettlementLine] = field(default_factory=list)

    @property
    def spent(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def deviation(self) -> Decimal:
        return self.spent - self.planned.grant

    @property
    def percent(self) -> Decimal | None:
        return (self.deviation * 100 / self.planned.grant).quantize(Decimal("0.1")) if self.planned.grant else None

    @property
    def beyond_shift(self) -> bool:
        return self.percent is not None and abs(self.percent) > ALLOWED_SHIFT


@dataclass(frozen=True)
class Summary:
    rows: list[Row]
    planned: Decimal  # from the grant, by the budget
    spent: Decimal
    paid: Decimal  # paid out to the grantee so far
    own_planned: Decimal
    own: Decimal  # own contribution stated
    due_on: date | None
    starts_on: date | None = None  # the grant's period, which invoices are dated within
    ends_on: date | None = None

    @property
    def unspent(self) -> Decimal:
        """Paid out and not spent: to be returned."""
        return max(self.paid - self.spent, ZERO)

    @property
    def beyond_paid(self) -> Decimal:
        """Spent beyond what was paid out so far (the final tranche, if any, pays it once accepted)."""
        return max(self.spent - self.paid, ZERO)

    def as_json(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in ("planned", "spent", "paid", "own_planned", "own",
                                                            "unspent")}


# --- reading ----------------------------------------------------------------------------------------

def budget(application: Application) -> list[Planned]:
    """The budget lines of the last submitted version of the application: the budget the agreement was signed on."""
    version = last_version(application)
    questions = [q["id"] for q in application.call.form or () if q.get("type") == "budget_table"]
    if version is None or not questions:
        return []
    raw = (version.answers or {}).get(questions[0]) or []
    return [Planned(index, str(line.get("item") or ""), finite_decimal(line.get("cost") or 0) or ZERO,
                    finite_decimal(line.get("own") or 0) or ZERO) for index, line in enumerate(raw)]


def settlement_of(application: Application) -> Settlement | None:
    return db.session.scalar(select(Settlement).where(Settlement.application_id == application.id))


def lines(settlement: Settlement | None) -> list[SettlementLine]:
    if settlement is None:
        return []
    return list(db.session.scalars(select(SettlementLine).where(SettlementLine.settlement_id == settlement.id)
                                   .order_by(SettlementLine.budget_line, SettlementLine.invoice_date,
                                             SettlementLine.id)))


def due_on(application: Application, agreement: Agreement | None) -> date | None:
    if agreement is None:
        return None
    days = db.session.scalar(select(ReportForm.final_due_days).where(ReportForm.call_id == application.call_id))
    return agreement.ends_on + timedelta(days=DUE_DAYS if days is None else days)


def paid_out(application: Application) -> Decimal:
    """What was transferred to the grantee (not to suppliers of items bought in kind)."""
    return db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.application_id == application.id, Payment.status == "paid", Payment.payee.is_(None))) or ZERO


def summary(application: Application, settlement: Settlement | None = None,
            found: list[SettlementLine] | None = None) -> Summary:
    settlement = settlement if settlement is not None else settlement_of(application)
    agreement = db.session.scalar(select(Agreement).where(Agreement.application_id == application.id))
    planned = budget(application)
    rows = {p.index: Row(p) for p in planned}
    for line in lines(settlement) if found is None else found:
        rows.setdefault(line.budget_line, Row(Planned(line.budget_line, "?", ZERO, ZERO))).lines.append(line)
    return Summary(rows=[rows[index] for index in sorted(rows)], planned=sum((p.grant for p in planned), ZERO),
                   spent=sum((row.spent for row in rows.values()), ZERO), paid=Decimal(paid_out(application)),
                   own_planned=sum((p.own for p in planned), ZERO),
                   own=settlement.own_contribution if settlement is not None else ZERO,
                   due_on=due_on(application, agreement),
                   starts_on=agreement.starts_on if agreement else None,
                   ends_on=agreement.ends_on if agreement else None)


def versions(application: Application) -> list[SettlementVersion]:
    return list(db.session.scalars(select(SettlementVersion).where(SettlementVersion.application_id == application.id)
                                   .order_by(SettlementVersion.number)))


def is_late(application: Application, figures: Summary, today: date) -> bool:
    return application.status in EDITABLE and figures.due_on is not None and today > figures.due_on


# --- the grantee's draft ----------------------------------------------------------------------------

def _draft(application: Application, actor: User, *, version: int | None = None) -> Settlement:
    """The settlement the grantee may change: only its people, only while the grant is in implementation."""
    if not acts_for(actor, application.organisation_id):
        raise Refusal(_l("Only the grantee's people change its settlement."), status=403)
    lock(application)
    if application.status not in EDITABLE:
        raise Refusal(_l("The settlement is submitted: it cannot be changed now."), status=409)
    settlement = settlement_of(application)
    if settlement is None:
        settlement = Settlement(application_id=application.id)
        db.session.add(settlement)
        db.session.flush()
    elif version is not None and version != settlement.version:
        raise Refusal(_l("The settlement was changed meanwhile (in another window?). Reload it; what you typed "
                         "here was not saved."), status=409)
    settlement.updated_at = utcnow()  # every change moves the version: a second click of the same form is refused
    return settlement


def save(application: Application, actor: User, own_contribution: Decimal, remarks: str | None, *,
         version: int | None) -> Settlement:
    if own_contribution < 0 or own_contribution > MAX_AMOUNT:
        raise Refusal(_l("The own contribution cannot be below zero."), status=422,
                      errors={"own_contribution": _l("Give zero or more.")})
    settlement = _draft(application, actor, version=version)
    settlement.own_contribution, settlement.remarks = own_contribution, (remarks or "").strip() or None
    db.session.flush()
    audit.record("reporting:settlement:saved", actor=actor, obj=application,
                 data={"own_contribution": str(own_contribution)})
    return settlement


def _check_line(application: Application, data: dict[str, Any]) -> dict[str, Any]:
    """What is wrong with an expenditure line, by field."""
    errors: dict[str, Any] = {}
    if data["budget_line"] not in {p.index for p in budget(application)}:
        errors["budget_line"] = _l("Choose a line of the budget.")
    if not Decimal("0") < data["amount"] <= MAX_AMOUNT:
        errors["amount"] = _l("Give an amount above zero.")
    agreement = db.session.scalar(select(Agreement).where(Agreement.application_id == application.id))
    if agreement is not None and not agreement.starts_on <= data["invoice_date"] <= agreement.ends_on:
        errors["invoice_date"] = _l("The invoice must be dated within the grant's period, %(start)s to %(end)s.",
                                    start=format_date(agreement.starts_on, "medium"),
                                    end=format_date(agreement.ends_on, "medium"))
    if data["paid_on"] > utcnow().date() + timedelta(days=1):
        errors["paid_on"] = _l("The day paid cannot be in the future.")
    elif agreement is not None and data["paid_on"] < agreement.starts_on:
        errors["paid_on"] = _l("Paid before the grant's period began.")
    return errors


def add_line(application: Application, actor: User, data: dict[str, Any], stream, filename: str | None, *,
             version: int | None) -> SettlementLine:
    """An expenditure with its invoice (PDF or image, checked by content); refused whole when anything is wrong."""
    settlement = _draft(application, actor, version=version)
    errors = _check_line(application, data)
    if errors:
        raise Refusal(_l("The expenditure is not added: see the marked fields."), status=422, errors=errors)
    if db.session.scalar(select(func.count()).select_from(SettlementLine)
                         .where(SettlementLine.settlement_id == settlement.id)) >= MAX_LINES:
        raise Refusal(_l("A settlement has at most %(n)d lines.", n=MAX_LINES), status=422)
    stored = uploads.keep(SettlementFile, stream, filename, key_prefix=f"settlements/{settlement.id}",
                          allowed_types=FILE_TYPES, max_size=FILE_MAX, settlement_id=settlement.id,
                          uploaded_by_id=actor.id)
    line = SettlementLine(settlement_id=settlement.id, file_id=stored.id, **data)
    db.session.add(line)
    db.session.flush()
    audit.record("reporting:settlement-line:added", actor=actor, obj=application,
                 data={"line": line.id, "amount": str(line.amount), "file": stored.sha256})
    return line


def remove_line(application: Application, actor: User, line: SettlementLine, *, version: int | None) -> None:
    """A line goes; its invoice goes too unless a submitted version lists it."""
    settlement = _draft(application, actor, version=version)
    if line.settlement_id != settlement.id:
        raise Refusal(_l("No such expenditure."), status=404)
    stored = line.file
    audit.record("reporting:settlement-line:removed", actor=actor, obj=application,
                 data={"line": line.id, "amount": str(line.amount)})
    db.session.delete(line)
    if stored is not None and not stored.frozen:
        uploads.delete_after_commit(stored.storage_key)
        db.session.delete(stored)
    db.session.flush()


# --- the application workflow's facts and effects ---------------------------------------------------

def line_count(application: Application, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(SettlementLine).join(Settlement).where(
        Settlement.application_id == application.id)) or 0


def freeze(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """Submitting the settlement freezes it as a new version with its figures and invoices; the officers hear."""
    settlement = settlement_of(application)
    found = lines(settlement)
    figures = summary(application, settlement, found)
    number = (db.session.scalar(select(func.max(SettlementVersion.number))
                                .where(SettlementVersion.application_id == application.id)) or 0) + 1
    version = SettlementVersion(
        application_id=application.id, number=number, totals=figures.as_json(),
        remarks=settlement.remarks if settlement else None, submitted_by_id=getattr(actor, "id", None),
        lines=[{"budget_line": line.budget_line, "invoice_number": line.invoice_number,
                "invoice_date": line.invoice_date.isoformat(), "supplier": line.supplier, "amount": str(line.amount),
                "paid_on": line.paid_on.isoformat(), "file": line.file_id,
                "sha256": line.file.sha256 if line.file else None} for line in found])
    for line in found:
        if line.file is not None:
            line.file.frozen = True
    db.session.add(version)
    for officer in program_officers():
        queue_mail(officer.email, _l("Settlement of %(number)s submitted", number=application.number),
                   "settlement_submitted", locale=officer.locale, application=application, version=version,
                   spent=figures.spent)


def _decide(application: Application, actor: Any, ctx: Context, decision: str) -> SettlementVersion | None:
    version = db.session.scalar(select(SettlementVersion).where(SettlementVersion.application_id == application.id)
                                .order_by(SettlementVersion.number.desc()).limit(1))
    if version is not None:
        version.decision, version.decision_note = decision, ctx.reason
        version.decided_at, version.decided_by_id = ctx.now, getattr(actor, "id", None)
    return version


def accepted(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    version = _decide(application, actor, ctx, "accepted")
    for member in members_to_notify(application):
        queue_mail(member.email, _l("Settlement of %(number)s accepted", number=application.number),
                   "settlement_accepted", locale=member.locale, application=application, version=version,
                   unspent=Decimal(version.totals["unspent"]) if version is not None else ZERO)


def returned(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    version = _decide(application, actor, ctx, "returned")
    for member in members_to_notify(application):
        queue_mail(member.email, _l("Settlement of %(number)s returned for correction", number=application.number),
                   "settlement_returned", locale=member.locale, application=application, version=version,
                   reason=ctx.reason)
