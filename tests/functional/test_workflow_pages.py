"""The staff workflow pages and the application page with its timeline and action buttons."""
from __future__ import annotations

import re
import shutil

from grants.auth.models import Role
from grants.engine.core import fire
from tests import factories
from tests.conftest import IN_CI


def _version_form(client, path):
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return token, int(version)


def test_staff_see_each_workflow_with_counts_per_call(client, auth, db):
    call = factories.call(title="Nabór restrukturyzacyjny 2026")
    for status in ("draft", "draft", "submitted"):
        factories.application(call, status=status)
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    index = client.get("/workflows/").get_data(as_text=True)
    assert "/workflows/payment" in index and "/workflows/package_item" in index
    page = client.get("/workflows/application").get_data(as_text=True)
    assert "Nabór restrukturyzacyjny 2026" in page
    row = page[page.index("Nabór restrukturyzacyjny 2026"):]
    assert re.search(r'data-state="draft">2<', row) and re.search(r'data-state="submitted">1<', row)
    if shutil.which("dot") or IN_CI:  # CI must draw the diagram, not fall back silently
        assert "<svg" in page and "Formal check" in page
    assert client.get("/workflows/nonsense").status_code == 404


def test_applicants_do_not_see_workflow_definitions(client, auth, db):
    auth.login(factories.user(Role.APPLICANT).email)
    assert client.get("/workflows/application").status_code == 403


def test_applicant_sees_public_labels_and_staff_see_staff_labels(client, auth, db):
    owner, officer = factories.user(Role.APPLICANT, locale="en"), factories.user(Role.PROGRAM_OFFICER, locale="en")
    application = factories.application(owner=owner, title="Nowy profil: catering")
    fire(application, "submit", owner)
    fire(application, "start_check", officer)
    db.session.commit()
    auth.login(owner.email)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Under review" in page and "Formal check" not in page
    auth.logout()
    auth.login(officer.email)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Formal check" in page and 'data-trigger="accept"' in page


def test_strangers_get_404_for_an_application(client, auth, db):
    application = factories.application(owner=factories.user(Role.APPLICANT))
    auth.login(factories.user(Role.APPLICANT).email)
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.post(f"/applications/{application.id}/actions/withdraw", data={}).status_code in (400, 404)


def test_officer_acts_through_the_page_and_a_stale_page_is_refused(client, auth, db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    application = factories.application(status="formal_check")
    auth.login(officer.email)
    path = f"/applications/{application.id}"
    token, version = _version_form(client, path)
    response = client.post(f"{path}/actions/accept", data={"csrf_token": token, "version": version})
    assert response.status_code == 303
    assert "Merit review" in client.get(path).get_data(as_text=True)
    # The same (now stale) page posted again: a clear answer, nothing changed.
    stale = client.post(f"{path}/actions/reject", data={"csrf_token": token, "version": version, "reason": "x"})
    assert stale.status_code == 409
    assert "changed meanwhile" in stale.get_data(as_text=True)


def test_refusals_are_explained_on_the_page(client, auth, db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    application = factories.application(status="formal_check")
    auth.login(officer.email)
    path = f"/applications/{application.id}"
    token, version = _version_form(client, path)
    response = client.post(f"{path}/actions/reject", data={"csrf_token": token, "version": version})
    assert response.status_code == 422 and "Give a reason" in response.get_data(as_text=True)
    response = client.post(f"{path}/actions/submit", data={"csrf_token": token, "version": version})
    assert response.status_code == 409


def test_without_graphviz_the_page_still_shows_the_transitions(client, auth, db, monkeypatch):
    from grants.processes import diagrams

    diagrams.svg.cache_clear()
    monkeypatch.setattr(diagrams.shutil, "which", lambda name: None)
    auth.login(factories.user(Role.AUDITOR, locale="en").email)
    page = client.get("/workflows/payment").get_data(as_text=True)
    diagrams.svg.cache_clear()
    assert "<svg" not in page and "cannot be drawn" in page
    assert "Approve" in page and "Put on hold" in page
