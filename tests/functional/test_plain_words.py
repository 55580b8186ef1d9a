"""People read names, not the codes and ids the app keeps (found when the landed pages were walked)."""
from __future__ import annotations

import re

from grants.auth.models import Role
from grants.services import audit
from tests import factories
from tests.functional.test_applying import ATTACHMENTS, FORM


def test_a_missing_attachment_is_named_as_the_call_names_it_with_its_types(client, auth, db):
    """Before: 'Missing attachment: plan_pdf' (the requirement's id) and types cut to 'vnd.openxmlf'."""
    owner = factories.user(Role.APPLICANT, locale="en")
    office = {"id": "sheet", "name": {"pl": "Budżet", "en": "Budget sheet"}, "required": False, "max_size": 1048576,
              "types": ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf"]}
    call = factories.call(form=FORM, required_attachments=[*ATTACHMENTS, office])
    application = factories.application(call, factories.organisation(owner))
    auth.login(owner.email)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "Missing attachment: Business plan (PDF)" in page
    assert "plan_pdf" not in re.sub(r'(name|value)="plan_pdf"', "", page)
    assert "(XLSX, PDF;" in page and "vnd." not in page


def test_the_audit_log_names_people_and_actions_and_keeps_the_code_for_auditors(client, auth, db):
    """Before: actors as bare numbers, actions as raw codes (auth:login:succeeded), objects as table names."""
    auditor = factories.user(Role.AUDITOR, locale="en", name="Anna Audytorka")
    auth.login(auditor.email)
    page = client.get("/audit").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if 'title="auth:login:succeeded"' in r)
    assert "Anna Audytorka" in row and ">Signed in<" in row and "Account" in row
    assert f"<td>{auditor.id}</td>" not in row


def test_a_workflow_transition_is_named_by_its_workflow_and_label(client, auth, db):
    auditor = factories.user(Role.AUDITOR, locale="en")
    audit.record("workflow:application:submit", actor=auditor, object_type="application", object_id=7)
    auth.login(auditor.email)
    page = client.get("/audit").get_data(as_text=True)
    assert 'title="workflow:application:submit"' in page and "Application: Submit" in page.replace("\n", " ")


def test_older_entries_stay_reachable_after_verifying_the_chain(client, auth, db):
    auditor = factories.user(Role.AUDITOR, locale="en")
    for n in range(60):
        audit.record("test:thing:changed", object_type="thing", object_id=n)
    auth.login(auditor.email)
    page = auth.post("/audit/verify", token_from="/audit").get_data(as_text=True)
    assert "Older entries" in page


def test_a_budget_rows_own_messages_follow_the_language(client, auth, db):
    """Found in a browser walk: a negative cost said "Number must be at least 0." on the Polish page (the rows
    were plain wtforms forms, without the translated messages)."""
    owner = factories.user(Role.APPLICANT, locale="pl")
    application = factories.application(factories.call(form=FORM, required_attachments=ATTACHMENTS),
                                        factories.organisation(owner))
    auth.login(owner.email)
    from tests.functional.test_applying import _save

    page = _save(client, application, **{"q_budget-0-item": "Piec", "q_budget-0-cost": "-5"}).get_data(as_text=True)
    assert "Number must be at least 0." not in page
    assert "Liczba musi być większa lub równa 0." in page


def test_a_rejected_applicant_is_not_told_an_appeal_period_ended_that_never_began(client, auth, db):
    owner = factories.user(Role.APPLICANT, locale="en")
    application = factories.application(factories.call(), factories.organisation(owner), status="formally_rejected")
    auth.login(owner.email)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "The appeal period has ended." not in page
    assert "No appeal deadline has been set for this decision yet" in page


def test_sizes_shares_and_counts_read_as_the_language_writes_them(client, auth, db):
    """Before: '91 Bytes' and '9.09%' on Polish pages, and '1 applications'."""
    from tests.functional.test_applying import PDF, _complete

    owner = factories.user(Role.APPLICANT, locale="pl")
    application = factories.application(factories.call(form=FORM, required_attachments=ATTACHMENTS),
                                        factories.organisation(owner))
    auth.login(owner.email)
    _complete(client, application)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert f"{len(PDF)} bajtów" in page
    assert "10,00%" in page  # own contribution 4000 of 40000
    application.status = "submitted"  # staff see it once submitted
    db.session.commit()
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    auth.logout()
    auth.login(officer.email)
    listing = client.get(f"/manage/calls/{application.call_id}/applications/").get_data(as_text=True)
    assert "1 application<" in listing


def test_the_currency_list_offers_current_currencies_with_pln_and_eur_first(client, auth, db):
    """Before: every code Babel knows, withdrawn ones (DEM, VEF) and fund codes (XAU) included, sorted A–Z."""
    auth.login(factories.user(Role.ADMIN, locale="en").email)
    page = client.get("/admin/programme").get_data(as_text=True)
    codes = re.findall(r'<option[^>]*value="([A-Z]{3})"', page)
    assert codes[:2] == ["PLN", "EUR"]
    assert {"USD", "GBP", "CZK", "UAH"} <= set(codes)
    assert not {"DEM", "VEF", "XAU", "XXX", "PLZ"} & set(codes)


def test_an_organisations_page_shows_its_address(client, auth, db):
    owner = factories.user(Role.APPLICANT, locale="en")
    organisation = factories.organisation(owner)
    organisation.address = "ul. Źródlana 7, 00-950 Warszawa"
    auth.login(owner.email)
    assert "ul. Źródlana 7, 00-950 Warszawa" in client.get(f"/organisations/{organisation.id}").get_data(as_text=True)


def test_every_page_has_an_icon(client, db):
    """Before: no favicon, so every browser logged a 404 for /favicon.ico."""
    page = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page).group(1)
    answer = client.get(icon)
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"


def test_during_a_correction_the_form_gives_the_correction_deadline_not_the_calls(client, auth, db):
    from datetime import datetime, timezone

    owner = factories.user(Role.APPLICANT, locale="en")
    call = factories.call(form=FORM, required_attachments=ATTACHMENTS)
    application = factories.application(call, factories.organisation(owner), status="correction",
                                        correction_due_at=datetime(2031, 5, 6, 12, 0, tzinfo=timezone.utc),
                                        correction_items=["answer:plan"])
    auth.login(owner.email)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    box = re.search(r'data-testid="deadline">([^<]+)<', page).group(1)
    assert "Resubmit before May 6, 2031" in box and "Applications close" not in box


def test_actions_that_cannot_be_undone_ask_first_and_say_what_follows(client, auth, db):
    owner = factories.user(Role.APPLICANT, locale="en")
    application = factories.application(factories.call(), factories.organisation(owner), status="submitted")
    auth.login(owner.email)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*actions/withdraw"[^>]*>', page).group(0)
    assert 'data-confirm="Withdraw this application? It leaves the call for good' in form
    submit_free = [f for f in re.findall(r"<form[^>]*actions/[a-z_]+\"[^>]*>", page) if "withdraw" not in f]
    assert all("data-confirm" not in f for f in submit_free)
