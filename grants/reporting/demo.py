"""Demo data of grantee reports: a running advisory grant reporting quarterly on the community-wealth-building
form, one quarter's report accepted (with a photo), the next one overdue with the grant's advance held; and a
second grant of the call, ended, whose settlement (expenditure with invoices) waits for the officer."""
from __future__ import annotations

import base64
import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.applications.models import Application, ApplicationVersion
from grants.auth.models import Organisation, User
from grants.calls.models import Call, CallStatus
from grants.engine.core import SYSTEM_ACTOR, fire
from grants.extensions import db
from grants.finance.models import Agreement, Payment
from grants.reporting import operations, settlement
from grants.reporting.models import Report
from grants.types import utcnow

TITLE = "Wsparcie doradcze dla spółdzielni – budowanie bogactwa wspólnot 2026"
APPLICATION_TITLE = "Inkubator spółdzielni na Zatorzu"
ENDED_NUMBER = "DEMO/R/2"  # the call's ended grant, its settlement waiting for the officer
# A 1×1 PNG: the demo's photo of a workshop.
PHOTO = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
                         "AAAABJRU5ErkJggg==")
ANSWERS = {
    "goals_progress": "Dwie grupy założycielskie przeszły warsztaty biznesplanu; jedna złożyła wniosek do KRS.",
    "constraints": "Brak lokalu na spotkania w Zatorzu.", "opportunities": "Miasto ogłosi konkurs na lokale.",
    "new_partnerships": {"answer": True, "details": "Bank Żywności w Lesznie"},
    "collaboration": {"answer": False, "details": ""}, "working_group": True, "working_group_usefulness": 4,
    "gender": {"woman": {"participants": 14}, "man": {"participants": 9}, "unknown": {"participants": 2}},
    "age": {"age_25_44": {"participants": 15}, "age_45_64": {"participants": 8}, "unknown": {"participants": 2}},
    "community_area": {"austin": {"participants": 6}, "englewood": {"participants": 11},
                       "other": {"participants": 8}},
    "one_on_one_sessions": 18, "group_workshops": 3,
    "hours_by_stage": {"pre_development": {"hours": "42.5"}, "conversions": {"hours": "12"},
                       "existing": {"hours": "8"}},
    "businesses_developed": 2, "jobs_created": 0,
    "organisations": [{"name": "Spółdzielnia Socjalna „Pomost”", "kind": "cooperative"},
                      {"name": "Grupa „Rowerownia”", "kind": "startup"}],
    "assistance_kinds": ["legal", "governance", "training"],
    "testimonials": "„Pierwszy raz ktoś przeszedł z nami cały statut punkt po punkcie.”",
}
FORM = [{"id": "summary", "type": "long_text", "required": True, "label": {"pl": "Opis", "en": "Summary"}},
        {"id": "budget", "type": "budget_table", "required": True, "label": {"pl": "Budżet", "en": "Budget"}}]
INCUBATOR_BUDGET = [{"item": "Doradztwo prawne i księgowe", "cost": "36000.00", "own": "0"},
                    {"item": "Warsztaty i szkolenia", "cost": "26000.00", "own": "2000.00"}]
CAFE_BUDGET = [{"item": "Wyposażenie kuchni", "cost": "30000.00", "own": "3000.00"},
               {"item": "Adaptacja lokalu", "cost": "15000.00", "own": "2000.00"}]
INVOICE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def seed(organisation: Organisation, applicant: User, officer: User, finance: User) -> int:
    """Create the demo's reporting grant unless it exists; returns how many records were created."""
    if db.session.scalar(select(Call).where(Call.title == TITLE)) is not None:
        return 0
    now = utcnow()
    today = now.date()
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    starts_on = _months_before(quarter, 6 if (today - quarter).days > 15 else 9)
    call = Call(call_type="restructuring_grant", title=TITLE, budget=Decimal("200000.00"),
                status=CallStatus.PUBLISHED, opens_at=now - timedelta(days=400), closes_at=now - timedelta(days=370),
                published_at=now - timedelta(days=400), form=FORM, required_attachments=[],
                parameters={"control_required": False})
    application = Application(call=call, organisation=organisation, title=APPLICATION_TITLE,
                              requested_amount=Decimal("60000.00"), awarded_amount=Decimal("60000.00"),
                              status="implementation", number="DEMO/R/1", submitted_at=now - timedelta(days=380))
    db.session.add_all([call, application])
    db.session.flush()
    _submitted(application, applicant, "Doradztwo dla grup założycielskich spółdzielni w Zatorzu.", INCUBATOR_BUDGET)
    db.session.add(Agreement(application_id=application.id, number="UM/DEMO/R/1", award=Decimal("60000.00"),
                             ranking_award=Decimal("60000.00"), schedule_model="advance_and_final",
                             starts_on=starts_on, ends_on=_months_before(starts_on, -12) - timedelta(days=1),
                             bank_account=organisation.bank_account, signed_at=now - timedelta(days=200)))
    form = operations.start_form(call, officer, "ccwbe")
    form.cadence = "quarterly"
    operations.publish_form(form, officer, version=None)
    advance = Payment(application_id=application.id, kind="advance", amount=Decimal("30000.00"),
                      bank_account=organisation.bank_account, due_at=now - timedelta(days=2), status="planned")
    db.session.add(advance)
    db.session.flush()
    operations.create_due(now)
    first, second = db.session.scalars(select(Report).where(Report.application_id == application.id)
                                       .order_by(Report.starts_on).limit(2)).all()
    operations.save(first, applicant, dict(ANSWERS), version=None)
    operations.add_file(first, applicant, "media", io.BytesIO(PHOTO), "warsztat-statutowy.png")
    fire(first, "submit", applicant, now=now)
    fire(first, "accept", officer, now=now)
    fire(second, "mark_overdue", SYSTEM_ACTOR, now=now)
    fire(advance, "hold", SYSTEM_ACTOR, now=now)
    _settled(call, organisation, applicant, finance)
    return 5


def _submitted(application: Application, applicant: User, summary: str, budget: list[dict]) -> None:
    requested = sum(Decimal(line["cost"]) - Decimal(line["own"]) for line in budget)
    db.session.add(ApplicationVersion(application_id=application.id, number=1, requested_amount=requested,
                                      answers={"summary": summary, "budget": budget}, attachments=[],
                                      content_hash="demo", created_by_id=applicant.id,
                                      created_at=application.submitted_at))


def _settled(call: Call, organisation: Organisation, applicant: User, finance: User) -> None:
    """A grant that ended three weeks ago: its advance paid, its settlement submitted and waiting for the officer."""
    now = utcnow()
    ends_on = now.date() - timedelta(days=21)
    starts_on = ends_on - timedelta(days=364)
    cafe = Application(call=call, organisation=organisation, title="Kawiarnia społeczna przy Rynku",
                       requested_amount=Decimal("40000.00"), awarded_amount=Decimal("40000.00"),
                       status="implementation", number=ENDED_NUMBER, submitted_at=now - timedelta(days=390))
    db.session.add(cafe)
    db.session.flush()
    _submitted(cafe, applicant, "Kawiarnia zatrudniająca osoby po kryzysie bezdomności.", CAFE_BUDGET)
    db.session.add(Agreement(application_id=cafe.id, number="UM/DEMO/R/2", award=Decimal("40000.00"),
                             ranking_award=Decimal("40000.00"), schedule_model="advance_and_final",
                             starts_on=starts_on, ends_on=ends_on, bank_account=organisation.bank_account,
                             signed_at=now - timedelta(days=380)))
    db.session.add(Payment(application_id=cafe.id, kind="advance", amount=Decimal("40000.00"),
                           bank_account=organisation.bank_account, status="paid", paid_on=starts_on,
                           due_at=now - timedelta(days=386), prepared_by_id=finance.id))
    db.session.flush()
    for line, number, day, supplier, amount in (
            (0, "FV/2025/118", 20, "Hurtownia Gastronomiczna „Stalgast”", "19850.00"),
            (0, "FV/2025/131", 45, "Ekspres-Serwis s.c.", "7200.00"),
            (1, "FV/2025/07/3", 60, "Usługi Remontowe Jan Nowak", "12300.00")):
        settlement.add_line(cafe, applicant, {
            "budget_line": line, "invoice_number": number, "invoice_date": starts_on + timedelta(days=day),
            "supplier": supplier, "amount": Decimal(amount), "paid_on": starts_on + timedelta(days=day + 7)},
            io.BytesIO(INVOICE), f"{number.replace('/', '-')}.pdf", version=None)
    settlement.save(cafe, applicant, Decimal("5000.00"), "Wkład własny: praca wolontariuszy przy remoncie.",
                    version=None)
    fire(cafe, "submit_settlement", applicant, now=now)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
