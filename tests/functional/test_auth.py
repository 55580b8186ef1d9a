"""Signing in and out, throttling, password reset by email, TOTP, CSRF and cookie flags."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from grants.auth.models import Programme, Role, User
from grants.services import mail
from grants.services.audit import AuditEntry
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.real_password_hashing
def test_password_is_hashed_with_a_current_algorithm(db):
    user = factories.user(Role.APPLICANT)
    assert user.password_hash.startswith("scrypt:")
    assert factories.PASSWORD not in user.password_hash


def test_sign_in_and_out(client, auth, db):
    user = factories.user(Role.APPLICANT)
    assert auth.login(user.email).status_code == 302
    assert client.get("/applicant").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/applicant").status_code == 302
    assert "auth:login:succeeded" in _actions(db)


def test_email_is_case_insensitive(client, auth, db):
    user = factories.user(Role.APPLICANT, email="Maria@Example.org")
    assert user.email == "maria@example.org"
    auth.login("  MARIA@example.ORG ")
    assert client.get("/applicant").status_code == 200


def test_wrong_password_is_refused_and_audited(client, auth, db):
    user = factories.user(Role.APPLICANT)
    response = auth.login(user.email, "wrong password!!")
    assert response.status_code == 200
    assert client.get("/applicant").status_code == 302
    assert "auth:login:failed" in _actions(db)


def test_inactive_account_cannot_sign_in(client, auth, db):
    user = factories.user(Role.APPLICANT, active=False)
    auth.login(user.email)
    assert client.get("/applicant").status_code == 302


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, auth, db, app):
    user = factories.user(Role.APPLICANT)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user.email, "nope nope nope")
    locked = auth.login(user.email)
    assert locked.status_code == 429
    assert client.get("/applicant").status_code == 302
    # Another account from the same address is not locked by someone else's failures.
    other = factories.user(Role.APPLICANT)
    assert auth.login(other.email).status_code == 302


def test_lock_expires(client, auth, db, app):
    from grants.auth.models import LoginAttempt

    user = factories.user(Role.APPLICANT)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user.email, "nope nope nope")
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.at = utcnow() - timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    db.session.commit()
    assert auth.login(user.email).status_code == 302


def test_post_without_csrf_token_is_refused(client, db):
    user = factories.user(Role.APPLICANT)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/applicant").status_code == 302


def test_session_cookie_flags(app_config, database_url, tmp_path):
    from grants import create_app

    production = create_app({**app_config, "TESTING": False, "AUDIT_KEY": "audit-" + "k" * 40})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with production.app_context():
        from grants.extensions import db as _db
        _db.engine.dispose()


def _reset_link(message) -> str:
    body = message.get_payload(0).get_payload(decode=True).decode() if message.is_multipart() \
        else message.get_payload(decode=True).decode()
    return re.search(r"http\S+/password/reset/\S+", body).group(0)


def test_password_reset_by_emailed_token(client, auth, db, app, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    user = factories.user(Role.APPLICANT)
    response = auth.post("/password/forgot", {"email": user.email}, token_from="/password/forgot")
    assert response.status_code == 302
    assert mail.deliver_due()["sent"] == 1
    [message] = smtp.messages
    assert message["To"] == user.email
    path = "/" + _reset_link(message).split("/", 3)[3]
    new = "a brand new passphrase"
    response = client.post(path, data={"password": new, "confirm": new, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert auth.login(user.email, new).status_code == 302
    assert client.get("/applicant").status_code == 200
    auth.logout()
    # The link is spent once used.
    assert client.get(path).headers["Location"].endswith("/password/forgot")
    assert "auth:password:reset" in _actions(db)


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(auth, db):
    response = auth.post("/password/forgot", {"email": "nobody@example.org"}, token_from="/password/forgot",
                         follow_redirects=True)
    assert "If an account exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(mail.OutboxMessage)) == 0


def test_forged_reset_token_is_refused(client, db):
    response = client.get("/password/reset/not-a-real-token")
    assert response.headers["Location"].endswith("/password/forgot")


def _enrol(client, auth) -> str:
    page = client.get("/account/2fa").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = auth.post("/account/2fa", {"code": pyotp.TOTP(secret).now()}, token_from="/account/2fa")
    assert response.status_code == 302
    return secret


def test_totp_enrolment_then_sign_in_needs_the_code(client, auth, db):
    user = factories.user(Role.APPLICANT)
    auth.login(user.email)
    secret = _enrol(client, auth)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_enabled
    auth.logout()

    response = auth.login(user.email)
    assert response.headers["Location"].endswith("/login/verify")
    assert client.get("/applicant").status_code == 302  # not signed in until the code is given
    bad = client.post("/login/verify", data={"code": "000000", "csrf_token": csrf_token(client, "/login/verify")})
    assert bad.status_code == 200
    totp = pyotp.TOTP(secret)
    code = totp.at(utcnow() + timedelta(seconds=30))  # the next step: not yet spent by enrolment
    ok = client.post("/login/verify", data={"code": code, "csrf_token": csrf_token(client, "/login/verify")})
    assert ok.status_code == 302
    assert client.get("/applicant").status_code == 200
    auth.logout()
    # The same code cannot be replayed.
    auth.login(user.email)
    replay = client.post("/login/verify", data={"code": code, "csrf_token": csrf_token(client, "/login/verify")})
    assert replay.status_code == 200
    assert client.get("/applicant").status_code == 302


def test_wrong_enrolment_code_does_not_enable_totp(client, auth, db):
    user = factories.user(Role.APPLICANT)
    auth.login(user.email)
    client.get("/account/2fa")
    auth.post("/account/2fa", {"code": "123456"}, token_from="/account/2fa")
    db.session.expire_all()
    assert not db.session.get(User, user.id).totp_enabled


def test_staff_must_enrol_when_the_programme_requires_it(client, auth, db):
    db.session.add(Programme(name="OWES", require_staff_2fa=True))
    db.session.commit()
    officer = factories.user(Role.PROGRAM_OFFICER)
    response = auth.login(officer.email)
    assert response.headers["Location"].endswith("/account/2fa")
    assert client.get("/officer").headers["Location"].endswith("/account/2fa")
    _enrol(client, auth)
    assert client.get("/officer").status_code == 200
    # Staff may not switch it off while the programme requires it.
    auth.post("/account/2fa/disable", {})
    db.session.expire_all()
    assert db.session.get(User, officer.id).totp_enabled


def test_applicants_are_not_forced_to_enrol(client, auth, db):
    db.session.add(Programme(name="OWES", require_staff_2fa=True))
    db.session.commit()
    applicant = factories.user(Role.APPLICANT)
    auth.login(applicant.email)
    assert client.get("/applicant").status_code == 200


def test_admin_manages_roles_and_every_change_is_audited(client, auth, db):
    admin = factories.user(Role.ADMIN)
    target = factories.user(Role.APPLICANT)
    auth.login(admin.email)
    page = f"/admin/users/{target.id}"
    auth.post(f"/admin/users/{target.id}/roles", {"role": "evaluator"}, token_from=page)
    auth.post(f"/admin/users/{target.id}/roles/applicant/revoke", {}, token_from=page)
    auth.post(f"/admin/users/{target.id}/active", {}, token_from=page)
    db.session.expire_all()
    target = db.session.get(User, target.id)
    assert target.roles == {Role.EVALUATOR} and not target.active
    actions = _actions(db)
    assert {"auth:role:granted", "auth:role:revoked", "auth:user:deactivated"} <= set(actions)


def test_admin_cannot_lock_themself_out(client, auth, db):
    admin = factories.user(Role.ADMIN)
    auth.login(admin.email)
    page = f"/admin/users/{admin.id}"
    auth.post(f"/admin/users/{admin.id}/roles/admin/revoke", {}, token_from=page)
    auth.post(f"/admin/users/{admin.id}/active", {}, token_from=page)
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert Role.ADMIN in admin.roles and admin.active


def test_programme_settings_are_saved_by_an_admin_and_reading_them_writes_nothing(client, auth, db):
    from sqlalchemy import func, select

    admin = factories.user(Role.ADMIN)
    auth.login(admin.email)
    client.get("/admin/programme")
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 0
    defaults = {"name": "Pomost", "currency": "PLN", "time_zone": "Europe/Warsaw"}
    auth.post("/admin/programme", {**defaults, "require_staff_2fa": "y"}, token_from="/admin/programme")
    assert db.session.scalars(select(Programme)).one().require_staff_2fa is True


def test_an_admin_sets_the_programme_currency_and_time_zone_and_the_change_is_audited(client, auth, db):
    from sqlalchemy import select

    from grants.services.audit import AuditEntry

    auth.login(factories.user(Role.ADMIN, locale="en").email)
    page = client.get("/admin/programme").get_data(as_text=True)
    assert '<option selected value="Europe/Warsaw">' in page and "EUR · Euro" in page
    refused = auth.post("/admin/programme", {"name": "OWES", "currency": "XYZ", "time_zone": "Mars/Olympus"},
                        token_from="/admin/programme")
    assert refused.status_code == 200 and refused.get_data(as_text=True).count("Not a valid choice") == 2
    assert db.session.scalars(select(Programme)).first() is None  # nothing saved
    auth.post("/admin/programme", {"name": "OWES Dolny Śląsk", "currency": "EUR", "time_zone": "Europe/Dublin"},
              token_from="/admin/programme")
    db.session.expire_all()
    programme = Programme.current()
    assert (programme.name, programme.currency, programme.time_zone) == ("OWES Dolny Śląsk", "EUR", "Europe/Dublin")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "admin:programme:updated")).one()
    assert entry.data["time_zone"] == ["Europe/Warsaw", "Europe/Dublin"] and entry.data["currency"] == ["PLN", "EUR"]
    assert "require_staff_2fa" not in entry.data
