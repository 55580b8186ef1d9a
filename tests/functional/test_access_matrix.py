"""Role × page: each role reaches its own pages and gets 403 on the others; anonymous users are sent to sign in."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from grants.auth.models import Role
from tests import factories

PAGES = {
    "/applicant": {Role.APPLICANT},
    "/officer": {Role.PROGRAM_OFFICER},
    "/manage/calls/new": {Role.PROGRAM_OFFICER},
    "/evaluation/": {Role.EVALUATOR},
    "/finance": {Role.FINANCE_OFFICER},
    "/auditor": {Role.AUDITOR},
    "/recoveries/": {Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR},  # who reads any recovery case
    "/reports/indicators/": {Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR},
    "/applications/all/": {Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR},
    "/dashboards/": {Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR},
    "/registry/grantees": {Role.PROGRAM_OFFICER},
    "/agreements/all/": {Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR},  # who reads any agreement
    "/payments/all/": {Role.FINANCE_OFFICER, Role.AUDITOR},  # auditors read every payment
    "/audit": {Role.AUDITOR, Role.ADMIN},
    "/admin/users": {Role.ADMIN},
    "/admin/programme": {Role.ADMIN},
    "/admin/mail": {Role.ADMIN},
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_reaches_exactly_its_pages(client, auth, db, role):
    user = factories.user(role)
    auth.login(user.email)
    for path, allowed in PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), f"{role} {path}"


def test_anonymous_is_sent_to_sign_in_with_the_page_remembered(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == [path]


def test_unknown_and_foreign_user_ids_answer_404(client, auth, db):
    admin = factories.user(Role.ADMIN)
    auth.login(admin.email)
    assert client.get("/admin/users/999999").status_code == 404
    for beyond_any_id in (2**31, 2**40):  # past a 32-bit id column: no such row, not a database error
        assert client.get(f"/admin/users/{beyond_any_id}").status_code == 404


def test_sign_in_lands_on_the_role_home(client, auth, db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    response = auth.login(officer.email)
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/officer"


def test_after_sign_in_the_remembered_page_opens(client, auth, db):
    auditor = factories.user(Role.AUDITOR)
    client.get("/audit")  # remembered as next
    client.get("/login?next=/audit")
    response = auth.login(auditor.email)
    assert response.headers["Location"] == "/audit"


def test_open_redirects_are_refused(client, auth, db):
    user = factories.user(Role.APPLICANT)
    client.get("/login?next=//evil.example/x")
    response = auth.login(user.email)
    assert "evil" not in response.headers["Location"]


def test_members_see_their_organisation_and_others_get_404(client, auth, db):
    owner, stranger = factories.user(Role.APPLICANT), factories.user(Role.APPLICANT)
    org = factories.organisation(owner, name="Spółdzielnia Socjalna Pomorze")
    auth.login(owner.email)
    assert "Pomorze" in client.get(f"/organisations/{org.id}").get_data(as_text=True)
    auth.logout()
    auth.login(stranger.email)
    assert client.get(f"/organisations/{org.id}").status_code == 404  # foreign looks exactly like missing
    assert client.get("/organisations/999999").status_code == 404


def test_staff_who_read_applications_see_any_organisation(client, auth, db):
    org = factories.organisation(factories.user(Role.APPLICANT))
    auth.login(factories.user(Role.AUDITOR).email)
    assert client.get(f"/organisations/{org.id}").status_code == 200
    auth.logout()
    auth.login(factories.user(Role.FINANCE_OFFICER).email)  # who pays a grant reads its grantee
    assert client.get(f"/organisations/{org.id}").status_code == 200
    auth.logout()
    auth.login(factories.user(Role.EVALUATOR).email)
    assert client.get(f"/organisations/{org.id}").status_code == 404


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_only_the_groups_owner_reaches_its_conversion_page(client, auth, db, role):
    """Registering an informal group as a social cooperative: its owner only; staff who read every organisation
    still may not (403), members who are not owners neither (403), other applicants do not see it (404)."""
    from grants.auth.models import Membership, MembershipRole, OrganisationType

    owner = factories.user(Role.APPLICANT)
    group = factories.organisation(owner, type=OrganisationType.INFORMAL_GROUP)
    editor = factories.user(Role.APPLICANT)
    db.session.add(Membership(user=editor, organisation=group, role=MembershipRole.EDITOR))
    path = f"/organisations/{group.id}/convert"
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and urlsplit(anonymous.headers["Location"]).path == "/login"
    auth.login(factories.user(role).email)
    assert client.get(path).status_code == (404 if role == Role.APPLICANT else 403), role
    auth.logout()
    for person, status in ((owner, 200), (editor, 403)):
        auth.login(person.email)
        assert client.get(path).status_code == status
        auth.logout()
