"""Usage controls through the web: an auditor draws a seeded random sample (the same seed draws the same grants
again) or a risk-based one, runs a control with its checklist and a finding, the grantee answers the
recommendation, and the auditor closes the control — or sends it to recovery; a closed control never changes."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.auth.models import Role
from grants.control import controls
from grants.control.models import Control, ControlPlan, Finding
from grants.engine.core import fire
from grants.errors import Refusal
from grants.extensions import db as _db
from grants.reporting.models import Report
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def call_with_grants(db):
    auditor = factories.user(Role.AUDITOR, locale="en")
    call = factories.call(budget="9000000.00")
    grants = [factories.application(call, status="implementation", awarded_amount=Decimal(10000 + i * 1000))
              for i in range(12)]
    factories.application(call, status="rejected")  # not a grant: never drawn
    _db.session.commit()
    return {"auditor": auditor, "call": call, "grants": grants}


def test_the_same_seed_draws_the_same_sample_and_risk_picks_late_reports_then_large_awards(db, call_with_grants):
    call, auditor, grants = call_with_grants["call"], call_with_grants["auditor"], call_with_grants["grants"]
    population = controls.population(call)
    assert population == sorted(g.id for g in grants)
    first = controls.random_sample(population, 4, seed=20261203)
    assert first == controls.random_sample(population, 4, seed=20261203) and len(set(first)) == 4
    assert any(controls.random_sample(population, 4, seed=s) != first for s in range(1, 5))
    _db.session.add(Report(application_id=grants[0].id, period="2026-10", status="draft",
                           due_at=utcnow() - timedelta(days=3), answers={}))
    _db.session.flush()
    assert controls.risk_sample(population, 3) == sorted([grants[0].id, grants[11].id, grants[10].id])
    plan = controls.draw(call, auditor, "random", 4, 20261203, utcnow().date())
    assert plan.chosen == first and plan.population == population
    assert sorted(_db.session.scalars(select(Control.application_id))) == first
    second = controls.draw(call, auditor, "random", 20, 5, utcnow().date())  # a grant under control is not drawn
    assert set(second.chosen) == set(population) - set(first)
    with pytest.raises(Refusal) as refused:
        controls.draw(call, auditor, "random", 4, None, utcnow().date())
    assert "seed" in refused.value.errors


def test_a_control_with_a_finding_answered_by_the_grantee_and_closed(client, auth, db, call_with_grants):
    auditor, grant = call_with_grants["auditor"], call_with_grants["grants"][0]
    owner = grant.organisation.memberships[0].user
    owner.locale = "en"
    stranger = factories.application(call_with_grants["call"], status="implementation").organisation
    _db.session.commit()
    auth.login(auditor.email)
    drawn = auth.post("/controls/draw", {"call": call_with_grants["call"].id, "method": "random", "size": "3",
                                         "seed": "7", "planned_on": utcnow().date().isoformat()},
                      token_from="/controls/")
    assert drawn.status_code == 303 and b"seed 7" in client.get("/controls/").data
    created = auth.post(f"/controls/new/{grant.id}", {"planned_on": utcnow().date().isoformat(),
                                                       "scope": "Wydatki na sprzęt"}, token_from="/controls/")
    page = created.headers["Location"]
    control = _db.session.get(Control, int(page.rsplit("/", 1)[1]))
    assert auth.post(f"{page}/actions/start", {"version": control.version}, token_from=page).status_code == 303
    auth.post(f"{page}/checklist", {"item": ["documents", "assets"]}, token_from=page)
    missing = auth.post(f"{page}/findings", {"text": "Laptop poza siedzibą.", "recommendation": ""}, token_from=page)
    assert missing.status_code == 422 and b"Say what the grantee is to do." in missing.data
    auth.post(f"{page}/findings", {"text": "Laptop poza siedzibą.", "recommendation": "Przywrócić sprzęt.",
                                   "deadline": (utcnow().date() + timedelta(days=14)).isoformat()}, token_from=page)
    _db.session.refresh(control)
    assert control.checklist == {"documents": True, "assets": True, "jobs": False, "publicity": False,
                                 "accounts": False} and control.findings_count == 1
    assert auth.post(f"{page}/actions/record_findings", {"version": control.version},
                     token_from=page).status_code == 303
    auth.logout()

    finding = _db.session.scalar(select(Finding))
    auth.login(owner.email)
    assert b"Przywr" in client.get(page).data
    assert auth.post(f"{page}/findings/{finding.id}/answer", {"answer": "Laptop wrócił 3 grudnia."},
                     token_from=page).status_code == 303
    assert auth.post(f"{page}/findings", {"text": "x", "recommendation": "y", "deadline": "2030-01-01"},
                     token_from=page).status_code == 403
    auth.logout()
    auth.login(stranger.memberships[0].user.email)
    assert client.get(page).status_code == 404
    auth.logout()

    auth.login(auditor.email)
    _db.session.refresh(control)
    assert auth.post(f"{page}/actions/close", {"version": control.version}, token_from=page).status_code == 303
    _db.session.refresh(control)
    assert control.status == "closed"
    with pytest.raises(Refusal):  # a closed control never changes
        controls.add_finding(control, auditor, "Jeszcze coś", "Coś zrobić", utcnow().date())
    with pytest.raises(Refusal):
        controls.answer(finding, control, owner, "Inna odpowiedź")
    assert _db.session.get(Finding, finding.id).answer == "Laptop wrócił 3 grudnia."


def test_a_control_with_findings_is_sent_to_recovery_and_the_recovery_form_follows(client, auth, db,
                                                                                     call_with_grants):
    auditor, grant = call_with_grants["auditor"], call_with_grants["grants"][1]
    control = controls.ad_hoc(grant, auditor, utcnow().date(), "")
    fire(control, "start", auditor)
    controls.add_finding(control, auditor, "Brak faktur.", "Przedstawić faktury.", utcnow().date())
    fire(control, "record_findings", auditor)
    _db.session.commit()
    auth.login(auditor.email)
    page = f"/controls/{control.id}"
    sent = auth.post(f"{page}/actions/open_recovery", {"version": control.version, "reason": "Brak faktur."},
                     token_from=page)
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/recoveries/new/{grant.id}")
    assert _db.session.scalar(select(ControlPlan.id)) is None and control.status == "recovery"


def test_the_grantee_is_told_and_a_control_closes_only_once_its_recommendations_are_settled(db, call_with_grants):
    from grants.engine.core import GuardsFailed
    from grants.services.mail import OutboxMessage

    auditor, grant = call_with_grants["auditor"], call_with_grants["grants"][2]
    owner = grant.organisation.memberships[0].user
    owner.locale = "en"
    control = controls.ad_hoc(grant, auditor, utcnow().date() + timedelta(days=7), "Sprzęt")
    fire(control, "start", auditor)
    finding = controls.add_finding(control, auditor, "Brak oznakowania.", "Oznakować sprzęt.",
                                   utcnow().date() + timedelta(days=10))
    fire(control, "record_findings", auditor)
    with pytest.raises(GuardsFailed) as waiting:  # its answer is not in and the deadline is ahead
        fire(control, "close", auditor)
    assert "waiting for the grantee's answer" in str(waiting.value.messages[0]("en"))
    assert controls.waiting(control, utcnow() + timedelta(days=11)) == 0  # once the deadline passed, it may close
    controls.answer(finding, control, owner, "Oznakowano 4 grudnia.")
    fire(control, "close", auditor)
    _db.session.commit()
    told = _db.session.scalar(select(OutboxMessage.subject).where(OutboxMessage.recipient == auditor.email))
    assert told.endswith("the grantee answered a recommendation")  # the auditor who recorded the findings
    subjects = list(_db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == owner.email)))
    assert [s.split(": ", 1)[1] for s in subjects] == [
        "a control of your grant is planned", "the control's findings and recommendations", "the control is closed"]


def test_a_planned_control_is_called_off_and_does_not_count_as_the_grants_control(client, auth, db,
                                                                                    call_with_grants):
    from grants.control.workflow import APPLICATION_PLUG  # noqa: F401 - the fact under test

    auditor, grant = call_with_grants["auditor"], call_with_grants["grants"][3]
    control = controls.ad_hoc(grant, auditor, utcnow().date() + timedelta(days=7), "")
    with pytest.raises(Refusal):  # a reason is required
        fire(control, "cancel", auditor)
    fire(control, "cancel", auditor, "Beneficjent w likwidacji – kontrola bez celu.")
    _db.session.commit()
    assert control.status == "closed" and control.cancelled_at is not None
    from grants.engine.registry import binding_for

    control_closed = binding_for(grant).facts["control_closed"]
    assert control_closed(grant, utcnow()) is False
    assert grant.id in controls.population(call_with_grants["call"])  # it may be drawn again
    auth.login(auditor.email)
    assert 'data-testid="state">Called off<' in client.get(f"/controls/{control.id}").get_data(as_text=True)


def test_a_settlement_late_after_the_grants_end_raises_its_risk(db, call_with_grants):
    grants = call_with_grants["grants"]
    population = controls.population(call_with_grants["call"])
    ended = utcnow().date() - timedelta(days=45)
    factories.agreement(grants[4], starts_on=ended - timedelta(days=300), ends_on=ended)  # no settlement in
    factories.agreement(grants[5], starts_on=ended - timedelta(days=300), ends_on=utcnow().date() - timedelta(days=5))
    _db.session.flush()
    assert controls.risk_sample(population, 2) == sorted([grants[4].id, grants[11].id])


def test_a_share_of_a_call_or_a_sample_of_the_whole_programme(db, call_with_grants):
    auditor, grants = call_with_grants["auditor"], call_with_grants["grants"]
    plan = controls.draw(call_with_grants["call"], auditor, "random", None, 5, utcnow().date(), share=25)
    assert (plan.size, plan.share, len(plan.chosen)) == (3, 25, 3)  # a quarter of 12
    other = factories.application(factories.call(), status="durability", awarded_amount=Decimal("5000"))
    everywhere = controls.population(None)
    assert other.id in everywhere and set(everywhere) == {g.id for g in grants} - set(plan.chosen) | {other.id}
    wide = controls.draw(None, auditor, "risk", 100, None, utcnow().date())
    assert wide.call_id is None and other.id in wide.chosen
    with pytest.raises(Refusal) as refused:
        controls.draw(call_with_grants["call"], auditor, "random", None, 5, utcnow().date(), share=0)
    assert "share" in refused.value.errors


def test_control_documents_and_an_answer_with_a_document(client, auth, db, call_with_grants):
    import io

    auditor, grant = call_with_grants["auditor"], call_with_grants["grants"][6]
    owner = grant.organisation.memberships[0].user
    control = controls.ad_hoc(grant, auditor, utcnow().date(), "")
    fire(control, "start", auditor)
    finding = controls.add_finding(control, auditor, "Brak faktury.", "Przesłać fakturę.",
                                   utcnow().date() + timedelta(days=7))
    _db.session.commit()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    page = f"/controls/{control.id}"
    auth.login(auditor.email)
    added = client.post(f"{page}/documents", data={"csrf_token": csrf_token(client, page),
                                                   "document": (io.BytesIO(pdf), "protokol.pdf")},
                        content_type="multipart/form-data")
    assert added.status_code == 303
    auth.logout()
    auth.login(owner.email)
    answered = client.post(f"{page}/findings/{finding.id}/answer", data={
        "csrf_token": csrf_token(client, page), "answer": "Faktura w załączeniu.",
        "document": (io.BytesIO(pdf), "faktura.pdf")}, content_type="multipart/form-data")
    assert answered.status_code == 303
    files = controls.documents(control)
    assert [(f.original_name, f.finding_id) for f in files] == [("protokol.pdf", None), ("faktura.pdf", finding.id)]
    assert client.get(f"{page}/documents/{files[0].id}").data == pdf
    assert client.post(f"{page}/documents", data={"csrf_token": csrf_token(client, page)}).status_code == 403
    auth.logout()
    stranger = factories.application(call_with_grants["call"], status="implementation").organisation
    auth.login(stranger.memberships[0].user.email)
    assert client.get(f"{page}/documents/{files[0].id}").status_code == 404
    fire(control, "close", auditor)
    _db.session.commit()
    with pytest.raises(Refusal):  # a closed control's documents never change
        controls.add_document(control, auditor, io.BytesIO(pdf), "late.pdf")
