"""Administrators invite staff by email: the link sets the first password once, within its days, and leads
staff to the second factor; every step is audited."""
from __future__ import annotations

import re
import time

import itsdangerous
import pyotp
import pytest
from sqlalchemy import func, select

from grants.auth.models import Programme, Role, User
from grants.services import mail
from grants.services.audit import AuditEntry
from tests import factories
from tests.conftest import csrf_token
from tests.support.threads import post_at_once

NEW_PASSWORD = "a long enough passphrase"


def _entries(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _welcome_path(message) -> str:
    link = re.search(r"http\S+/welcome/\S+", _body(message)).group(0)
    return "/" + link.split("/", 3)[3]


def _invite(auth, **fields):
    data = {"email": "ewa@example.org", "name": "Ewa Nowak", "language": "en",
            "roles": ["program_officer", "evaluator"], **fields}
    return auth.post("/admin/users/invite", data, token_from="/admin/users/invite")


def _choose_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password, "csrf_token": csrf_token(client, path)})


@pytest.fixture
def admin(auth, db):
    admin = factories.user(Role.ADMIN, name="Anna Admin", locale="en")
    auth.login(admin.email)
    return admin


def test_an_admin_invites_an_officer_with_two_roles_and_the_link_leads_to_the_second_factor(
        client, auth, db, app, smtp, admin):
    app.config.update(SMTP_PORT=smtp.port)
    programme = Programme(name="OWES Pomorze", require_staff_2fa=False)
    db.session.add(programme)
    db.session.commit()
    assert 'href="/admin/users/invite"' in client.get("/admin/users").get_data(as_text=True)

    response = _invite(auth)
    invitee = User.by_email("ewa@example.org")
    assert response.headers["Location"] == f"/admin/users/{invitee.id}"
    assert invitee.roles == {Role.PROGRAM_OFFICER, Role.EVALUATOR} and invitee.awaiting_password
    assert invitee.locale == "en" and invitee.name == "Ewa Nowak"
    [invited] = _entries(db, "auth:user:invited")
    assert invited.actor_id == admin.id and invited.object_id == str(invitee.id)
    assert invited.data["roles"] == ["evaluator", "program_officer"]
    assert {e.data["role"] for e in _entries(db, "auth:role:granted") if e.object_id == str(invitee.id)} == \
        {"program_officer", "evaluator"}
    page = client.get(f"/admin/users/{invitee.id}").get_data(as_text=True)
    assert "invited, waiting for the password" in page and "Send the invitation again" in page

    # Nothing signs in to the account before the link is used.
    auth.logout()
    programme.require_staff_2fa = True
    db.session.commit()
    assert auth.login("ewa@example.org", "").status_code == 200
    assert auth.login("ewa@example.org", invitee.password_hash).status_code == 200

    assert mail.deliver_due()["sent"] == 1
    [message] = smtp.messages
    assert message["To"] == "ewa@example.org"
    assert message["Subject"] == "Your account in OWES Pomorze"
    body = _body(message)
    assert "Hello Ewa Nowak," in body and "Anna Admin has created an account for you in OWES Pomorze" in body
    assert "Program officer" in body and "Evaluator" in body and "within 7 days" in body
    path = _welcome_path(message)

    page = client.get(path).get_data(as_text=True)
    assert "Welcome to OWES Pomorze: choose your password" in page
    refused = _choose_password(client, path, "short")
    assert refused.status_code == 200 and "Use between 10 and 128 characters." in refused.get_data(as_text=True)
    response = _choose_password(client, path)
    assert response.headers["Location"] == "/account/2fa"
    assert client.get("/officer").headers["Location"].endswith("/account/2fa")  # nothing else before it
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<',
                       client.get("/account/2fa").get_data(as_text=True)).group(1)
    auth.post("/account/2fa", {"code": pyotp.TOTP(secret).now()}, token_from="/account/2fa")
    assert client.get("/officer").status_code == 200

    db.session.expire_all()
    invitee = db.session.get(User, invitee.id)
    assert not invitee.awaiting_password and invitee.check_password(NEW_PASSWORD) and invitee.totp_enabled
    assert [e.data for e in _entries(db, "auth:password:set")] == [{"from": "invitation"}]
    assert _entries(db, "auth:login:succeeded")[-1].data["method"] == "invitation"

    # The link is spent once used, also for someone else's browser.
    auth.logout()
    stranger = app.test_client()
    stranger.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert stranger.get(path).headers["Location"].endswith("/login")
    again = stranger.post(path, data={"password": "another passphrase!", "confirm": "another passphrase!",
                                      "csrf_token": csrf_token(stranger, "/login")})
    assert again.headers["Location"].endswith("/login")
    db.session.expire_all()
    assert db.session.get(User, invitee.id).check_password(NEW_PASSWORD)


def test_the_mail_is_in_the_invitees_language(client, auth, db, app, smtp, admin):
    app.config.update(SMTP_PORT=smtp.port)
    _invite(auth, email="jan@example.org", language="pl", roles=["finance_officer"])
    assert mail.deliver_due()["sent"] == 1
    [message] = smtp.messages
    assert "Pracownik finansowy" in _body(message)  # the role's label in Polish
    assert "Finance officer" not in _body(message)


def test_where_the_programme_does_not_require_it_staff_are_still_shown_the_second_factor_first(
        client, auth, db, app, smtp, admin):
    app.config.update(SMTP_PORT=smtp.port)
    db.session.add(Programme(name="OWES", require_staff_2fa=False))
    db.session.commit()
    _invite(auth, roles=["auditor"])
    auth.logout()
    mail.deliver_due()
    response = _choose_password(client, _welcome_path(smtp.messages[-1]))
    assert response.headers["Location"] == "/account/2fa"
    assert client.get("/auditor").status_code == 200  # may leave it for later


def test_an_invited_evaluator_alone_is_not_sent_to_the_second_factor(client, auth, db, app, smtp, admin):
    app.config.update(SMTP_PORT=smtp.port)
    _invite(auth, roles=["evaluator"])
    auth.logout()
    db.session.add(Programme(name="OWES", require_staff_2fa=True))
    db.session.commit()
    mail.deliver_due()
    assert _choose_password(client, _welcome_path(smtp.messages[-1])).headers["Location"] == "/"
    assert client.get("/evaluation/").status_code == 200


def test_an_expired_link_is_refused(client, auth, db, app, smtp, admin, monkeypatch):
    app.config.update(SMTP_PORT=smtp.port)
    _invite(auth)
    auth.logout()
    mail.deliver_due()
    path = _welcome_path(smtp.messages[-1])
    eight_days_later = int(time.time()) + 8 * 24 * 3600
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: eight_days_later)
    response = client.get(path, follow_redirects=True)
    assert "This invitation link is invalid, used or expired" in response.get_data(as_text=True)
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf_token(client, "/login")}
    assert client.post(path, data=form).headers["Location"].endswith("/login")
    db.session.expire_all()
    assert User.by_email("ewa@example.org").awaiting_password


def test_a_forged_link_is_refused(client, db):
    assert client.get("/welcome/not-a-real-token").headers["Location"].endswith("/login")


def test_sending_again_replaces_the_link_and_is_audited(client, auth, db, app, smtp, admin):
    app.config.update(SMTP_PORT=smtp.port)
    _invite(auth)
    invitee = User.by_email("ewa@example.org")
    page = f"/admin/users/{invitee.id}"
    response = auth.post(f"/admin/users/{invitee.id}/invitation", {}, token_from=page, follow_redirects=True)
    assert "The invitation was sent again to ewa@example.org" in response.get_data(as_text=True)
    # Inviting the same address from the form sends it again too, adding the newly chosen role.
    response = _invite(auth, email="EWA@example.org", roles=["auditor"])
    assert response.headers["Location"] == page
    assert [e.actor_id for e in _entries(db, "auth:user:reinvited")] == [admin.id, admin.id]
    db.session.expire_all()
    assert db.session.get(User, invitee.id).roles == {Role.PROGRAM_OFFICER, Role.EVALUATOR, Role.AUDITOR}
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "ewa@example.org")) == 1

    auth.logout()
    assert mail.deliver_due()["sent"] == 3
    first, second, third = (_welcome_path(m) for m in smtp.messages)
    assert "Auditor" in _body(smtp.messages[2])
    for old in (first, second):  # only the newest link works
        assert client.get(old).headers["Location"].endswith("/login")
    assert _choose_password(client, third).headers["Location"] == "/account/2fa"


def test_inviting_an_account_that_has_a_password_is_refused(client, auth, db, admin):
    existing = factories.user(Role.APPLICANT, email="kasia@example.org", name="Kasia")
    response = _invite(auth, email="kasia@example.org")
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This person already has an account; give them roles on their page." in text
    assert f'href="/admin/users/{existing.id}"' in text
    db.session.expire_all()
    assert db.session.get(User, existing.id).roles == {Role.APPLICANT}
    assert not _entries(db, "auth:user:reinvited") and not _entries(db, "auth:user:invited")
    assert db.session.scalar(select(func.count()).select_from(mail.OutboxMessage)) == 0
    # Nor can the invitation be "sent again" to it.
    page = f"/admin/users/{existing.id}"
    assert "Send the invitation again" not in client.get(page).get_data(as_text=True)
    response = auth.post(f"/admin/users/{existing.id}/invitation", {}, token_from=page, follow_redirects=True)
    assert "has already chosen a password" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(mail.OutboxMessage)) == 0


def test_the_form_explains_what_is_missing(client, auth, db, admin):
    response = auth.post("/admin/users/invite", {"email": "not an address", "name": " ", "language": "en"},
                         token_from="/admin/users/invite")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("Enter a valid email address.", "Enter the person's name.", "Choose at least one role."):
        assert message in text, text[text.index("<main"):]
    refused = _invite(auth, roles=["applicant"])
    assert "not a valid choice" in refused.get_data(as_text=True)
    assert User.by_email("ewa@example.org") is None


def test_the_invitation_needs_a_csrf_token(client, auth, db, admin):
    response = client.post("/admin/users/invite", data={"email": "ewa@example.org", "name": "Ewa", "language": "en",
                                                        "roles": ["auditor"]})
    assert response.status_code in (200, 400)
    assert User.by_email("ewa@example.org") is None


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN], ids=lambda r: r.value)
def test_only_admins_reach_the_invitation_routes(client, auth, db, role):
    target = factories.user(Role.EVALUATOR)
    auth.login(factories.user(role).email)
    assert client.get("/admin/users/invite").status_code == 403
    assert auth.post("/admin/users/invite", {"email": "x@example.org", "name": "X", "language": "pl",
                                             "roles": ["admin"]}).status_code == 403
    assert auth.post(f"/admin/users/{target.id}/invitation", {}).status_code == 403
    assert User.by_email("x@example.org") is None


def test_unknown_user_ids_answer_404(client, auth, db, admin):
    assert auth.post("/admin/users/999999/invitation", {}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get("/admin/users/invite").headers["Location"].startswith("/login")


@pytest.mark.postgres_only
def test_four_admins_inviting_one_address_at_once_make_one_account_and_no_error(app, db):
    """Before: the first 302, the others 500 (a unique violation on the address)."""
    from tests.conftest import AuthActions

    requests = []
    for number in range(4):
        browser = app.test_client()
        AuthActions(browser).login(factories.user(Role.ADMIN, locale="en").email)
        requests.append((browser, "/admin/users/invite", {
            "csrf_token": csrf_token(browser, "/admin/users/invite"), "email": "Zofia@Example.org",
            "name": f"Zofia {number}", "language": "pl", "roles": ["evaluator"]}))
    assert post_at_once(requests, {"Accept-Language": "en"}) == [302] * 4
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "zofia@example.org")) == 1
    assert len(_entries(db, "auth:user:invited")) == 1
    # The others sent the link again: only the last one mailed works.
    assert len(_entries(db, "auth:user:reinvited")) == 3


@pytest.mark.postgres_only
def test_four_registrations_of_one_address_at_once_make_one_account_and_no_error(app, db):
    requests = []
    for _ in range(4):
        browser = app.test_client()
        requests.append((browser, "/register", {
            "csrf_token": csrf_token(browser, "/register"), "email": "jan@example.org", "name": "Jan Kowalski",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}))
    assert post_at_once(requests, {"Accept-Language": "en"}) == [302] * 4
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "jan@example.org")) == 1
