"""Demo data for `make run`: one account per role and an applicant organisation. Idempotent."""
from __future__ import annotations

from sqlalchemy import select

from grants.auth import operations as ops
from grants.auth.models import Membership, MembershipRole, Organisation, OrganisationType, Programme, Role, User
from grants.extensions import db

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
    db.session.flush()
    return created
