"""Losing the database in the middle of a request: the request fails cleanly, nothing is half-written,
and the next request works."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from grants.applications.models import Application, ApplicationVersion
from grants.services.audit import AuditEntry
from grants.services.mail import OutboxMessage
from tests import factories
from tests.functional.test_applying import _complete, _submit

pytestmark = pytest.mark.postgres_only


def _counts(db) -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (ApplicationVersion, AuditEntry, OutboxMessage)}


@pytest.fixture
def kill_backend_at(db, postgres_url):
    """Terminate the app's own database backend, from a superuser's connection, just before it runs the
    first statement that starts with a given text (once)."""
    admin = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool)
    armed: dict[str, str | None] = {"prefix": None, "killed": None}

    @event.listens_for(db.engine, "before_cursor_execute")
    def kill(conn, cursor, statement, parameters, context, executemany):
        if armed["prefix"] and statement.lstrip().upper().startswith(armed["prefix"]):
            armed["prefix"], armed["killed"] = None, statement.split("\n", 1)[0]
            with admin.begin() as superuser:
                superuser.execute(text("SELECT pg_terminate_backend(:pid)"),
                                  {"pid": conn.connection.dbapi_connection.info.backend_pid})

    def arm(prefix: str) -> dict:
        armed["prefix"] = prefix.upper()
        return armed

    yield arm
    event.remove(db.engine, "before_cursor_execute", kill)
    admin.dispose()


def test_a_submission_cut_off_by_a_lost_connection_writes_nothing_and_can_be_repeated(
        client, auth, db, kill_backend_at):
    from tests.functional.test_applying import ATTACHMENTS, FORM

    owner = factories.user(factories.Role.APPLICANT, locale="en")
    call = factories.call(form=FORM, required_attachments=ATTACHMENTS)
    application = factories.application(call, factories.organisation(owner), requested="0")
    auth.login(owner.email)
    _complete(client, application)
    before = _counts(db)

    # Cut off in the middle of the transition: after the state changed, while the frozen version is written.
    armed = kill_backend_at("INSERT INTO application_version")
    answer = _submit(client, application)
    assert armed["killed"], "the connection was never cut"
    assert answer.status_code == 503
    assert "Nothing was saved" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "draft"
    assert _counts(db) == before

    # The next request gets a working connection, and the submission goes through.
    assert client.get(f"/applications/{application.id}").status_code == 200
    assert _submit(client, application).status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "submitted"
    assert _counts(db)["ApplicationVersion"] == before["ApplicationVersion"] + 1


def test_a_database_that_cannot_be_reached_answers_503(app_config):
    from grants import create_app
    from tests.support.postgres import free_port

    unreachable = create_app({**app_config, "DATABASE_URL": f"postgresql://pomost@127.0.0.1:{free_port()}/pomost",
                              "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    answer = unreachable.test_client().get("/calls/", headers={"Accept-Language": "en"})
    assert answer.status_code == 503
    assert "Nothing was saved" in answer.get_data(as_text=True)
