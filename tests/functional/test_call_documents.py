"""Documents of a call: attached by officers to a draft, frozen on publication, public once published."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from grants.auth.models import Role
from grants.calls.models import CallDocument, CallStatus
from tests import factories
from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n% regulamin\n%%EOF\n"


def _upload(client, call, content=PDF, name="regulamin.pdf", title="Regulamin naboru"):
    page = f"/manage/calls/{call.id}/documents"
    return client.post(page, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, page), "title": title, "file": (io.BytesIO(content), name)})


def test_officer_attaches_documents_that_become_public_with_the_call(client, auth, db):
    call = factories.call(status=CallStatus.DRAFT, title="Nabór z regulaminem")
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    assert _upload(client, call).status_code == 303
    bad = _upload(client, call, content=b"MZ\x90\x00 not a document", name="regulamin.pdf")
    assert bad.status_code == 422 and "not accepted here" in bad.get_data(as_text=True)
    document = db.session.scalars(select(CallDocument)).one()
    url = f"/calls/{call.id}/documents/{document.id}"
    assert client.get(url).data == PDF  # staff see a draft's documents
    auth.logout()
    assert client.get(url).status_code == 404  # the public does not, while the call is a draft
    call.status = CallStatus.PUBLISHED
    db.session.commit()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Regulamin naboru" in page
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert "regulamin.pdf" in response.headers["Content-Disposition"]


def test_documents_are_frozen_once_the_call_is_published(client, auth, db):
    call = factories.call(status=CallStatus.DRAFT)
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    _upload(client, call)
    document = db.session.scalars(select(CallDocument)).one()
    call.status = CallStatus.PUBLISHED
    db.session.commit()
    page = f"/manage/calls/{call.id}/documents"
    _upload(client, call, name="inny.pdf")
    client.post(f"{page}/{document.id}/delete", data={"csrf_token": csrf_token(client, page)})
    assert db.session.scalar(select(func.count()).select_from(CallDocument)) == 1


def test_only_officers_manage_documents(client, auth, db):
    call = factories.call(status=CallStatus.DRAFT)
    for role in (Role.APPLICANT, Role.AUDITOR, Role.EVALUATOR):
        auth.login(factories.user(role).email)
        assert client.get(f"/manage/calls/{call.id}/documents").status_code == 403
        auth.logout()
    auth.login(factories.user(Role.PROGRAM_OFFICER).email)
    assert client.get("/manage/calls/999999/documents").status_code == 404
    assert client.get(f"/calls/{call.id}/documents/999999").status_code == 404
