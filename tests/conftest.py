"""Test fixtures: the app on SQLite and on a throwaway PostgreSQL, S3 (moto) and SMTP (aiosmtpd) servers.

Every test that uses `app` runs twice, once per database; its id ends in [sqlite] or [postgresql].
On PostgreSQL the app runs as it does in production: migrations as an owner role, the app as a role that
owns nothing (tests/support/postgres.py); the superuser only creates the roles and empties the tables.
With CI=true a service that cannot start fails the run instead of skipping tests.
"""
from __future__ import annotations

import contextvars
import functools
import gc
import os
import re
import shutil
from collections import Counter

import pytest
from flask.testing import FlaskClient
from jinja2.bccache import BytecodeCache
from sqlalchemy import create_engine, text

from tests.support.postgres import PostgresUnavailable, create_roles, start_postgres, worker_database
from tests.support.smtp import SmtpSink

IN_CI = os.environ.get("CI", "").lower() == "true"
DATABASES = ("sqlite", "postgresql")
_outcomes: Counter = Counter()


def pytest_configure(config):
    """The session's imports (the app, SQLAlchemy's metadata, the libraries) stay alive to its end: frozen, the
    collector no longer walks them at every full collection, and it runs less often (each test makes an app and
    a database session, thousands of short-lived objects). A sixth less CPU over a sample of functional tests."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def unavailable(what: str, error: BaseException | str):
    """Fail in CI (nothing may be skipped there), skip elsewhere."""
    message = f"{what} unavailable: {error}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_generate_tests(metafunc):
    if "db_kind" in metafunc.fixturenames:
        kinds = list(DATABASES)
        if metafunc.definition.get_closest_marker("postgres_only"):
            kinds = ["postgresql"]
        elif metafunc.definition.get_closest_marker("sqlite_only"):
            kinds = ["sqlite"]
        metafunc.parametrize("db_kind", kinds, scope="session")


# --- services, one per session ------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_url():
    """A superuser's URL of an empty database: the session's own cluster, or POMOST_TEST_POSTGRES_URL."""
    url = os.environ.get("POMOST_TEST_POSTGRES_URL")
    if url:
        yield from worker_database(url)
        return
    try:
        url, stop = start_postgres()
    except PostgresUnavailable as error:
        unavailable("PostgreSQL", error)
    try:
        yield url
    finally:
        stop()


@pytest.fixture(scope="session")
def s3_endpoint():
    from tests.support.s3 import start_s3_server

    try:
        endpoint, stop = start_s3_server()
    except Exception as error:  # noqa: BLE001
        unavailable("S3 server (moto)", error)
    try:
        yield endpoint
    finally:
        stop()


@pytest.fixture(scope="session")
def smtp_server():
    try:
        sink = SmtpSink().start()
    except Exception as error:  # noqa: BLE001
        unavailable("SMTP sink (aiosmtpd)", error)
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


# --- passwords: production's scrypt costs ~0.12 s per hash and per check ---------------------------

@functools.lru_cache(maxsize=None)
def _quick_password_hash(password: str, *args, **kwargs) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def quick_password_hashing(request, monkeypatch):
    """Tests hash passwords with one round of PBKDF2, once per password: a dozen accounts and logins per test
    would otherwise cost seconds. Checking stays werkzeug's own. A test marked `real_password_hashing` keeps
    production's hasher."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr("grants.auth.models.generate_password_hash", _quick_password_hash)


# --- databases: migrated once per session, reset per test ------------------------------------------

def _migrate(url: str, instance_path: str, owner_url: str | None = None) -> None:
    from flask_migrate import upgrade

    from grants import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url,
                      "INSTANCE_PATH": instance_path, "SECRET_KEY": "test-secret-key-not-for-production",
                      "MAIL_BACKGROUND": False})
    with app.app_context():
        upgrade()
        from grants.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_roles(postgres_url) -> tuple[str, str]:
    """(owner URL, app URL) of the session's PostgreSQL database; the owner owns it and its schema."""
    return create_roles(postgres_url)


@pytest.fixture(scope="session")
def migrated_database(db_kind, tmp_path_factory, request):
    """A database at the head migration: a template file for SQLite; for PostgreSQL the session's database,
    migrated as the owner, and the app role's URL."""
    instance = str(tmp_path_factory.mktemp("instance"))
    if db_kind == "sqlite":
        template = os.path.join(instance, "template.db")
        _migrate(f"sqlite:///{template}", instance)
        return template
    owner_url, app_url = request.getfixturevalue("postgres_roles")
    _migrate(app_url, instance, owner_url=owner_url)
    _remember_seeded(request.getfixturevalue("postgres_url"))
    return app_url


# Tables the migrations fill with reference data (the published rates): emptied with the rest between tests
# and put back as the migrations left them, as the SQLite template copy does by itself.
SEEDED_TABLES = ("rate",)
_seeded: dict[str, list[dict]] = {}


def _engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _remember_seeded(url: str) -> None:
    engine = _engine(url)
    with engine.connect() as conn:
        for table in SEEDED_TABLES:
            _seeded[table] = [dict(row._mapping) for row in conn.execute(text(f'SELECT * FROM "{table}"'))]
    engine.dispose()


def _reset_postgres(url: str) -> None:
    """Empty every table and restart every sequence. DELETE of a few rows costs a fifth of TRUNCATE, which makes
    new files for each of some seventy tables and their indexes."""
    engine = _engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        sequences = list(conn.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")))
        # Replica mode skips user triggers, foreign keys' included: the append-only audit table can be emptied
        # and the tables in any order.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        if tables:
            conn.execute(text("; ".join(f'DELETE FROM "{t}"' for t in tables)))
        if sequences:
            conn.execute(text("; ".join(f'ALTER SEQUENCE "{s}" RESTART' for s in sequences)))
        for table, rows in _seeded.items():
            if rows:
                columns = list(rows[0])
                conn.execute(text(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES '
                                  f'({", ".join(":" + c for c in columns)})'), rows)
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                  f'(SELECT max(id) FROM "{table}"))'))
    engine.dispose()


@pytest.fixture
def empty_database_url(db_kind, tmp_path, request):
    """A database with no schema at all, of the kind under test (for tests that run the migrations)."""
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    server = request.getfixturevalue("postgres_url")
    admin = create_engine(server.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = f"empty_{tmp_path.name[-20:].lower().replace('-', '_')}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(db_kind, migrated_database, tmp_path, request):
    """The URL the app connects with: a fresh copy of the template, or the app role on emptied tables."""
    if db_kind == "sqlite":
        path = tmp_path / "pomost.db"
        shutil.copyfile(migrated_database, path)
        yield f"sqlite:///{path}"
    else:
        _reset_postgres(request.getfixturevalue("postgres_url"))
        yield migrated_database


@pytest.fixture
def app_config(database_url, tmp_path):
    """Override to change configuration for a test module."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "STORAGE": "local",
        "STORAGE_PATH": str(tmp_path / "storage"),
        "MAIL_BACKGROUND": False,
        "DASHBOARD_CACHE_SECONDS": 0,  # a test sees the figures of the data it has just made
        "WTF_CSRF_ENABLED": True,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": 1,  # nothing listens there: a test that wants mail delivered uses the smtp fixture
        "SMTP_TIMEOUT": 2,
    }


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server would: its own app context, `g` and DB session.

    Without this, a request made while the test holds an app context reuses it, and state leaks
    between requests (a cached CSRF token, objects in the session) that no real server would share.
    """

    def open(self, *args, **kwargs):
        # What the test built is committed before the request, as it would be by the time a person acts.
        from flask import has_app_context

        from grants.extensions import db

        if has_app_context():
            db.session.commit()
        # Buffered: a streamed body is produced inside the request's context, as a server would.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole session: every test makes a new app, whose Jinja environment
    would otherwise parse and compile each template it renders again. Keyed by name and the source's checksum,
    so an edited template is compiled anew."""

    def __init__(self):
        self.code: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket):
        kept = self.code.get(bucket.key)
        if kept and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = (bucket.checksum, bucket.code)


TEMPLATE_CODE = SharedTemplateCode()


def _share_url_builders() -> None:
    """Werkzeug compiles a URL builder for every route of every new app (two per rule, through `ast` and
    `compile`): a third of making an app. A builder is a plain function of the rule's parsed parts, so the
    session keeps one per distinct rule and every app's rules share it. Production makes its app once."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return
    built: dict[tuple, object] = {}

    def shared_builder(self, append_unknown=True):
        defaults = self.defaults or {}
        key = (tuple(self._trace), append_unknown, repr(sorted(defaults.items())),
               tuple(type(self._converters[k]).__name__ for k in sorted(defaults) if k in self._converters))
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    shared_builder.shared = True
    Rule._compile_builder = shared_builder


_share_url_builders()


@pytest.fixture
def app(app_config):
    from grants import create_app
    from grants.extensions import db

    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app):
    from grants.extensions import db

    return db


@pytest.fixture
def client(app):
    """A browser that prefers English, so assertions can quote the English messages."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- helpers for functional tests --------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = "correct horse battery", follow_redirects: bool = False):
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                                follow_redirects=follow_redirects)

    def logout(self):
        token = csrf_token(self.client, "/account")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, token_from: str | None = None, **kwargs):
        """POST a form with a valid CSRF token taken from a page the user can open."""
        payload = dict(data or {})
        payload["csrf_token"] = csrf_token(self.client, token_from or "/account")
        return self.client.post(path, data=payload, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


# --- reporting: which database each test ran on ------------------------------------------------------

def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        match = re.search(r"\[(?:[^\]]*-)?(sqlite|postgresql)(?:-[^\]]*)?\]$", report.nodeid)
        _outcomes[(match.group(1) if match else "no database", report.outcome)] += 1


def pytest_terminal_summary(terminalreporter):
    if not _outcomes:
        return
    terminalreporter.section("tests per database")
    for kind in (*DATABASES, "no database"):
        counts = {o: n for (k, o), n in _outcomes.items() if k == kind}
        if counts:
            terminalreporter.write_line(
                f"{kind:<12} " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
