"""Grantee reports through the JSON API, within the web's rules: the grantee's people read their own grants'
reports, staff who read applications every report, nobody else any (404); the answers shown are those the report
page shows (the draft only to the grantee's owners and editors); the grantee submits, the officer accepts (the
held payments released as on the web) or returns; a grantee never accepts its own report, a read token never
fires."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from grants.api import tokens
from grants.auth.models import Membership, MembershipRole, Role
from grants.engine.core import fire
from grants.engine.tick import tick
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.reporting.models import Report
from grants.types import utcnow
from tests import factories

IBAN = "PL61109010140000071219812874"


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _token(user, write=False) -> str:
    _row, secret = tokens.create(user, "test", write, 30)
    _db.session.commit()
    return secret


def _report(application, period: str, status: str = "draft", answers=None, **fields) -> Report:
    today = utcnow().date()
    report = Report(application_id=application.id, period=period, status=status, answers=answers or {},
                    due_at=fields.pop("due_at", utcnow() + timedelta(days=10)),
                    starts_on=date(today.year, 1, 1), ends_on=date(today.year, 1, 31), **fields)
    _db.session.add(report)
    _db.session.flush()
    return report


@pytest.fixture
def world(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    call, other_call = factories.call(), factories.call()
    grant = factories.application(call, status="implementation", number="R/1", awarded_amount=Decimal("90000.00"))
    theirs = factories.application(other_call, status="implementation", number="R/2",
                                   awarded_amount=Decimal("90000.00"))
    owner, stranger = grant.organisation.memberships[0].user, theirs.organisation.memberships[0].user
    viewer = factories.user(Role.APPLICANT)
    _db.session.add(Membership(user=viewer, organisation_id=grant.organisation_id, role=MembershipRole.VIEWER))
    draft = _report(grant, "2026-01", answers={"summary": "Szkic jeszcze nie złożony"})
    # Submitted, returned and being revised: the officer reads the submitted version, the grantee its new draft.
    revised = _report(grant, "2026-02", answers={"summary": "Wersja pierwsza"})
    fire(revised, "submit", owner)
    fire(revised, "return", officer, "Proszę uzupełnić.")
    fire(revised, "revise", owner)
    revised.answers = {"summary": "Poprawki w toku"}
    foreign = _report(theirs, "2026-01", answers={"summary": "Cudze sprawozdanie"})
    _db.session.commit()
    return {"officer": officer, "owner": owner, "viewer": viewer, "stranger": stranger, "grant": grant,
            "theirs": theirs, "draft": draft, "revised": revised, "foreign": foreign, "call": call,
            "finance": factories.user(Role.FINANCE_OFFICER), "auditor": factories.user(Role.AUDITOR),
            "evaluator": factories.user(Role.EVALUATOR), "admin": factories.user(Role.ADMIN)}


def _ids(client, secret: str, query: str = "") -> list[int]:
    seen, cursor = [], None
    while True:
        response = client.get(f"/api/v1/reports?limit=1{query}" + (f"&cursor={cursor}" if cursor else ""),
                              headers=_bearer(secret))
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return seen


def test_each_reads_the_reports_the_web_shows_them_and_others_are_404(client, db, world):
    mine = {world["draft"].id, world["revised"].id}
    everything = mine | {world["foreign"].id}
    for who, expected in (("owner", mine), ("viewer", mine), ("stranger", {world["foreign"].id}),
                          ("officer", everything), ("finance", everything), ("auditor", everything),
                          ("evaluator", set()), ("admin", set())):
        secret = _token(world[who])
        listed = _ids(client, secret)
        assert set(listed) == expected and len(listed) == len(set(listed)), who
        for report in everything:
            status = client.get(f"/api/v1/reports/{report}", headers=_bearer(secret)).status_code
            assert status == (200 if report in expected else 404), (who, report)
    secret = _token(world["owner"])
    assert client.get(f"/api/v1/reports/{2**40}", headers=_bearer(secret)).status_code == 404  # beyond its ids
    assert client.post(f"/api/v1/reports/{2**40}/transitions/submit", json={"version": 1},
                       headers=_bearer(_token(world["owner"], write=True))).status_code == 404
    assert client.get("/api/v1/reports").status_code == 401


def test_filters_pages_and_etags(client, db, world):
    secret = _token(world["officer"])
    assert _ids(client, secret, "&status=draft") == sorted([world["draft"].id, world["revised"].id,
                                                           world["foreign"].id], reverse=True)
    assert _ids(client, secret, f"&application_id={world['theirs'].id}") == [world["foreign"].id]
    assert set(_ids(client, secret, f"&call_id={world['call'].id}")) == {world["draft"].id, world["revised"].id}
    first = client.get("/api/v1/reports", headers=_bearer(secret))
    item = first.get_json()["items"][0]
    assert set(item) == {"id", "application_id", "period", "status", "due_at", "starts_on", "ends_on", "final",
                         "late", "version"}
    again = client.get("/api/v1/reports", headers={**_bearer(secret), "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    bad = client.get("/api/v1/reports?status=nonsense&call_id=0", headers=_bearer(secret))
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"status", "call_id"}


def test_the_answers_are_those_the_report_page_shows(client, db, world):
    draft, revised = world["draft"].id, world["revised"].id

    def answers(who: str, report_id: int):
        return client.get(f"/api/v1/reports/{report_id}", headers=_bearer(_token(world[who]))).get_json()["answers"]

    assert answers("owner", draft) == {"summary": "Szkic jeszcze nie złożony"}
    assert answers("owner", revised) == {"summary": "Poprawki w toku"}
    for who in ("officer", "auditor", "viewer"):  # the draft is the owners' and editors' until submitted
        assert answers(who, draft) is None
        assert answers(who, revised) == {"summary": "Wersja pierwsza"}, who
    body = client.get(f"/api/v1/reports/{revised}", headers=_bearer(_token(world["officer"]))).get_json()
    assert body["submitted_version"] == 1 and body["status"] == "draft"


def test_the_grantee_submits_and_the_officer_accepts_releasing_the_held_payment(client, db, world):
    late = _report(world["grant"], "2025-12", due_at=utcnow() - timedelta(days=5), answers={"summary": "Gotowe"})
    for report in (world["draft"], world["revised"]):
        report.due_at = utcnow() + timedelta(days=30)
    payment = Payment(application_id=world["grant"].id, kind="advance", amount=Decimal("50000.00"),
                      bank_account=IBAN, due_at=utcnow() - timedelta(days=1), status="planned")
    _db.session.add(payment)
    _db.session.commit()
    tick()
    assert late.status == "overdue" and payment.status == "on_hold"
    url = f"/api/v1/reports/{late.id}/transitions"
    reader, owner = _token(world["owner"]), _token(world["owner"], write=True)
    assert client.post(f"{url}/submit", json={"version": late.version}, headers=_bearer(reader)).status_code == 403
    viewer = _token(world["viewer"], write=True)
    assert client.post(f"{url}/submit", json={"version": late.version}, headers=_bearer(viewer)).status_code == 403
    stranger = _token(world["stranger"], write=True)
    assert client.post(f"{url}/submit", json={"version": late.version}, headers=_bearer(stranger)).status_code == 404
    submitted = client.post(f"{url}/submit", json={"version": late.version}, headers=_bearer(owner))
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    version = submitted.get_json()["version"]
    own_accept = client.post(f"{url}/accept", json={"version": version}, headers=_bearer(owner))
    assert own_accept.status_code == 403  # a grantee never accepts its own report
    officer = _token(world["officer"], write=True)
    no_reason = client.post(f"{url}/return", json={"version": version}, headers=_bearer(officer))
    assert no_reason.status_code == 422 and no_reason.mimetype == "application/problem+json"
    assert client.post(f"{url}/accept", json={"version": version},
                       headers=_bearer(_token(world["officer"]))).status_code == 403  # a read token
    accepted = client.post(f"{url}/accept", json={"version": version}, headers=_bearer(officer))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    _db.session.refresh(payment)
    assert payment.status == "planned"  # released at once, as the officer's decision on the web does
    auditor = _token(world["auditor"], write=True)  # reads every report, decides none
    assert client.post(f"/api/v1/reports/{world['foreign'].id}/transitions/submit",
                       json={"version": world["foreign"].version}, headers=_bearer(auditor)).status_code == 403
