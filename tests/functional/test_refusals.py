"""One handler answers every refusal: rolled back, then the page again for people, a problem
document for API clients."""
from __future__ import annotations

from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Role
from grants.engine.models import TransitionHistory
from tests import factories
from tests.conftest import csrf_token


def _refused_accept(client, auth, db, **headers):
    application = factories.application(status="formal_check", formal_checklist={})
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    auth.login(officer.email)
    page = f"/applications/{application.id}"
    response = client.post(f"{page}/actions/accept", headers=headers,
                           data={"csrf_token": csrf_token(client, page), "version": application.version})
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "formal_check"
    assert db.session.scalar(select(func.count()).select_from(TransitionHistory)) == 0
    return response


def test_a_person_sees_the_page_again_with_why(client, auth, db):
    response = _refused_accept(client, auth, db)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Not every item of the formal-check list has been ticked." in page and 'data-testid="state"' in page


def test_an_api_client_gets_a_problem_document(client, auth, db):
    response = _refused_accept(client, auth, db, Accept="application/json")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.json == {"type": "about:blank", "status": 422,
                             "title": "Not every item of the formal-check list has been ticked."}


def test_the_problem_document_speaks_the_users_language(client, auth, db):
    application = factories.application(status="formal_check", formal_checklist={})
    officer = factories.user(Role.PROGRAM_OFFICER, locale="pl")
    auth.login(officer.email)
    page = f"/applications/{application.id}"
    response = client.post(f"{page}/actions/reject", headers={"Accept": "application/json"},
                           data={"csrf_token": csrf_token(client, page), "version": application.version})
    assert response.status_code == 422 and response.json["title"] == "Podaj uzasadnienie."
