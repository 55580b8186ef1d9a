"""What the API's tests share: personal tokens, and a world with one user of every role and, for two applicant
organisations A and B, one object of every kind the API serves.

An area that adds endpoints adds its objects to `build_world`, under both organisations (`objects["A"]` and
`objects["B"]`), named as the API's addresses name them: `{call_id}` is the world's "call", a transition's
`{object_id}` of kind "payments" its "payment". The access matrix and the schema test then reach them with real ids.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from grants.api import tokens
from grants.auth.models import Membership, MembershipRole, Role, User
from grants.evaluation.models import PoolMember
from grants.extensions import db
from grants.registry import entries
from grants.types import utcnow
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
STATUTE = {"id": "statute", "name": {"pl": "Statut", "en": "Statute"}, "types": ["application/pdf"]}
CRITERIA = [{"id": "need", "name": {"pl": "Potrzeba", "en": "Need"}, "max_points": 40, "weight": "1",
             "section_min": None}]
REGISTRY_ENTRY = {"se_status": "ps", "industry": "catering", "town": "Legnica", "services": "Catering",
                  "email": "kontakt@example.org", "show_email": True}
WHY = "Uzasadnienie wystarczająco długie, by je przyjąć."

# Who calls: nobody, the owner of organisation A, a member of A who only reads (viewer), the owner of B (an
# applicant of another organisation), and one user of each staff role.
ROLES = ("anonymous", "owner", "viewer", "stranger", "evaluator", "officer", "finance", "auditor", "admin")
STAFF = {"evaluator": Role.EVALUATOR, "officer": Role.PROGRAM_OFFICER, "finance": Role.FINANCE_OFFICER,
         "auditor": Role.AUDITOR, "admin": Role.ADMIN}


def bearer(secret: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def token(user: User, write: bool = False, days: int = 30) -> str:
    """A new personal token of the user, committed; returns its secret."""
    _row, secret = tokens.create(user, "test", write, days)
    db.session.commit()
    return secret


@dataclass
class World:
    users: dict[str, User]
    objects: dict[str, dict[str, Any]]  # "A" / "B" → name → object
    _tokens: dict[tuple[str, bool], str] = field(default_factory=dict)

    def token(self, role: str, write: bool) -> str | None:
        """The role's read or read-write token (made once); None for the anonymous caller."""
        if role == "anonymous":
            return None
        if (role, write) not in self._tokens:
            self._tokens[role, write] = token(self.users[role], write)
        return self._tokens[role, write]


def _submitted(call, organisation, owner, title: str):
    """An application submitted as the web submits one: its statute uploaded, a frozen version, a timeline."""
    from grants.applications import operations as ops

    application = factories.application(call, organisation, status="draft", title=title, created_by_id=owner.id)
    ops.add_attachment(application, owner, "statute", io.BytesIO(PDF), "statut.pdf")
    ops.submit(application, owner)
    db.session.flush()
    return application


def _grants(users: dict[str, User], organisations: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """A's and B's grant of a job-creation call, as the web makes one: scored by two evaluators (the world's one of
    them), the results published, then signed (an agreement for two jobs) and running; by key, the grant and its
    agreement."""
    from grants.evaluation import operations as evaluation
    from grants.evaluation import results

    officer = users["officer"]
    call = factories.call("job_support", title="Miejsca pracy", criteria=CRITERIA,
                          parameters={"justification_min_chars": 20})
    evaluators = (users["evaluator"], factories.user(Role.EVALUATOR))
    for person in evaluators:
        evaluation.add_to_pool(call, person, officer)
    grants = {}
    for key, organisation in organisations.items():
        grant = factories.application(call, organisation, status="merit_review", number=f"G/{key}",
                                      title=f"Dwa miejsca pracy {key}", requested="70424.00", submitted_at=utcnow())
        for person in evaluators:
            card = evaluation.assign(grant, person, officer)
            evaluation.declare(card, person, "pl")
            evaluation.save(card, person, {"need": 30}, {"need": WHY}, True, "Komentarz.")
            evaluation.submit(card, person)
        grants[key] = grant
    results.publish(results.compute(call, officer), officer)
    for key, grant in grants.items():
        assert grant.status == "selected", grant.status
        grant.status = "implementation"  # the agreement signed, as factories.application puts one there
        grants[key] = grant, factories.agreement(
            grant, starts_on=utcnow().date() - timedelta(days=30), award="70424.00",
            schedule_model="job_grant_and_bridging", jobs=["1", "1"], rates={"job_create": "35212.00"})
    return grants


def _grant_objects(grant, agreement, users: dict[str, User]) -> dict[str, Any]:
    """What follows a running grant: its agreement and the grant for its jobs planned as a payment (to suspend), a
    report drafted (complete, to submit), a control in progress with a finding, a recovery case repaid in full (to
    close), a job created (to finance)."""
    from grants.control import controls, recovery
    from grants.engine.core import fire
    from grants.finance.models import Payment
    from grants.reporting.models import Report
    from grants.support.models import Job

    auditor, today = users["auditor"], recovery.local_today()
    report = Report(application_id=grant.id, period="2026-01", status="draft", answers={"summary": "Gotowe."},
                    due_at=utcnow() + timedelta(days=10), starts_on=today - timedelta(days=40),
                    ends_on=today - timedelta(days=10))
    job = Job(application_id=grant.id, person_name="Jan Kowalski", pesel="85041201238", eligibility="unemployed",
              fte=Decimal("1"), starts_on=today - timedelta(days=20), status="created")
    payment = Payment(application_id=grant.id, kind="job_grant", amount=agreement.award,
                      bank_account=agreement.bank_account, due_at=utcnow() + timedelta(days=7), status="planned")
    db.session.add_all([report, job, payment])
    control = controls.ad_hoc(grant, auditor, today, "Faktury i sprzęt")
    fire(control, "start", auditor)
    controls.add_finding(control, auditor, "Brak tablicy informacyjnej.", "Umieścić tablicę.",
                         today + timedelta(days=14))
    case = recovery.open_case(grant, auditor, Decimal("1000.00"), "art252", "undue", None, "Nadwyżka.")
    fire(case, "notify", auditor, served_on=today - timedelta(days=2))
    recovery.record_repayment(case, users["finance"], today, Decimal("1000.00"), "ZWROT/1")
    return {"grant": grant, "agreement": agreement, "payment": payment, "report": report, "control": control,
            "recovery": case, "job": job}


def build_world() -> World:
    """Users of every role (the evaluator in the published call's pool); a published call and a draft call (A's
    and B's "call": the public sees only the first); for each of the organisations A and B a registry entry
    (published for A, not for B: the public sees only the first), a draft and a submitted
    application of the published call, and a running grant of a job-creation call (its scorecards submitted and
    results published) with its agreement, a payment, a report, a control, a recovery case and a job. Committed."""
    owner, stranger = factories.user(Role.APPLICANT), factories.user(Role.APPLICANT)
    users = {"owner": owner, "stranger": stranger, "viewer": factories.user(Role.APPLICANT),
             **{name: factories.user(role) for name, role in STAFF.items()}}
    published = factories.call(required_attachments=[STATUTE])
    draft_call = factories.call(status="draft", required_attachments=[STATUTE])
    organisation_type = factories.OrganisationType(sorted(published.type.eligible_organisation_types)[0])
    objects: dict[str, dict[str, Any]] = {}
    for key, member, call in (("A", owner, published), ("B", stranger, draft_call)):
        organisation = factories.organisation(member, type=organisation_type, name=f"Spółdzielnia {key}")
        objects[key] = {
            "organisation": organisation,
            "entry": entries.save(organisation, member, key == "A", REGISTRY_ENTRY),
            "call": call,
            "draft": factories.application(published, organisation, status="draft", title=f"Szkic {key}"),
            "application": _submitted(published, organisation, member, f"Wniosek {key}"),
        }
    db.session.add(Membership(user=users["viewer"], organisation=objects["A"]["organisation"],
                              role=MembershipRole.VIEWER))
    db.session.add(PoolMember(call_id=published.id, user_id=users["evaluator"].id))  # an evaluator of the call
    grants = _grants(users, {key: objects[key]["organisation"] for key in objects})
    for key, (grant, agreement) in grants.items():
        objects[key] |= _grant_objects(grant, agreement, users)
    db.session.commit()
    return World(users=users, objects=objects)


def every_page(client, url: str, secret: str | None = None, limit: int = 2) -> list[dict]:
    """Every item of a list, following its cursor page by page (each id once, or the test fails)."""
    headers = bearer(secret) if secret else {}
    items, cursor = [], None
    while True:
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}limit={limit}" + (f"&cursor={cursor}" if cursor else ""),
                              headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.get_json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len({item["id"] for item in items}) == len(items)
    return items
