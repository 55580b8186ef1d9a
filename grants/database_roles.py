"""What the app's own PostgreSQL role may do, granted again at the end of every migration run.

In production the schema belongs to an owner role that only migrations connect as
(POMOST_DATABASE_OWNER_URL); the app connects as a role that owns nothing (POMOST_DATABASE_URL). A
table's owner can always disable its triggers, drop it or give it away, so an app that owned the audit
table could rewrite history whatever the triggers say; a role that owns nothing can do only what is
granted here. Granting after every run (not ALTER DEFAULT PRIVILEGES) keeps the rules in one place, in
code, and covers whatever a migration creates, whoever it runs as.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

# Every table not listed gets DEFAULT_TABLE_PRIVILEGES; tables that must not be changed are listed here.
TABLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "audit_entry": ("SELECT", "INSERT"),  # append-only (DESIGN §4.2): entries are added and read, never changed
    "alembic_version": ("SELECT",),  # only migrations move the schema's revision
}
# UPDATE and DELETE also cover the locks the app takes: SELECT … FOR UPDATE, and LOCK TABLE in
# grants/applications/counts.py (PostgreSQL lets a role that may UPDATE or DELETE take those modes).
# Never TRUNCATE, REFERENCES or TRIGGER: the app empties no table, and adds no keys or triggers.
DEFAULT_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
_RELATIONS = "('r', 'p', 'v')"  # tables, partitioned tables, views


class DatabaseRoleError(RuntimeError):
    """The app's role could act as the owner of the schema; granting to it would protect nothing."""


def app_role(config) -> str | None:
    """The role the app connects as: POMOST_DATABASE_APP_ROLE, else the user in POMOST_DATABASE_URL."""
    return config.get("DATABASE_APP_ROLE") or make_url(config["SQLALCHEMY_DATABASE_URI"]).username


def grant_app_privileges(connection: Connection, role: str | None) -> bool:
    """Give `role` exactly what the app needs in the current schema and take away anything else (idempotent).

    Runs as the owner, in the migration's transaction. Does nothing on SQLite, or when the app connects as
    the same role as the migrations (a single-user setup); returns whether it granted."""
    if connection.dialect.name != "postgresql" or not role:
        return False
    if role == connection.scalar(text("SELECT current_user")):
        return False
    _refuse_an_owner(connection, role)
    quote = connection.dialect.identifier_preparer.quote
    grantee, schema = quote(role), quote(connection.scalar(text("SELECT current_schema()")))
    database = quote(connection.scalar(text("SELECT current_database()")))
    statements = [
        f"REVOKE ALL ON DATABASE {database} FROM {grantee}",
        f"GRANT CONNECT ON DATABASE {database} TO {grantee}",
        f"REVOKE ALL ON SCHEMA {schema} FROM {grantee}",
        f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
        # USAGE lets the app take ids (nextval) and SELECT read them; without UPDATE it cannot setval.
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
    ]
    tables = connection.scalars(text(
        f"SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
        f"AND relkind IN {_RELATIONS} ORDER BY relname"))
    by_privileges: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for table in tables:
        by_privileges[TABLE_PRIVILEGES.get(table, DEFAULT_TABLE_PRIVILEGES)].append(f"{schema}.{quote(table)}")
    for privileges, names in by_privileges.items():
        statements.append(f"GRANT {', '.join(privileges)} ON TABLE {', '.join(names)} TO {grantee}")
    # Functions the app calls, e.g. audit_chain_head (see the migrations). Trigger functions are left out:
    # nobody calls them, and a trigger runs its function without checking EXECUTE.
    routines = connection.scalars(text(
        "SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace = current_schema()::regnamespace "
        "AND prokind IN ('f', 'p') AND prorettype <> 'trigger'::regtype ORDER BY 1"))
    statements += [f"GRANT EXECUTE ON ROUTINE {routine} TO {grantee}" for routine in routines]
    for statement in statements:
        connection.execute(text(statement))
    return True


def _refuse_an_owner(connection: Connection, role: str) -> None:
    """A superuser, a table's owner or a member of the owner's role may do anything to the tables."""
    owned = list(connection.scalars(text(
        f"SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
        f"AND relkind IN {_RELATIONS} AND pg_has_role(:role, relowner, 'MEMBER') ORDER BY relname"),
        {"role": role}))
    if owned:
        raise DatabaseRoleError(
            f"The app's database role {role!r} owns, or may act as the owner of, {', '.join(owned[:5])}"
            f"{' …' if len(owned) > 5 else ''}, so it could disable the audit triggers. Give the tables to the "
            f"owner role (as a superuser: REASSIGN OWNED BY {role} TO <owner role>) and make sure {role!r} is "
            "neither a superuser nor a member of the owner role (README, \"Database roles\").")
