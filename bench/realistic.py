"""Realistic bench data, inserted in bulk: a call whose every application has full answers to every question
of its form (a budget table among them), two attachments, a frozen submitted version, a history of
transitions, and three assigned evaluators of whom two have submitted their scorecards (so the application is
at its third evaluation); one organisation per application; 52 evaluators in the call's pool.

    seed(app, applications) -> {"call_id", "application_id", "officer", "owner", "evaluator"}  (emails)

Run inside the app's context after the migrations; everything is committed.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

EVALUATORS = 52
PAYMENTS_PER_APPLICATION = 10  # 100,000 payments for 10,000 applications
ACCOUNT = "PL61109010140000071219812874"
BATCH = 2000
CRITERIA = [
    {"id": "quality", "name": {"pl": "Jakość", "en": "Quality"}, "max_points": 40, "weight": "1", "section_min": 10},
    {"id": "impact", "name": {"pl": "Efekt społeczny", "en": "Social impact"}, "max_points": 60, "weight": "1",
     "section_min": None},
]
FORM = [
    {"id": "summary", "type": "long_text", "required": True, "label": {"pl": "Opis przedsięwzięcia", "en": "Summary"}},
    {"id": "goals", "type": "long_text", "required": True, "label": {"pl": "Cele i rezultaty", "en": "Goals"}},
    {"id": "market", "type": "long_text", "required": True, "label": {"pl": "Rynek i klienci", "en": "Market"}},
    {"id": "partner", "type": "short_text", "required": False, "label": {"pl": "Partner", "en": "Partner"}},
    {"id": "jobs", "type": "number", "required": True, "label": {"pl": "Miejsca pracy", "en": "Jobs"}},
    {"id": "start", "type": "date", "required": True, "label": {"pl": "Planowany start", "en": "Planned start"}},
    {"id": "sector", "type": "single_choice", "required": True, "label": {"pl": "Branża", "en": "Sector"},
     "choices": [{"value": v, "label": {"pl": v, "en": v}} for v in ("gastronomia", "usługi", "rzemiosło")]},
    {"id": "vat", "type": "yes_no", "required": True, "label": {"pl": "Płatnik VAT", "en": "VAT payer"}},
    {"id": "budget", "type": "budget_table", "required": True, "label": {"pl": "Budżet", "en": "Budget"}},
]
ATTACHMENTS = [{"id": "plan", "name": {"pl": "Biznesplan", "en": "Business plan"}, "types": ["application/pdf"],
                "max_size": 10 * 1024 * 1024, "required": True},
               {"id": "statute", "name": {"pl": "Statut", "en": "Statute"}, "types": ["application/pdf"],
                "max_size": 10 * 1024 * 1024, "required": True}]
PARAGRAPH = ("Spółdzielnia prowadzi działalność od sześciu lat i zatrudnia osiem osób zagrożonych wykluczeniem. "
             "Zmiana profilu pozwoli utrzymać miejsca pracy i otworzyć nowe usługi dla mieszkańców dzielnicy; "
             "plan opiera się na umowach z dwiema szkołami i domem pomocy społecznej. ")
WHY = "Uzasadnienie oceny: plan jest spójny, koszty są uzasadnione, a rezultaty mierzalne i realne do osiągnięcia. " * 3


def _answers(i: int) -> dict:
    lines = [{"item": f"Pozycja {n}", "cost": f"{2000 + 137 * n + i % 50}.00", "own": f"{100 + n}.00"}
             for n in range(5)]
    return {"summary": PARAGRAPH * 6, "goals": PARAGRAPH * 3, "market": PARAGRAPH * 4,
            "partner": f"Stowarzyszenie {i}", "jobs": 3, "start": "2027-01-04", "sector": "usługi", "vat": False,
            "budget": lines}


def _batches(conn_execute, table, rows):
    for start in range(0, len(rows), BATCH):
        conn_execute(insert(table), rows[start:start + BATCH])


def seed(app, applications: int, password: str) -> dict:
    from werkzeug.security import generate_password_hash

    from grants.applications.models import Application, ApplicationVersion, Attachment
    from grants.auth import operations as ops
    from grants.auth.models import Membership, MembershipRole, Organisation, Role, RoleAssignment, User
    from grants.calls.models import Call, CallStatus
    from grants.engine.models import TransitionHistory
    from grants.evaluation.models import PoolMember, Scorecard
    from grants.extensions import db
    from grants.finance.models import Payment
    from grants.types import utcnow

    execute = db.session.execute
    now = utcnow()
    officer = ops.create_user("officer@bench.example.org", "Officer", password, roles=[Role.PROGRAM_OFFICER],
                              confirmed=True)
    owner = ops.create_user("owner@bench.example.org", "Owner", password, roles=[Role.APPLICANT], confirmed=True)
    hashed = generate_password_hash(password)
    execute(insert(User), [{"email": f"evaluator{n}@bench.example.org", "name": f"Oceniający {n:02d}",
                            "password_hash": hashed, "locale": "pl", "active": True, "email_confirmed_at": now,
                            "created_at": now, "session_version": 1} for n in range(EVALUATORS)])
    evaluators = list(db.session.scalars(select(User.id).where(User.email.like("evaluator%@bench.example.org"))
                                         .order_by(User.id)))
    execute(insert(RoleAssignment), [{"user_id": e, "role": Role.EVALUATOR, "granted_at": now} for e in evaluators])
    call = Call(call_type="restructuring_grant", title="Bench", budget=Decimal("100000000"),
                status=CallStatus.PUBLISHED, opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=30),
                form=FORM, required_attachments=ATTACHMENTS, criteria=CRITERIA)
    db.session.add(call)
    db.session.flush()
    execute(insert(PoolMember), [{"call_id": call.id, "user_id": e, "added_by_id": officer.id, "added_at": now}
                                 for e in evaluators])
    first = db.session.scalar(select(func.coalesce(func.max(Organisation.id), 0))) + 1
    _batches(execute, Organisation, [{"name": f"Spółdzielnia Socjalna nr {i}", "type": "social_cooperative",
                                      "nip": None, "created_at": now} for i in range(applications)])
    db.session.add(Membership(user_id=owner.id, organisation_id=first, role=MembershipRole.OWNER))
    submitted = now - timedelta(days=40)
    rows = []
    for i in range(applications):
        answers = _answers(i)
        rows.append({"call_id": call.id, "organisation_id": first + i, "title": f"Zmiana profilu działalności {i}",
                     "status": "third_review", "number": f"{call.id}/{i:05d}", "requested_amount": Decimal("90000"),
                     "answers": answers, "submitted_at": submitted, "correction_rounds": 0, "correction_items": [],
                     "formal_checklist": {"signed": True, "registry": True, "legible": True}, "created_at": submitted,
                     "created_by_id": owner.id, "version": 5})
    _batches(execute, Application, rows)
    ids = list(db.session.scalars(select(Application.id).where(Application.call_id == call.id)
                                  .order_by(Application.id)))
    _batches(execute, Attachment, [
        {"application_id": application_id, "requirement_id": requirement,
         "storage_key": f"bench/{application_id}/{requirement}.pdf", "original_name": f"{requirement}.pdf",
         "content_type": "application/pdf", "size": 250_000, "sha256": hashlib.sha256(requirement.encode()).hexdigest(),
         "created_at": submitted, "frozen_at": submitted, "uploaded_by_id": owner.id}
        for application_id in ids for requirement in ("plan", "statute")])
    attached: dict[int, list] = {application_id: [] for application_id in ids}
    for attachment_id, application_id, requirement, sha256 in execute(
            select(Attachment.id, Attachment.application_id, Attachment.requirement_id, Attachment.sha256)
            .where(Attachment.application_id.in_(select(Application.id).where(Application.call_id == call.id)))):
        attached[application_id].append({"id": attachment_id, "requirement_id": requirement,
                                         "name": f"{requirement}.pdf", "sha256": sha256, "size": 250_000})
    versions, history, cards = [], [], []
    blank = {"declared_at": None, "declaration_locale": None, "recommend": None, "comment": None, "total": None,
             "saved_at": None, "submitted_at": None, "content_hash": None}
    for n, application_id in enumerate(ids):
        frozen = attached[application_id]
        versions.append({"application_id": application_id, "number": 1, "answers": rows[n]["answers"],
                         "requested_amount": Decimal("90000"), "attachments": frozen,
                         "content_hash": hashlib.sha256(str(application_id).encode()).hexdigest(),
                         "created_by_id": owner.id, "created_at": submitted})
        for step, (trigger, source, target) in enumerate((
                ("submit", "draft", "submitted"), ("start_check", "submitted", "formal_check"),
                ("accept", "formal_check", "merit_review"), ("request_third_review", "merit_review", "third_review"))):
            history.append({"workflow": "application", "object_type": "application", "object_id": application_id,
                            "from_state": source, "to_state": target, "trigger": trigger,
                            "actor_id": owner.id if step == 0 else officer.id, "at": submitted + timedelta(days=step),
                            "reason": None, "data": {}})
        for slot in (1, 2, 3):
            evaluator = evaluators[(3 * n + slot - 1) % EVALUATORS]
            card = {"application_id": application_id, "call_id": call.id, "evaluator_id": evaluator, "slot": slot,
                    "round": 1, "status": "assigned", "assigned_at": submitted + timedelta(days=2),
                    "assigned_by_id": officer.id, "due_at": now + timedelta(days=7 + n % 14), "points": {},
                    "justifications": {}, **blank}
            if slot < 3:
                quality, impact = (35, 50) if slot == 1 else (12, 20)  # far apart: the third evaluation
                card |= {"status": "submitted", "declared_at": submitted + timedelta(days=3),
                         "declaration_locale": "pl", "points": {"quality": quality, "impact": impact},
                         "justifications": {"quality": WHY, "impact": WHY}, "recommend": slot == 1,
                         "comment": "Wniosek dopracowany.", "total": Decimal(quality + impact),
                         "saved_at": submitted + timedelta(days=5), "submitted_at": submitted + timedelta(days=5),
                         "content_hash": hashlib.sha256(f"{application_id}/{slot}".encode()).hexdigest()}
            cards.append(card)
    for table, data in ((ApplicationVersion, versions), (TransitionHistory, history),
                        (Scorecard, cards)):
        _batches(execute, table, data)
    finance = ops.create_user("finance@bench.example.org", "Finance", password, roles=[Role.FINANCE_OFFICER],
                              confirmed=True)
    # A grant's monthly instalments, PAYMENTS_PER_APPLICATION of them, in every state a payments page shows.
    states = ("planned", "planned", "on_hold", "requested", "approved", "exported", "paid", "paid", "paid", "cancelled")
    _batches(execute, Payment, [
        {"application_id": application_id, "kind": "bridging", "period": month + 1, "amount": Decimal("4000.00"),
         "currency": "PLN", "bank_account": ACCOUNT, "status": states[(n + month) % len(states)],
         "due_at": submitted + timedelta(days=30 * month + n % 28), "created_at": submitted, "version": 1}
        for n, application_id in enumerate(ids) for month in range(PAYMENTS_PER_APPLICATION)])
    db.session.commit()
    evaluator_email = db.session.scalar(select(User.email).where(User.id == evaluators[0]))
    return {"call_id": call.id, "application_id": ids[0], "officer": officer.email, "owner": owner.email,
            "evaluator": evaluator_email, "finance": finance.email}
