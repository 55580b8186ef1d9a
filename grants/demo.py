"""Demo data for `make run`: one account per role and an applicant organisation. Idempotent."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.auth import operations as ops
from grants.auth.models import Membership, MembershipRole, Organisation, OrganisationType, Programme, Role, User
from grants.applications.models import Application
from grants.calls.models import Call, CallStatus
from grants.engine.core import fire
from grants.extensions import db
from grants.types import utcnow

PASSWORD = "pomost-demo"
ACCOUNTS = [
    ("applicant@pomost.example", "Anna Wnioskodawczyni", Role.APPLICANT),
    ("officer@pomost.example", "Piotr Opiekun", Role.PROGRAM_OFFICER),
    ("evaluator@pomost.example", "Ewa Oceniająca", Role.EVALUATOR),
    ("finance@pomost.example", "Filip Finansowy", Role.FINANCE_OFFICER),
    ("auditor@pomost.example", "Agata Kontrolerka", Role.AUDITOR),
    ("admin@pomost.example", "Adam Administrator", Role.ADMIN),
]
DEMO_ORGANISATION = "Spółdzielnia Socjalna „Pomost”"
DEMO_GROUP = "Grupa nieformalna „Sąsiedzi z Zatorza”"
# (call type, title, budget, [(application title, organisation, requested, steps to fire)])
DEMO_CALLS = [
    ("restructuring_grant", "Granty na restrukturyzację spółdzielni socjalnych 2026", "400000.00", [
        ("Nowy profil: catering dla szkół", DEMO_ORGANISATION, "85000.00", []),
        ("Pracownia stolarska – zmiana PKD", DEMO_ORGANISATION, "60000.00",
         [("submit", None), ("start_check", None), ("request_correction", "Brak podpisu zarządu na biznesplanie")]),
        ("Pralnia ekologiczna", DEMO_ORGANISATION, "95000.00", [("submit", None), ("start_check", None), ("accept", None)]),
    ]),
    ("job_support", "Wsparcie na utworzenie miejsc pracy 2026", "1200000.00", [
        ("Trzy miejsca pracy w kawiarni społecznej", DEMO_ORGANISATION, "105636.00", [("submit", None)]),
        ("Dwa etaty w usługach opiekuńczych", DEMO_ORGANISATION, "70424.00", [("submit", None), ("start_check", None)]),
    ]),
    ("development_package", "Aktywator społeczny 2026", "60000.00", [
        ("Sąsiedzki ogród na Zatorzu", DEMO_GROUP, "4800.00", []),
        ("Warsztaty rękodzieła dla seniorów", DEMO_GROUP, "4500.00",
         [("submit", None), ("start_check", None), ("reject", "Wniosek dotyczy działań już sfinansowanych")]),
    ]),
]


def seed() -> int:
    """Create what is missing; returns how many records were created."""
    created = 0
    programme = db.session.scalar(select(Programme).limit(1))
    if programme is None:
        db.session.add(Programme(name="OWES Pomost (demo)", currency="PLN", time_zone="Europe/Warsaw",
                                 holiday_country="PL"))
        created += 1
    for email, name, role in ACCOUNTS:
        if User.by_email(email) is None:
            ops.create_user(email, name, PASSWORD, roles=[role], confirmed=True)
            created += 1
    applicant = User.by_email(ACCOUNTS[0][0])
    if db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION)) is None:
        organisation = Organisation(name=DEMO_ORGANISATION, type=OrganisationType.SOCIAL_COOPERATIVE,
                                    nip="5261040828", krs="0000123456")
        organisation.memberships.append(Membership(user=applicant, role=MembershipRole.OWNER))
        db.session.add(organisation)
        created += 1
    if db.session.scalar(select(Organisation).where(Organisation.name == DEMO_GROUP)) is None:
        group = Organisation(name=DEMO_GROUP, type=OrganisationType.INFORMAL_GROUP)
        group.memberships.append(Membership(user=applicant, role=MembershipRole.OWNER))
        db.session.add(group)
        created += 1
    db.session.flush()
    if db.session.scalar(select(Call).limit(1)) is None:
        created += _seed_calls(applicant, User.by_email(ACCOUNTS[1][0]))
    return created


def _seed_calls(applicant: User, officer: User) -> int:
    """One open call of each type, with applications moved through the engine (so history and audit exist)."""
    now = utcnow()
    created = 0
    for call_type, title, budget, applications in DEMO_CALLS:
        call = Call(call_type=call_type, title=title, budget=Decimal(budget), status=CallStatus.PUBLISHED,
                    opens_at=now - timedelta(days=14), closes_at=now + timedelta(days=30), published_at=now)
        db.session.add(call)
        created += 1
        for app_title, organisation_name, requested, steps in applications:
            organisation = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
            application = Application(call=call, organisation=organisation, title=app_title,
                                      requested_amount=Decimal(requested), created_by_id=applicant.id)
            db.session.add(application)
            db.session.flush()
            for trigger, reason in steps:
                actor = applicant if trigger == "submit" else officer
                fire(application, trigger, actor, reason)
            created += 1
    return created
