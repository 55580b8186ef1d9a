"""Pomost: grant-competition and financial-support workflow engine."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, flash, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from grants import config as configuration

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, services, blueprints and commands."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(Path((overrides or {}).get("INSTANCE_PATH") or ROOT / "instance").resolve()),
    )
    if overrides and overrides.get("TESTING"):
        app.testing = True
    configuration.load(app, overrides)

    _init_extensions(app)
    from grants.web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    _register_blueprints(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only the client's address and scheme: many proxies pass a client's X-Forwarded-Host on unchanged,
        # and links in mail are built from POMOST_BASE_URL anyway.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from grants import cli
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    # Models must be imported before Alembic or the app look at the metadata.
    import grants.models  # noqa: F401 - registers every table
    from grants import security_headers
    from grants.extensions import babel, bootstrap, csrf, db, login_manager, migrate
    from grants.services import mail, storage

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone,
                   default_translation_directories="translations")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page itself says what to do
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        from sqlalchemy.orm import joinedload

        from grants.auth.models import User

        user_id, _colon, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None  # a session from before versions were kept: sign in again
        # Every signed-in request reads the roles, and most the memberships (access to an organisation's
        # objects): one query for all three.
        user = db.session.get(User, int(user_id), options=[joinedload(User.role_assignments),
                                                           joinedload(User.memberships)])
        if user is not None and user.session_version == int(version):
            return user
        # Ended (sign-out elsewhere, a new password, an administrator): say so once, on the way to sign in.
        for key in ("_user_id", "_fresh", "_id"):
            session.pop(key, None)
        flash(_("Your session has ended (you or an administrator signed you out, or the password changed). "
                "Sign in again; anything you had not saved was not kept."), "info")
        return None

    storage.init_app(app)
    mail.init_app(app)
    security_headers.init_app(app)


def _select_locale() -> str:
    languages = ("pl", "en")
    if not has_request_context():  # commands, the mail sender, the scheduler
        return "pl"
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or "pl"


def _select_timezone() -> str:
    """Times are shown in the programme's time zone (they are stored in UTC)."""
    from grants.auth.models import Programme

    return Programme.for_request().time_zone or "Europe/Warsaw"


# The modules that declare routes, area by area; modules that share a blueprint register it once.
VIEW_MODULES = (
    "core.views", "auth.views", "admin.views",
    "applications.views", "applications.applicant", "applications.officer", "applications.lists",
    "applications.across",
    "processes.views", "organisations.views", "calls.views", "calls.document_views", "calls.manage",
    "evaluation.views", "evaluation.manage", "evaluation.results_views",
    "finance.rates_views", "finance.agreement_views", "finance.payment_views", "finance.batch_views",
    "finance.job_views", "finance.item_views", "finance.annex_views", "finance.agreement_list_views",
    "finance.payment_list_views",
    "reporting.views", "reporting.manage", "reporting.settlement_views", "reporting.indicator_views",
    "support.views", "registry.views", "dashboards.views", "api.token_views", "api.docs",
    "control.recovery_views", "control.control_views",
)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from grants import ui, web
    from grants.core.views import register_bench_endpoints, register_error_handlers

    # Every module is imported before any blueprint registers, so shared blueprints have all their routes.
    blueprints = {module.bp.name: module.bp for module in [import_module(f"grants.{n}") for n in VIEW_MODULES]}
    for blueprint in blueprints.values():
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    web.init_app(app)
    register_bench_endpoints(app)
    from grants.api.app import init_app as init_api

    init_api(app)

    app.add_template_filter(ui.money, "money")
    app.add_template_filter(ui.file_types, "file_types")
    app.add_template_filter(ui.file_size, "filesizeformat")  # Jinja's own is English only
    app.add_template_filter(ui.to_the_minute, "minute")

    @app.context_processor
    def _ui_helpers():
        from grants.access import Permission, has_permission

        def can(permission: str) -> bool:
            return has_permission(current_user, Permission(permission))

        return {"ui": ui, "can": can, "get_locale": get_locale}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite is the demo database: enforce foreign keys and let two workers share the file.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
