"""Demo data for `make run`: one account per role and an applicant organisation. Idempotent."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.applications import operations as apply_ops
from grants.applications.models import Application
from grants.auth import operations as ops
from grants.auth.models import (
    GroupMember,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationType,
    Programme,
    Role,
    User,
)
from grants.calls.models import Call, CallStatus
from grants.engine.core import fire
from grants.extensions import db
from grants.types import utcnow

PASSWORD = "pomost-demo"
# Two more evaluators, so that calls have a pool (and third evaluations someone to go to); same password.
EXPERTS = [("ekspert1@pomost.example", "Edward Ekspert"), ("ekspert2@pomost.example", "Elżbieta Ekspertka")]
# A second finance officer, so that one prepares a payment and the other approves it; same password.
SECOND_FINANCE = ("finanse2@pomost.example", "Franciszka Finansowa")
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
# Valid accounts of real banks (the check digits hold; the agreement shows the bank's name from them).
DEMO_ACCOUNT, DEMO_PATRON_ACCOUNT = "PL61109010140000071219812874", "PL27114020040000300201355387"
DEMO_SUPPLIER_ACCOUNT = "PL03102010260000190201234567"
# (call type, title, budget, [(application title, organisation, requested, steps to fire)])
DEMO_CALLS = [
    ("restructuring_grant", "Granty na restrukturyzację spółdzielni socjalnych 2026", "400000.00", [
        ("Nowy profil: catering dla szkół", DEMO_ORGANISATION, "85000.00", []),
        ("Pracownia stolarska – zmiana PKD", DEMO_ORGANISATION, "60000.00",
         [("submit", None), ("start_check", None), ("request_correction", "Brak podpisu zarządu na biznesplanie")]),
        ("Pralnia ekologiczna", DEMO_ORGANISATION, "95000.00",
         [("submit", None), ("start_check", None), ("accept", None)]),
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


DEMO_FORM = [
    {"id": "summary", "type": "long_text", "required": True,
     "label": {"pl": "Opis przedsięwzięcia", "en": "Summary of the project"},
     "help": {"pl": "Co zrobicie, dla kogo i dlaczego.", "en": "What you will do, for whom and why."}},
    {"id": "budget", "type": "budget_table", "required": True, "label": {"pl": "Budżet", "en": "Budget"}},
    {"id": "start", "type": "date", "required": False, "label": {"pl": "Planowany start", "en": "Planned start"}},
]
DEMO_ATTACHMENTS = [{"id": "plan", "name": {"pl": "Biznesplan", "en": "Business plan"},
                     "types": ["application/pdf"], "max_size": 10 * 1024 * 1024, "required": True}]
DEMO_PDF = b"%PDF-1.4\n% Pomost demo\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def seed() -> int:
    """Create what is missing; returns how many records were created."""
    created = 0
    programme = db.session.scalar(select(Programme).limit(1))
    if programme is None:
        # The demo's staff sign in with a password alone (the README says so); production requires a second factor.
        db.session.add(Programme(name="OWES Pomost (demo)", currency="PLN", time_zone="Europe/Warsaw",
                                 holiday_country="PL", require_staff_2fa=False))
        created += 1
    for email, name, role in ACCOUNTS:
        if User.by_email(email) is None:
            ops.create_user(email, name, PASSWORD, roles=[role], confirmed=True)
            created += 1
    applicant = User.by_email(ACCOUNTS[0][0])
    if db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION)) is None:
        organisation = Organisation(name=DEMO_ORGANISATION, type=OrganisationType.SOCIAL_COOPERATIVE,
                                    nip="5261040828", krs="0000123456", bank_account=DEMO_ACCOUNT)
        organisation.memberships.append(Membership(user=applicant, role=MembershipRole.OWNER))
        db.session.add(organisation)
        created += 1
    if db.session.scalar(select(Organisation).where(Organisation.name == DEMO_GROUP)) is None:
        group = Organisation(name=DEMO_GROUP, type=OrganisationType.INFORMAL_GROUP,
                             patron_name="Stowarzyszenie Zatorze Razem", patron_krs="0000098765",
                             bank_account=DEMO_PATRON_ACCOUNT)
        group.memberships.append(Membership(user=applicant, role=MembershipRole.OWNER))
        group.group_members = [
            GroupMember(full_name=name, birth_date=born, is_leader=leader, pesel=pesel)
            for name, born, leader, pesel in (
                ("Anna Wnioskodawczyni", date(1985, 4, 12), True, "85041212344"),
                ("Marek Zieliński", date(1979, 9, 3), False, None), ("Halina Kowal", date(1956, 1, 27), False, None))]
        db.session.add(group)
        created += 1
    db.session.flush()
    if db.session.scalar(select(Call).limit(1)) is None:
        officer = User.by_email(ACCOUNTS[1][0])
        created += _seed_calls(applicant, officer)
        created += _seed_evaluation(applicant, officer)
    created += _seed_areas(applicant)
    return created


def _seed_areas(applicant: User) -> int:
    """The areas' own demo data (reports, controls …), each created once."""
    from grants.control import demo as control
    from grants.organisations import demo as organisations
    from grants.registry import demo as registry
    from grants.reporting import demo as reporting
    from grants.support import demo as support

    organisation = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    officer, finance = User.by_email(ACCOUNTS[1][0]), User.by_email(ACCOUNTS[3][0])
    created = reporting.seed(organisation, applicant, officer, finance)
    created += support.seed(organisation, applicant, officer, finance)
    created += registry.seed(organisation, applicant)
    created += organisations.seed(applicant)
    grant = db.session.scalar(select(Application).where(Application.title == reporting.APPLICATION_TITLE))
    ended = db.session.scalar(select(Application).where(Application.number == reporting.ENDED_NUMBER))
    return created + control.seed(grant, User.by_email(ACCOUNTS[4][0]), finance, ended)


def _draft(call: Call, organisation: Organisation, applicant: User, title: str, requested: str) -> Application:
    """A draft with the demo form answered: a summary and one budget line, 10% of it the own contribution."""
    application = apply_ops.start_application(call, organisation, applicant, title)
    cost = Decimal(requested) * Decimal("1.1")
    apply_ops.save_answers(application, applicant, {
        "summary": f"{title}: opis przedsięwzięcia w wersji demonstracyjnej.",
        "budget": [{"item": "Wyposażenie", "cost": str(cost.quantize(Decimal("0.01"))),
                    "own": str((cost - Decimal(requested)).quantize(Decimal("0.01")))}]})
    return application


def _seed_calls(applicant: User, officer: User) -> int:
    """One open call of each type, with applications moved through the engine (so history and audit exist)."""
    now = utcnow()
    created = 0
    for call_type, title, budget, applications in DEMO_CALLS:
        call = Call(call_type=call_type, title=title, budget=Decimal(budget), status=CallStatus.PUBLISHED,
                    opens_at=now - timedelta(days=14), closes_at=now + timedelta(days=30), published_at=now,
                    form=DEMO_FORM, required_attachments=DEMO_ATTACHMENTS,
                    criteria=[{"id": "quality", "name": {"pl": "Jakość", "en": "Quality"}, "max_points": 40,
                               "weight": "1"},
                              {"id": "impact", "name": {"pl": "Efekt społeczny", "en": "Social impact"},
                               "max_points": 60, "weight": "1"}])
        db.session.add(call)
        created += 1
        for app_title, organisation_name, requested, steps in applications:
            organisation = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
            application = _draft(call, organisation, applicant, app_title, requested)
            if steps:
                apply_ops.add_attachment(application, applicant, "plan", io.BytesIO(DEMO_PDF), "biznesplan.pdf")
            for trigger, reason in steps:
                if trigger == "submit":
                    apply_ops.submit(application, applicant)
                elif trigger == "accept":
                    apply_ops.tick_formal_checklist(application, officer, ["signed", "registry", "legible"])
                    fire(application, trigger, officer, reason)
                elif trigger == "request_correction":
                    apply_ops.request_correction(application, officer, ["answer:summary", "attachment:plan"], reason)
                else:
                    fire(application, trigger, officer, reason)
            created += 1
    return created


# Closed calls in evaluation: (call type, title, budget, parameters, [(title, requested, [(evaluator, need, impact,
# recommend, how far: "assigned", "declared", "draft" or "submitted")])]). Evaluator 0 is the demo account, 1 and 2
# the experts. In the call decided by a commission, recommend is the member's vote and expert 1 chairs.
EVALUATED_CALLS = [
    ("restructuring_grant", "Granty na restrukturyzację – nabór jesienny 2026", "250000.00", {}, [
        ("Sklep społeczny z naprawą rowerów", "90000.00", [(0, 0, 0, True, "assigned"),
                                                           (1, 35, 50, True, "submitted")]),
        ("Pracownia ceramiki terapeutycznej", "70000.00", [(0, 30, 40, True, "draft"), (2, 30, 45, True, "submitted")]),
        ("Catering dietetyczny dla szpitala", "95000.00", [(1, 38, 55, True, "submitted"),
                                                           (2, 36, 52, True, "submitted")]),
        # The two disagree: the third evaluation goes, by itself, to the one who has not had it (the demo account).
        ("Usługi porządkowe dla wspólnot", "80000.00", [(1, 38, 56, True, "submitted"),
                                                        (2, 10, 15, False, "submitted")]),
    ]),
    # Job-creation support on both models, each with one application both experts scored well: selected.
    ("job_support", "Miejsca pracy ze wsparciem pomostowym – nabór wiosenny 2026", "300000.00", {}, [
        ("Kawiarnia społeczna: trzy nowe etaty", "120000.00", [(1, 38, 55, True, "submitted"),
                                                               (2, 36, 54, True, "submitted")]),
    ]),
    ("job_support", "Miejsca pracy – stawki jednostkowe 2021–2027", "300000.00", {"unit_rates": True}, [
        ("Pralnia społeczna: półtora etatu", "110000.00", [(1, 37, 52, True, "submitted"),
                                                            (2, 35, 50, True, "submitted")]),
    ]),
    ("development_package", "Aktywator społeczny – edycja wiosenna 2026", "9000.00", {}, [
        ("Kino plenerowe na osiedlu", "4800.00", [(1, 35, 50, True, "submitted")]),
        ("Biblioteka rzeczy", "4000.00", [(2, 30, 40, True, "submitted")]),
        ("Gra miejska o historii Zatorza", "4500.00", [(1, 15, 20, False, "submitted")]),
    ]),
    ("development_package", "Aktywator społeczny – komisja, edycja letnia 2026", "10000.00",
     {"commission_vote": True, "justification_min_chars": 20}, [
        ("Ogród społeczny przy szkole", "5000.00", [(1, 0, 0, True, "submitted"), (2, 0, 0, False, "submitted"),
                                                    (0, 0, 0, True, "assigned")]),
        ("Warsztaty naprawy ubrań", "3500.00", [(1, 0, 0, True, "submitted"), (2, 0, 0, True, "submitted"),
                                                (0, 0, 0, True, "declared")]),
    ]),
]


def _seed_agreement(call: Call, officer: User, applicant: User) -> None:
    """The first selected package gets its agreement, signed, with its cash part prepared by the demo finance
    officer for the second one to approve, and two items bought in kind: a projector delivered (its invoice's
    payment planned, the group to take it over) and a gazebo ordered. The next selected package waits for the
    officer's agreement."""
    from grants.finance import agreements, items
    from grants.finance.models import Payment

    selected = db.session.scalar(select(Application).where(Application.call_id == call.id,
                                                           Application.status == "selected")
                                 .order_by(Application.id).limit(1))
    if selected is None:
        return
    today = utcnow().date()
    agreement = agreements.prepare(selected, officer, agreements.Terms(
        award=selected.awarded_amount, award_reason=None, schedule_model="package_items", starts_on=today,
        ends_on=today + timedelta(days=90), bank_account=DEMO_PATRON_ACCOUNT, in_kind_amount=Decimal("2000.00")))
    agreements.add_signed_scan(agreement, applicant, io.BytesIO(DEMO_PDF), "umowa-podpisana.pdf")
    agreements.verify_account(agreement, officer)
    fire(selected, "sign", officer)
    finance = User.by_email(ACCOUNTS[3][0])
    _second_finance_officer()
    for payment in db.session.scalars(select(Payment).where(Payment.application_id == selected.id)):
        fire(payment, "request", finance)
    projector = items.order(selected, officer, "Projektor z ekranem do kina plenerowego", "Sklep RTV „Zatorze”",
                            "ZAM/2026/014", Decimal("1450.00"))
    fire(projector, "deliver", finance, invoice_number="FV/2026/11/233", supplier_account=DEMO_SUPPLIER_ACCOUNT)
    items.order(selected, officer, "Namiot ogrodowy 3×6 m", "Hurtownia Turystyczna Sp. z o.o.", "ZAM/2026/015",
                Decimal("450.00"))


def _seed_job_agreement(call: Call, officer: User, applicant: User) -> None:
    """Job-creation support in several states. On the 2014–2020 model: signed, the grant for the jobs approved,
    month 1's proof accepted and its bridging instalment prepared for the second finance officer, month 2's
    proof waiting for the officer. On the 2021–2027 model: prepared, waiting for the applicant's signed scan."""
    from grants.finance import agreements, jobs, rates
    from grants.finance.models import Payment

    selected = db.session.scalar(select(Application).where(Application.call_id == call.id,
                                                           Application.status == "selected"))
    if selected is None:
        return
    today = utcnow().date()
    for name, value, source in (("eur_rate", "4.2500", "NBP, kurs średni (wartość demonstracyjna)"),
                                ("job_maintain", "2700.00", "Regulamin naboru (wartość demonstracyjna)")):
        if not rates.rows(name):
            rates.add(name, date(2024, 1, 1), Decimal(value), officer, source)
    unit_rates = bool(call.parameter("unit_rates"))
    agreement = agreements.prepare(selected, officer, agreements.Terms(
        award=None, award_reason="Półtora etatu zamiast dwóch." if unit_rates else "Trzy etaty, w tym jeden na ½.",
        schedule_model="unit_rates" if unit_rates else "job_grant_and_bridging", starts_on=today,
        ends_on=today + timedelta(days=365), bank_account=DEMO_ACCOUNT, security_kind="promissory_note",
        security_received_on=today, de_minimis_prior_eur=Decimal("12000.00"),
        jobs=(Decimal(1), Decimal("0.5")) if unit_rates else (Decimal(1), Decimal(1), Decimal("0.5")),
        bridging_months=None if unit_rates else 6, bridging_monthly=None if unit_rates else Decimal("4000.00")))
    if unit_rates:
        return
    agreements.accept_security(agreement, officer)
    agreements.verify_account(agreement, officer)
    agreements.add_signed_scan(agreement, applicant, io.BytesIO(DEMO_PDF), "umowa-podpisana.pdf")
    fire(selected, "sign", officer)
    finance, second = User.by_email(ACCOUNTS[3][0]), _second_finance_officer()
    grant = db.session.scalar(select(Payment).where(Payment.application_id == selected.id,
                                                    Payment.kind == "job_grant"))
    fire(grant, "request", finance)
    fire(grant, "approve", second)  # ready to go out in the next bank file
    for month in (1, 2):
        proof = jobs.add_proof(selected, applicant, month, io.BytesIO(DEMO_PDF), f"zus-dra-miesiac-{month}.pdf")
        if month == 1:
            jobs.decide_proof(proof, officer, accept=True)
    first = db.session.scalar(select(Payment).where(Payment.application_id == selected.id,
                                                    Payment.kind == "bridging", Payment.period == 1))
    fire(first, "request", finance)


def _second_finance_officer() -> User:
    return User.by_email(SECOND_FINANCE[0]) or ops.create_user(*SECOND_FINANCE, PASSWORD,
                                                               roles=[Role.FINANCE_OFFICER], confirmed=True)


def _seed_evaluation(applicant: User, officer: User) -> int:
    """Calls already closed, whose applications stand at every step of merit evaluation: waiting for the demo
    evaluator's declaration, in progress, scored, at a third evaluation; and a package call whose ranking is
    published, with an appeal for the officer to decide."""
    from grants.evaluation import operations as evaluation
    from grants.evaluation import results

    experts = []
    for email, name in EXPERTS:
        expert = User.by_email(email) or ops.create_user(email, name, PASSWORD, roles=[Role.EVALUATOR], confirmed=True)
        experts.append(expert)
    evaluators = [User.by_email(ACCOUNTS[2][0]), *experts]
    now, created = utcnow(), 0
    why = "Uzasadnienie oceny w wersji demonstracyjnej: plan jest spójny, koszty uzasadnione, efekty mierzalne."
    for call_type, title, budget, parameters, applications in EVALUATED_CALLS:
        call = Call(call_type=call_type, title=title, budget=Decimal(budget), status=CallStatus.PUBLISHED,
                    parameters=parameters,
                    opens_at=now - timedelta(days=60), closes_at=now + timedelta(days=1), published_at=now,
                    form=DEMO_FORM, required_attachments=DEMO_ATTACHMENTS,
                    criteria=[{"id": "quality", "name": {"pl": "Jakość", "en": "Quality"}, "max_points": 40,
                               "weight": "1", "section_min": None},
                              {"id": "impact", "name": {"pl": "Efekt społeczny", "en": "Social impact"},
                               "max_points": 60, "weight": "1", "section_min": None}])
        db.session.add(call)
        db.session.flush()
        for evaluator in evaluators:
            evaluation.add_to_pool(call, evaluator, officer)
        if evaluation.is_commission(call):
            evaluation.set_chair(call, evaluators[1], officer)
        organisation_name = DEMO_GROUP if call_type == "development_package" else DEMO_ORGANISATION
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
        for app_title, requested, cards in applications:
            application = _draft(call, organisation, applicant, app_title, requested)
            apply_ops.add_attachment(application, applicant, "plan", io.BytesIO(DEMO_PDF), "biznesplan.pdf")
            apply_ops.submit(application, applicant)
            fire(application, "start_check", officer)
            apply_ops.tick_formal_checklist(application, officer, ["signed", "registry", "legible"])
            fire(application, "accept", officer)
            for index, need, impact, recommend, how_far in cards:
                if application.status not in evaluation.REVIEW_STATES:
                    break
                person = evaluators[index]
                card = evaluation.assign(application, person, officer)
                if how_far == "assigned":
                    continue
                evaluation.declare(card, person, person.locale)
                if how_far == "declared":
                    continue
                evaluation.save(card, person, {"quality": need, "impact": impact}, {"quality": why, "impact": why},
                                recommend, why if evaluation.is_commission(call) else "")
                if how_far == "submitted":
                    evaluation.submit(card, person)
            created += 1
        call.closes_at = now - timedelta(days=20)  # submitted while it was open; closed since
        if call_type == "job_support":
            results.publish(results.compute(call, officer), officer)
            _seed_job_agreement(call, officer, applicant)
        if call_type == "development_package" and not evaluation.is_commission(call):
            results.publish(results.compute(call, officer), officer)
            appealing = db.session.scalar(select(Application).where(Application.call_id == call.id,
                                                                   Application.status == "rejected"))
            if appealing is not None:
                fire(appealing, "appeal", applicant, "Naszym zdaniem komisja nie wzięła pod uwagę listów "
                                                     "poparcia od rady osiedla.")
            _seed_agreement(call, officer, applicant)
        created += 1
    return created
