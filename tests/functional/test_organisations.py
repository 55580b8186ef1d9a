"""Registration with email confirmation; organisations with checked identifiers; invitations."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select, update

from grants.auth.models import Invitation, Membership, MembershipRole, Organisation, User
from grants.identifiers import valid_bank_account, valid_krs, valid_nip, valid_pesel, valid_regon
from grants.services import mail
from grants.services.audit import AuditEntry
from tests import factories
from tests.conftest import AuthActions, csrf_token
from tests.support.threads import post_at_once

VALID = {"nip": "5261040828", "regon": "012100784", "krs": "0000123456", "bank_account": "PL61109010140000071219812874"}


def _link(message, path: str) -> str:
    body = message.get_body(("plain",)).get_content()
    return "/" + re.search(rf"http\S+({path}\S+)", body).group(1).lstrip("/")


def test_identifiers_are_checked_by_their_check_digits():
    assert valid_nip("526-104-08-28") and not valid_nip("5261040829")
    assert valid_regon("012100784") and not valid_regon("012100785")
    assert valid_regon("12345678512347")  # 14-digit REGON of a local unit
    assert valid_krs("0000123456") and not valid_krs("123456")
    assert valid_pesel("44051401359") and not valid_pesel("44051401358")
    assert valid_bank_account("PL61 1090 1014 0000 0712 1981 2874")
    assert valid_bank_account("61109010140000071219812874")  # NRB without the country code
    assert not valid_bank_account("PL61109010140000071219812875")


def test_register_confirm_then_sign_in(client, app, db, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    data = {"name": "Ola Nowak", "email": "ola@example.org", "password": "długie hasło 123",
            "confirm": "długie hasło 123"}
    response = client.post("/register", data={**data, "csrf_token": csrf_token(client, "/register")})
    assert response.status_code == 302
    user = User.by_email("ola@example.org")
    assert user is not None and user.email_confirmed_at is None
    # Not yet: signing in before confirming sends a fresh link instead.
    login = {"email": "ola@example.org", "password": data["password"]}
    page = client.post("/login", data={**login, "csrf_token": csrf_token(client)}).get_data(as_text=True)
    assert "Confirm your email address first" in page
    assert client.get("/applicant").status_code == 302
    assert mail.deliver_due()["sent"] == 2
    confirm = _link(smtp.messages[-1], "/confirm/")
    assert client.get(confirm).status_code == 302
    client.post("/login", data={**login, "csrf_token": csrf_token(client)})
    assert client.get("/applicant").status_code == 200


def test_registering_a_taken_address_says_the_same_and_creates_nothing(client, db):
    factories.user(email="taken@example.org")
    data = {"name": "X", "email": "taken@example.org", "password": "długie hasło 123", "confirm": "długie hasło 123"}
    page = client.post("/register", data={**data, "csrf_token": csrf_token(client, "/register")},
                       follow_redirects=True).get_data(as_text=True)
    assert "Almost done" in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_forged_confirmation_link_is_refused(client, db):
    assert client.get("/confirm/forged.token").headers["Location"].endswith("/login")


def _new_org(auth, data):
    return auth.post("/organisations/new", data, token_from="/organisations/new")


def test_cooperative_with_valid_identifiers(client, auth, db):
    owner = factories.user(factories.Role.APPLICANT, locale="en")
    auth.login(owner.email)
    response = _new_org(auth, {"type": "social_cooperative", "name": "Spółdzielnia Socjalna Razem", **VALID,
                               "nip": "526-104-08-28"})
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Spółdzielnia Socjalna Razem"))
    assert organisation.nip == "5261040828"  # stored compact
    assert [(m.user_id, m.role) for m in organisation.memberships] == [(owner.id, MembershipRole.OWNER)]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "organisation:organisation:created")) == 1


@pytest.mark.parametrize("field,value,message", [
    ("nip", "5261040829", "NIP is not valid"),
    ("regon", "012100785", "REGON is not valid"),
    ("krs", "12345", "10 digits"),
    ("bank_account", "PL61109010140000071219812875", "bank account number is not valid"),
])
def test_bad_identifiers_are_refused_with_a_clear_message(client, auth, db, field, value, message):
    auth.login(factories.user(factories.Role.APPLICANT, locale="en").email)
    response = _new_org(auth, {"type": "social_cooperative", "name": "Spółdzielnia", **VALID, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_type_rules_require_the_right_identifiers(client, auth, db):
    auth.login(factories.user(factories.Role.APPLICANT, locale="en").email)
    response = _new_org(auth, {"type": "ngo", "name": "Fundacja"})
    page = response.get_data(as_text=True)
    assert (response.status_code == 422 and "KRS number is required" in page
            and "date the organisation was registered" in page)


def _members(*rows):
    data = {}
    for i, (name, born, leader, *pesel) in enumerate(rows):
        data[f"members-{i}-full_name"] = name
        data[f"members-{i}-birth_date"] = born
        if pesel:
            data[f"members-{i}-pesel"] = pesel[0]
        if leader:
            data[f"members-{i}-is_leader"] = "y"
    return data


def test_informal_group_needs_three_adults_and_one_leader(client, auth, db):
    auth.login(factories.user(factories.Role.APPLICANT, locale="en").email)
    base = {"type": "informal_group", "name": "Sąsiedzi z Zatorza"}
    two = _new_org(auth, {**base, **_members(("Anna", "1980-01-01", True), ("Jan", "1990-05-05", False))})
    assert two.status_code == 422 and "at least 3 members" in two.get_data(as_text=True)
    minor = _new_org(auth, {**base, **_members(("Anna", "1980-01-01", True), ("Jan", "1990-05-05", False),
                                               ("Kuba", "2015-03-03", False))})
    assert minor.status_code == 422 and "all of them adults" in minor.get_data(as_text=True)
    no_leader = _new_org(auth, {**base, **_members(("Anna", "1980-01-01", False), ("Jan", "1990-05-05", False),
                                                   ("Ewa", "1970-03-03", False))})
    assert "exactly one member as the group's leader" in html.unescape(no_leader.get_data(as_text=True))
    no_pesel = _new_org(auth, {**base, **_members(("Anna", "1980-01-01", True), ("Jan", "1990-05-05", False),
                                                  ("Ewa", "1970-03-03", False))})
    assert "leader's PESEL" in html.unescape(no_pesel.get_data(as_text=True))
    mismatch = _new_org(auth, {**base, **_members(("Anna", "1981-01-01", True, "80010112340"),
                                                  ("Jan", "1990-05-05", False), ("Ewa", "1970-03-03", False))})
    assert "does not match the date of birth" in mismatch.get_data(as_text=True)
    bad = _new_org(auth, {**base, **_members(("Anna", "1980-01-01", True, "80010112341"),
                                             ("Jan", "1990-05-05", False), ("Ewa", "1970-03-03", False))})
    assert "This PESEL is not valid" in bad.get_data(as_text=True)
    ok = _new_org(auth, {**base, "patron_name": "Fundacja Wspólnota", "patron_krs": "0000123456",
                         **_members(("Anna", "1980-01-01", True, "80010112340"), ("Jan", "1990-05-05", False),
                                    ("Ewa", "1970-03-03", False))})
    assert ok.status_code == 302
    group = db.session.scalar(select(Organisation).where(Organisation.name == "Sąsiedzi z Zatorza"))
    assert [m.full_name for m in group.group_members] == ["Anna", "Jan", "Ewa"]
    assert [m.is_leader for m in group.group_members] == [True, False, False]
    assert group.group_members[0].pesel == "80010112340"


def _organisations(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_an_organisation_is_registered_once_and_a_second_registrant_is_told_whom_to_ask(client, auth, db):
    """Its NIP or KRS number names it: the same (written otherwise) is refused for a new organisation and for
    another's edit, and the refusal leaves nothing behind; the organisation itself keeps its own when edited."""
    first = factories.user(factories.Role.APPLICANT, locale="en")
    auth.login(first.email)
    assert _new_org(auth, {"type": "social_cooperative", "name": "Spółdzielnia Razem", **VALID}).status_code == 302
    mine = db.session.scalar(select(Organisation).where(Organisation.nip == VALID["nip"]))
    edited = auth.post(f"/organisations/{mine.id}/edit", {"name": "Spółdzielnia Razem II", **VALID},
                       token_from=f"/organisations/{mine.id}/edit")
    assert edited.status_code == 302  # its own NIP and KRS stay its own
    twice = _new_org(auth, {"type": "social_cooperative", "name": "Razem raz jeszcze", **VALID})
    page = html.unescape(twice.get_data(as_text=True))
    assert twice.status_code == 422 and "Your organisation Spółdzielnia Razem II already has this NIP." in page
    auth.logout()
    auth.login(factories.user(factories.Role.APPLICANT, locale="en").email)
    again = _new_org(auth, {"type": "social_enterprise", "name": "Razem", **VALID, "krs": "",
                            "nip": "526-104-08-28"})
    page = html.unescape(again.get_data(as_text=True))
    assert again.status_code == 422 and "An organisation with this NIP is already registered here" in page
    assert "ask its owner to invite you" in page
    same_krs = _new_org(auth, {"type": "ngo", "name": "Fundacja Razem", "founded_on": "2020-01-01",
                               "krs": VALID["krs"]})
    assert same_krs.status_code == 422 and "this KRS number is already registered" in same_krs.get_data(as_text=True)
    assert _organisations(db) == 1
    assert _new_org(auth, {"type": "social_cooperative", "name": "Inna", **VALID, "nip": "7761234560",
                           "krs": "0000987654"}).status_code == 302
    other = db.session.scalar(select(Organisation).where(Organisation.nip == "7761234560"))
    taken = auth.post(f"/organisations/{other.id}/edit", {"name": "Inna", **VALID},
                      token_from=f"/organisations/{other.id}/edit")
    assert taken.status_code == 422 and "already registered here" in html.unescape(taken.get_data(as_text=True))
    db.session.expire_all()
    assert (other.nip, other.krs) == ("7761234560", "0000987654")


def test_the_database_refuses_the_same_nip_even_past_the_check(client, auth, db, monkeypatch):
    """What stops the second of two registrations made at the same moment: the unique index, told as plainly."""
    monkeypatch.setattr("grants.organisations.operations._taken", lambda *args: {})
    auth.login(factories.user(factories.Role.APPLICANT, locale="en").email)
    assert _new_org(auth, {"type": "social_cooperative", "name": "Razem", **VALID}).status_code == 302
    again = _new_org(auth, {"type": "social_cooperative", "name": "Razem 2", **VALID, "krs": "0000987654"})
    assert again.status_code == 422 and "this NIP is already registered" in again.get_data(as_text=True)
    assert "this KRS number" not in again.get_data(as_text=True)
    assert _organisations(db) == 1


@pytest.mark.postgres_only
def test_two_people_registering_the_same_organisation_at_once_make_one(app, db):
    """Both pass the check before either is saved; the database's unique index stops the second, which is told
    as plainly as if it had come later."""
    forms = []
    for n in range(2):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        AuthActions(client).login(factories.user(factories.Role.APPLICANT, locale="en").email)
        forms.append((client, "/organisations/new", {"type": "social_cooperative", "name": f"Razem {n}", **VALID,
                                                     "csrf_token": csrf_token(client, "/organisations/new")}))
    assert sorted(post_at_once(forms)) == [302, 422]
    assert _organisations(db) == 1


def test_only_owners_edit_and_invite(client, auth, db):
    owner, editor = factories.user(factories.Role.APPLICANT), factories.user(factories.Role.APPLICANT)
    organisation = factories.organisation(owner)
    db.session.add(Membership(user=editor, organisation=organisation, role=MembershipRole.EDITOR))
    db.session.commit()
    auth.login(editor.email)
    assert client.get(f"/organisations/{organisation.id}").status_code == 200
    assert client.get(f"/organisations/{organisation.id}/edit").status_code == 403
    stranger = factories.user(factories.Role.APPLICANT)
    auth.logout()
    auth.login(stranger.email)
    assert client.get(f"/organisations/{organisation.id}").status_code == 404
    assert client.get(f"/organisations/{organisation.id}/edit").status_code == 404


def test_invitation_by_email_lets_the_invitee_join(client, auth, db, app, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    owner = factories.user(factories.Role.APPLICANT)
    organisation = factories.organisation(owner)
    invitee = factories.user(factories.Role.APPLICANT, email="kasia@example.org")
    auth.login(owner.email)
    page = f"/organisations/{organisation.id}"
    auth.post(f"{page}/invitations", {"email": "Kasia@Example.org", "role": "editor"}, token_from=page)
    mail.deliver_due()
    accept = _link(smtp.messages[-1], "/organisations/invitations/")
    auth.logout()
    # Someone else with the link cannot use it.
    auth.login(factories.user(factories.Role.APPLICANT).email)
    client.post(accept, data={"csrf_token": csrf_token(client, "/account")})
    assert db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.organisation_id == organisation.id)) == 1
    auth.logout()
    auth.login(invitee.email)
    client.post(accept, data={"csrf_token": csrf_token(client, accept)})
    membership = db.session.scalar(select(Membership).where(Membership.user_id == invitee.id))
    assert membership.organisation_id == organisation.id and membership.role == MembershipRole.EDITOR
    # Spent once used.
    assert client.get(accept).headers["Location"] == "/"


@pytest.mark.postgres_only
def test_one_invitation_accepted_four_times_at_once_makes_one_member_and_no_error(app, db):
    """Before: 500, 500, 302, 500 (a unique violation on the membership)."""
    import threading

    from grants.organisations import operations as ops
    from tests.conftest import AuthActions

    owner = factories.user(factories.Role.APPLICANT)
    organisation = factories.organisation(owner)
    invitee = factories.user(factories.Role.APPLICANT, email="kasia@example.org")
    _, token = ops.invite(organisation, owner, invitee.email, MembershipRole.EDITOR)
    db.session.commit()
    accept = f"/organisations/invitations/{token}"
    browsers = []
    for _ in range(4):
        browser = app.test_client()
        AuthActions(browser).login(invitee.email)
        browsers.append((browser, {"csrf_token": csrf_token(browser, accept)}))
    barrier, answers = threading.Barrier(len(browsers)), []

    def send(browser, form):
        barrier.wait()
        answer = browser.post(accept, data=form, headers={"Accept-Language": "en"})
        answers.append((answer.status_code, answer.headers.get("Location")))

    threads = [threading.Thread(target=send, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The first joins; the others are sent to the organisation (told the invitation is used) or, arriving
    # after the first committed, home (told it is used or expired).
    assert [status for status, _ in answers] == [302] * 4
    assert {location for _, location in answers} <= {f"/organisations/{organisation.id}", "/"}
    assert db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.user_id == invitee.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "organisation:invitation:accepted")) == 1


def test_an_invitation_read_before_it_was_used_elsewhere_is_refused_with_409(db):
    from grants.organisations import operations as ops

    owner = factories.user(factories.Role.APPLICANT)
    organisation = factories.organisation(owner)
    invitee = factories.user(factories.Role.APPLICANT, email="kasia@example.org")
    invitation, token = ops.invite(organisation, owner, invitee.email, MembershipRole.VIEWER)
    db.session.commit()
    assert ops.find_invitation(token) is invitation
    db.session.execute(update(Invitation).values(accepted_at=func.now()))  # the other tab, in between
    with pytest.raises(ops.InvitationUsed) as refused:
        ops.accept_invitation(invitation, invitee)
    assert refused.value.status == 409
    assert refused.value.text("en") == "This invitation has already been accepted."


@pytest.mark.postgres_only
def test_two_invitations_to_one_organisation_accepted_at_once_make_one_member(app, db):
    """A review found that two invitations for the same person, accepted together, gave a 500 (unique membership)."""
    import threading

    from grants.organisations import operations as ops
    from tests.conftest import AuthActions

    owner = factories.user(factories.Role.APPLICANT)
    organisation = factories.organisation(owner)
    invitee = factories.user(factories.Role.APPLICANT, email="kasia@example.org")
    tokens = [ops.invite(organisation, owner, invitee.email, MembershipRole.EDITOR)[1] for _ in range(3)]
    db.session.commit()
    browsers = []
    for token in tokens:
        browser = app.test_client()
        AuthActions(browser).login(invitee.email)
        accept = f"/organisations/invitations/{token}"
        browsers.append((browser, accept, {"csrf_token": csrf_token(browser, accept)}))
    barrier, answers = threading.Barrier(len(browsers)), []

    def send(browser, accept, form):
        barrier.wait()
        answers.append(browser.post(accept, data=form).status_code)

    threads = [threading.Thread(target=send, args=triple) for triple in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302] * 3
    assert db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.user_id == invitee.id)) == 1
