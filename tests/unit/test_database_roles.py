"""On PostgreSQL the app connects as a role that owns nothing: it cannot switch off, change, empty or give
away the audit table (DESIGN §4.2), yet it can append to it and do its ordinary work; every table the
migrations make, later ones included, is granted to it (grants/database_roles.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from grants.database_roles import DEFAULT_TABLE_PRIVILEGES, DatabaseRoleError, app_role, grant_app_privileges
from tests import factories
from tests.support.postgres import APP_ROLE, OWNER_ROLE, as_role

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

# What the probe tried, and how the database answers the app's role now (SQLSTATE 42501 every time).
REFUSED = [
    ("ALTER TABLE audit_entry DISABLE TRIGGER ALL", "must be owner of table audit_entry"),
    ("ALTER TABLE audit_entry DISABLE TRIGGER USER", "must be owner of table audit_entry"),
    ("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update_delete", "must be owner of table audit_entry"),
    ("UPDATE audit_entry SET action = 'forged:entry:here'", "permission denied for table audit_entry"),
    ("DELETE FROM audit_entry", "permission denied for table audit_entry"),
    ("TRUNCATE audit_entry", "permission denied for table audit_entry"),
    ("DROP TABLE audit_entry", "must be owner of table audit_entry"),
    (f"ALTER TABLE audit_entry OWNER TO {APP_ROLE}", "must be owner of table audit_entry"),
    ("CREATE TRIGGER forged BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
     "permission denied for table audit_entry"),
    ("ALTER TABLE application DISABLE TRIGGER USER", "must be owner of table application"),
    ("SET session_replication_role = replica", 'permission denied to set parameter "session_replication_role"'),
    (f"SET ROLE {OWNER_ROLE}", f'permission denied to set role "{OWNER_ROLE}"'),
    ("CREATE TABLE forged (id integer)", "permission denied for schema public"),
]


@pytest.mark.postgres_only
@pytest.mark.parametrize("statement, message", REFUSED, ids=[statement for statement, _ in REFUSED])
def test_the_apps_connection_cannot_rewrite_the_audit_trail(db, statement, message):
    from grants.services import audit

    audit.record("test:entry:written", data={"n": 1})
    db.session.commit()
    with db.engine.connect() as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text(statement))
    assert refused.value.orig.sqlstate == "42501"  # insufficient_privilege
    assert message in str(refused.value.orig)
    assert audit.verify().ok


@pytest.mark.postgres_only
def test_the_app_appends_to_the_audit_trail_and_does_its_work(db):
    from grants.applications import counts
    from grants.auth.models import Organisation
    from grants.engine.core import fire
    from grants.services import audit

    who = db.session.execute(text(
        "SELECT current_user, tableowner FROM pg_tables WHERE tablename = 'audit_entry'")).one()
    assert who == (APP_ROLE, OWNER_ROLE)
    officer = factories.user(factories.Role.PROGRAM_OFFICER)
    application = factories.application(status="submitted")
    db.session.commit()
    fire(application, "start_check", officer)  # a row lock, an update, a history row, an audit entry
    audit.record("test:entry:written", actor=officer, data={"n": 1})
    officer.name = "Renamed"
    db.session.delete(db.session.get(Organisation, factories.organisation().id))
    db.session.commit()
    counts.compact()  # LOCK TABLE, DELETE … RETURNING and INSERT on the kept counts
    counts.recount()
    assert counts.state_counts([application.call_id]) == {application.call_id: {"formal_check": 1}}
    assert audit.verify().ok


@pytest.mark.postgres_only
def test_the_triggers_still_refuse_the_owner(db):
    """Privileges stop the app; the append-only triggers stay, and stop a migration that forgets itself."""
    from grants.services import audit

    audit.record("test:entry:written", data={"n": 1})
    db.session.commit()
    owner = create_engine(as_role(db.engine.url, OWNER_ROLE))
    try:
        for statement in ("UPDATE audit_entry SET action = 'forged:entry:here'", "DELETE FROM audit_entry",
                          "TRUNCATE audit_entry"):
            with owner.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
    finally:
        owner.dispose()


@pytest.mark.postgres_only
def test_every_table_has_exactly_the_privileges_the_app_needs(db):
    tables = [table.name for table in db.metadata.sorted_tables] + ["alembic_version"]
    expected = {name: set(DEFAULT_TABLE_PRIVILEGES) for name in tables}
    expected |= {"audit_entry": {"SELECT", "INSERT"}, "alembic_version": {"SELECT"}}
    granted = {name: {p for p in TABLE_PRIVILEGES
                      if db.session.scalar(text("SELECT has_table_privilege(:t, :p)"), {"t": name, "p": p})}
               for name in tables}
    assert granted == expected
    sequences = db.session.execute(text(
        "SELECT relname, has_sequence_privilege(oid, 'USAGE'), has_sequence_privilege(oid, 'UPDATE') "
        "FROM pg_class WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace")).all()
    assert sequences and all(usage and not update for _name, usage, update in sequences)
    assert db.session.scalar(text("SELECT has_function_privilege('audit_chain_head(bigint)', 'EXECUTE')"))


# --- migrations: tables added later are granted; an app role that could act as owner is refused -------

@pytest.fixture
def fresh_database(postgres_url, postgres_roles, tmp_path):
    """An empty database owned by the owner role: (owner URL, app URL)."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"roles_{tmp_path.name[-20:].lower().replace('-', '_')}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}'))
        conn.execute(text(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC'))
    yield tuple(as_role(admin.url.set(database=name), role) for role in (OWNER_ROLE, APP_ROLE))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _usable(app_url: str, table: str) -> bool:
    engine = create_engine(app_url)
    try:
        with engine.begin() as conn:
            for privilege in DEFAULT_TABLE_PRIVILEGES:
                if not conn.scalar(text("SELECT has_table_privilege(:t, :p)"), {"t": table, "p": privilege}):
                    return False
            return True
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_tables_made_by_later_migrations_are_granted_to_the_app(db_kind, fresh_database, tmp_path):
    from flask_migrate import upgrade

    from grants import create_app

    owner_url, app_url = fresh_database
    app = create_app({"TESTING": True, "DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url,
                      "SECRET_KEY": "m", "INSTANCE_PATH": str(tmp_path), "MAIL_BACKGROUND": False})
    owner = create_engine(owner_url)
    try:
        with app.app_context():
            upgrade(revision="0007_group_member_pesel")
            assert _usable(app_url, "application")
            upgrade()  # 0008 makes application_state_count
            assert _usable(app_url, "application_state_count")
            with owner.begin() as conn:  # as a later migration would
                conn.execute(text("CREATE TABLE later_thing (id serial PRIMARY KEY, note text)"))
            assert not _usable(app_url, "later_thing")
            upgrade()  # nothing to migrate; the grants are applied again all the same
            assert _usable(app_url, "later_thing")
            from grants.extensions import db

            db.session.execute(text("INSERT INTO later_thing (note) VALUES ('x')"))
            db.session.commit()
            assert db.session.scalar(text("SELECT count(*) FROM later_thing")) == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        owner.dispose()


@pytest.mark.postgres_only
def test_an_app_role_that_could_act_as_the_owner_is_refused(db_kind, fresh_database, postgres_url):
    owner_url, _app_url = fresh_database
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    owner = create_engine(owner_url)
    member = "pomost_owner_member"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {member}"))
            conn.execute(text(f"CREATE ROLE {member} LOGIN IN ROLE {OWNER_ROLE}"))
        with owner.begin() as conn:
            conn.execute(text("CREATE TABLE owned (id integer)"))
            with pytest.raises(DatabaseRoleError, match=f"REASSIGN OWNED BY {member}"):
                grant_app_privileges(conn, member)
            assert grant_app_privileges(conn, OWNER_ROLE) is False  # one role for both: nothing to grant
    finally:
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {member}"))
        admin.dispose()


def test_the_app_role_is_the_user_the_app_connects_as_unless_named():
    uri = "postgresql+psycopg://pomost_app:secret@db.example.org/pomost"
    assert app_role({"SQLALCHEMY_DATABASE_URI": uri}) == "pomost_app"
    assert app_role({"SQLALCHEMY_DATABASE_URI": uri, "DATABASE_APP_ROLE": "pomost_web"}) == "pomost_web"
    assert app_role({"SQLALCHEMY_DATABASE_URI": "sqlite:///pomost.db"}) is None


def test_the_owner_url_is_read_like_the_apps(tmp_path):
    from grants import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_OWNER_URL": "postgres://pomost_owner:secret@db.example.org/pomost"})
    assert app.config["DATABASE_OWNER_URL"] == "postgresql+psycopg://pomost_owner:secret@db.example.org/pomost"
