"""Calls are public once published: anyone sees what is open, until when (programme time), for whom."""
from __future__ import annotations

from datetime import datetime, timezone

from grants.calls.models import CallStatus
from tests import factories


def test_open_and_upcoming_calls_are_listed_without_login(client, db):
    factories.call(title="Aktywator społeczny 2026", call_type="development_package")
    factories.call(title="Nabór jesienny", open_now=False)
    factories.call(title="Szkic naboru", status=CallStatus.DRAFT)
    page = client.get("/calls/").get_data(as_text=True)
    assert "Aktywator społeczny 2026" in page and "Nabór jesienny" in page
    assert "Szkic naboru" not in page
    assert page.index("Aktywator społeczny 2026") < page.index("Nabór jesienny")  # open first, then upcoming


def test_call_page_shows_the_deadline_in_the_programme_time_zone(client, db):
    # 22:59:59 UTC on 30 June is 00:59:59 on 1 July in Warsaw (CEST, UTC+2).
    call = factories.call(title="Nabór letni", closes_at=datetime(2030, 6, 30, 22, 59, 59, tzinfo=timezone.utc))
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    closes = page[page.index('data-testid="closes-at"'):][:200]
    assert "July 1, 2030" in closes and "12:59\u202fAM" in closes and "Central European Summer Time" in closes
    assert "12:59:59" not in closes  # to the minute, as people read a deadline
    listing = client.get("/calls/").get_data(as_text=True)
    assert "Jul 1, 2030, 12:59\u202fAM" in listing and "12:59:59" not in listing


def test_draft_and_missing_calls_are_not_public(client, db):
    draft = factories.call(status=CallStatus.DRAFT)
    assert client.get(f"/calls/{draft.id}").status_code == 404
    assert client.get("/calls/999999").status_code == 404


def test_amendments_are_public_with_their_reason(client, db):
    from grants.calls.models import CallAmendment

    call = factories.call(title="Nabór zmieniony")
    db.session.add(CallAmendment(call_id=call.id, actor_id=factories.user().id, reason="Wydłużamy termin o tydzień.",
                                 changes={"closes_at": ["2030-01-01T00:00:00Z", "2030-01-08T00:00:00Z"]}))
    db.session.commit()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    section = page[page.index('data-testid="amendments"'):]
    assert "Wydłużamy termin o tydzień." in section and ">Closes<" in section


def test_apply_is_offered_only_to_those_who_may_apply(client, auth, db):
    """Before: staff saw "Apply" and met a 403 behind it."""
    from grants.auth.models import Role

    call = factories.call(title="Nabór otwarty")
    apply_link = f'href="/applications/new/{call.id}"'
    assert "Create an account to apply" in client.get(f"/calls/{call.id}").get_data(as_text=True)
    auth.login(factories.user(Role.APPLICANT, locale="en").email)
    assert apply_link in client.get(f"/calls/{call.id}").get_data(as_text=True)
    auth.logout()
    for role in (Role.PROGRAM_OFFICER, Role.EVALUATOR, Role.ADMIN):
        auth.login(factories.user(role, locale="en").email)
        page = client.get(f"/calls/{call.id}").get_data(as_text=True)
        assert apply_link not in page and "staff accounts cannot apply" in page, role
        assert client.get(f"/applications/new/{call.id}").status_code == 403
        auth.logout()
