"""A throwaway PostgreSQL cluster on 127.0.0.1 for one test session (about a second to start), and the two
roles production runs with (README, "Database roles"): an owner that migrations connect as, and the app's
role that owns nothing."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from typing import Callable

PG_BIN_GLOBS = ("/usr/lib/postgresql/*/bin",)
OWNER_ROLE, APP_ROLE = "pomost_owner", "pomost_app"
# Test-only passwords: the throwaway cluster trusts local connections, an external test server may not.
ROLE_PASSWORDS = {OWNER_ROLE: "pomost-owner-test", APP_ROLE: "pomost-app-test"}


class PostgresUnavailable(RuntimeError):
    pass


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for pattern in PG_BIN_GLOBS:
        for folder in sorted(glob.glob(pattern), reverse=True):
            candidate = os.path.join(folder, name)
            if os.access(candidate, os.X_OK):
                return candidate
    raise PostgresUnavailable(f"{name} not found; install PostgreSQL server binaries (e.g. postgresql-15)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; run the server as the postgres system user instead.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def start_postgres() -> tuple[str, Callable[[], None]]:
    """initdb + pg_ctl start; returns a SQLAlchemy URL of an empty database and a stop function."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    base = tempfile.mkdtemp(prefix="pomost-pg-")
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.mkdir(sock)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o700)
    port = free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    try:
        subprocess.run(_as_postgres([initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                     "--no-sync", "--locale=C.UTF-8"]), **run)
        options = (f"-k {sock} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        subprocess.run(_as_postgres([pg_ctl, "-D", data, "-o", options, "-l", os.path.join(base, "log"),
                                     "-w", "-t", "60", "start"]), **run)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", "") or ""
        log = os.path.join(base, "log")
        if os.path.exists(log):
            detail += open(log).read()[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"could not start PostgreSQL: {error}\n{detail}") from error

    def stop() -> None:
        subprocess.run(_as_postgres([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)

    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE pomost_test")
    except Exception:
        stop()
        raise
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/pomost_test", stop


def worker_database(url: str):
    """An external server's database for this test process: the URL itself, or, when pytest-xdist runs the
    suite in several processes, a database of each worker's own (made anew, dropped at the end), as the tests
    empty tables between tests. Roles are the server's and shared."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield url
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    own = make_url(url).set(drivername="postgresql+psycopg")
    own = own.set(database=f"{own.database}_{worker}")
    admin = create_engine(own.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    try:
        yield own.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        admin.dispose()


def as_role(url, role: str) -> str:
    """The same server and database as `url` (a string or SQLAlchemy URL), connected as one of the test roles."""
    from sqlalchemy.engine import make_url

    url = make_url(url).set(drivername="postgresql+psycopg", username=role, password=ROLE_PASSWORDS[role])
    return url.render_as_string(hide_password=False)


def create_roles(superuser_url: str) -> tuple[str, str]:
    """Create (or reset) the owner and app roles as the README says, give the database to the owner, and
    return (owner URL, app URL). The app's role gets its privileges from the migrations (grants/database_roles.py)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(superuser_url).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            existing = set(conn.scalars(text("SELECT rolname FROM pg_roles WHERE rolname IN (:o, :a)"),
                                        {"o": OWNER_ROLE, "a": APP_ROLE}))
            attributes = {OWNER_ROLE: "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
                          APP_ROLE: "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"}
            for role, attrs in attributes.items():
                # Roles are cluster-wide: an external test server may keep them from an earlier run.
                verb = "ALTER" if role in existing else "CREATE"
                conn.execute(text(f"{verb} ROLE {role} {attrs} PASSWORD '{ROLE_PASSWORDS[role]}'"))
            conn.execute(text(f'ALTER DATABASE "{url.database}" OWNER TO {OWNER_ROLE}'))
            conn.execute(text(f'REVOKE ALL ON DATABASE "{url.database}" FROM PUBLIC'))
            # The default since PostgreSQL 15; older servers let every role create tables in public.
            conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    finally:
        engine.dispose()
    return as_role(url, OWNER_ROLE), as_role(url, APP_ROLE)
