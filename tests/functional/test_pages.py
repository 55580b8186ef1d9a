"""Health check, error pages, language switching and security headers."""
from __future__ import annotations

from grants.auth.models import Role, User
from tests import factories
from tests.conftest import csrf_token


def test_healthz_reports_database_and_storage(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "storage": "ok"}


def test_healthz_fails_when_storage_is_broken(client, app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    from grants.services import storage

    app.extensions["pomost_storage"] = storage.create_storage({**app.config, "STORAGE_PATH": str(blocker)})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["storage"] == "error" and response.json["status"] == "error"


def test_404_page_is_a_product_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Pomost" in response.get_data(as_text=True)


def test_500_page_rolls_back_and_explains(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    app.view_functions["boom"]._pomost_access = "public"
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Nothing was saved" in response.get_data(as_text=True) or "Nic nie" in response.get_data(as_text=True)


def test_language_switch_for_anonymous_and_signed_in_users(client, auth, db):
    client.post("/language", data={"language": "en", "csrf_token": csrf_token(client, "/login")})
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"language": "pl", "csrf_token": csrf_token(client, "/login")})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="pl"' in page and "Zaloguj" in page

    user = factories.user(Role.APPLICANT, locale="pl")
    auth.login(user.email)
    client.post("/language", data={"language": "en", "csrf_token": csrf_token(client, "/account")})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"  # remembered for emails and next sign-in
    assert "Sign out" in client.get("/account").get_data(as_text=True)


def test_the_language_chosen_before_signing_in_is_kept_and_signing_out_keeps_it(client, auth, db):
    """Before: a person who switched the sign-in page to English landed in Polish, their stored language."""
    user = factories.user(Role.APPLICANT, locale="pl")
    client.post("/language", data={"language": "en", "csrf_token": csrf_token(client, "/login")})
    auth.login(user.email)
    page = client.get("/account").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign out" in page
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"  # and their mail follows
    auth.logout()
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    # The next person at the same browser made no choice: their stored language wins over the last one's
    # and over the browser's.
    other = factories.user(Role.APPLICANT, locale="pl")
    auth.login(other.email)
    assert 'lang="pl"' in client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_bootstrap_is_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assert "cdn" not in page.lower()
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200


def test_form_messages_follow_the_language(client, db_kind):
    """wtforms' own messages come from its catalogue, read once per process and per language."""
    from flask_babel import refresh
    from wtforms import StringField
    from wtforms.validators import InputRequired

    from grants.forms import BaseForm

    class Probe(BaseForm):
        name = StringField(validators=[InputRequired()])

    app = client.application
    app.config["WTF_CSRF_ENABLED"] = False
    for language, message in (("pl", "To pole jest wymagane."), ("en", "This field is required.")):
        with app.test_request_context("/", method="POST", data={}, headers={"Accept-Language": language}):
            refresh()  # the fixture's app context outlives this request; a real request starts afresh
            form = Probe()
            assert not form.validate()
            assert form.name.errors == [message]
