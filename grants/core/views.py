"""Home pages per role, the language switch, health check and error pages."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import joinedload

from grants.access import Permission, public, require
from grants.applications.models import Application
from grants.applications.permissions import visible_to_staff
from grants.auth.forms import LanguageForm
from grants.auth.models import Membership, Organisation, User
from grants.calls.models import Call
from grants.extensions import db
from grants.services import audit
from grants.services.audit import AuditEntry
from grants.services.storage import StorageError, get_storage
from grants.ui import home_endpoint, is_safe_next
from grants.web import problem, row_id, wants_json
from workflows import WORKFLOWS

bp = Blueprint("core", __name__)
AUDIT_PAGE_SIZE = 50
RECENT = 20


@bp.route("/")
@public
def home():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("core/landing.html")


@bp.route("/applicant")
@require(Permission.ORGANISATION_OWN_MANAGE)
def applicant_home():
    organisations = db.session.execute(
        select(Organisation, Membership.role).join(Membership)
        .where(Membership.user_id == current_user.id).order_by(Organisation.name)
    ).all()
    applications = db.session.scalars(
        select(Application).join(Membership, Membership.organisation_id == Application.organisation_id)
        .where(Membership.user_id == current_user.id)
        .options(joinedload(Application.call), joinedload(Application.organisation))
        .order_by(Application.created_at.desc())
    ).all()
    return render_template("core/applicant_home.html", organisations=organisations, applications=applications,
                           workflow=WORKFLOWS["application"])


@bp.route("/officer")
@require(Permission.CALL_ANY_MANAGE)
def officer_home():
    calls = db.session.scalars(select(Call).order_by(Call.closes_at.desc())).all()
    counts = dict(db.session.execute(select(Application.call_id, func.count()).where(visible_to_staff())
                                     .group_by(Application.call_id)).all())
    recent = db.session.scalars(
        select(Application).options(joinedload(Application.call), joinedload(Application.organisation))
        .where(visible_to_staff()).order_by(Application.id.desc()).limit(RECENT)
    ).all()
    return render_template("core/officer_home.html", calls=calls, counts=counts, recent=recent,
                           workflow=WORKFLOWS["application"])


@bp.route("/finance")
@require(Permission.PAYMENT_ANY_MANAGE)
def finance_home():
    return render_template("core/finance_home.html")


@bp.route("/auditor")
@require(Permission.CONTROL_ANY_MANAGE)
def auditor_home():
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    return render_template("core/auditor_home.html", entries=entries)


@bp.route("/audit")
@require(Permission.AUDIT_LOG_READ)
def audit_log():
    before = request.args.get("before", type=row_id)
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE_SIZE)
    if before:
        query = query.where(AuditEntry.id < before)
    entries = db.session.scalars(query).all()
    return render_template("core/audit_log.html", entries=entries, result=None, actors=_actor_names(entries),
                           next_before=entries[-1].id if len(entries) == AUDIT_PAGE_SIZE else None)


def _actor_names(entries) -> dict[int, str]:
    """The names of the people who acted in these entries (one query)."""
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


@bp.route("/audit/verify", methods=["POST"])
@require(Permission.AUDIT_LOG_VERIFY)
def audit_verify():
    result = audit.verify()
    audit.record("audit:chain:verified", actor=current_user,
                 data={"ok": result.ok, "checked": result.checked, "broken_id": result.broken_id,
                       "missing": result.missing, "checkpoints": result.checkpoints})
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE_SIZE)).all()
    return render_template("core/audit_log.html", entries=entries, result=result, actors=_actor_names(entries),
                           next_before=entries[-1].id if len(entries) == AUDIT_PAGE_SIZE else None)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"], session["locale_chosen"] = form.language.data, True
        if current_user.is_authenticated:
            current_user.locale = form.language.data
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("core.home"))


@bp.route("/healthz")
@public
def healthz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        current_app.logger.warning("health check: database: %s", error)
        checks["database"] = "error"
    try:
        get_storage().check()
        checks["storage"] = "ok"
    except StorageError as error:
        current_app.logger.warning("health check: storage: %s", error)
        checks["storage"] = "error"
    ok = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ok else "error", **checks), 200 if ok else 503


def bench_row():
    """The cheapest page the app can serve from the database: one row by primary key (one query), as JSON.
    Registered only with POMOST_BENCH_ENDPOINTS=true, as the baseline of bench/pages_load.py."""
    from grants.auth.models import User

    row = db.session.execute(select(User.id, User.email).where(User.id == 1)).first()
    return jsonify(id=row.id if row else None)


def bench_signed_in():
    """A signed-in request and nothing else (the user and roles are loaded), as JSON."""
    return jsonify(id=current_user.id)


def bench_layout():
    """A signed-in request rendering the layout with an empty page: what every page costs before its own."""
    return render_template("base.html")


def register_bench_endpoints(app) -> None:
    """Reference points for bench/pages_load.py, registered only with POMOST_BENCH_ENDPOINTS=true."""
    if app.config["BENCH_ENDPOINTS"]:
        app.add_url_rule("/_bench/row", "core.bench_row", public(bench_row))
        app.add_url_rule("/_bench/signed-in", "core.bench_signed_in",
                         require(Permission.ACCOUNT_SELF_MANAGE)(bench_signed_in))
        app.add_url_rule("/_bench/layout", "core.bench_layout", require(Permission.ACCOUNT_SELF_MANAGE)(bench_layout))


def _error_page(code: int, title: str, message: str):
    if wants_json():  # the API (even at an address no route matches) and clients that ask for JSON
        return problem(code, title)
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app) -> None:
    @app.errorhandler(403)
    def forbidden(_error):
        return _error_page(403, _("Not allowed"), _("Your roles do not allow this action."))

    @app.errorhandler(404)
    def not_found(_error):
        return _error_page(404, _("Not found"), _("There is nothing here, or it is not yours to see."))

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return _error_page(405, _("Method not allowed"), _("This address does not accept that kind of request."))

    @app.errorhandler(400)
    def bad_request(_error):
        return _error_page(400, _("Bad request"),
                           _("The form was out of date or incomplete. Go back, reload and try again."))

    @app.errorhandler(DBAPIError)
    def database_error(error):
        # The connection died under the request (a restart, a failover, a killed backend) or could not be made:
        # the database rolled the transaction back, the pool drops the connection, the next request tries anew.
        if not (error.connection_invalidated or isinstance(error, OperationalError)):
            raise error
        current_app.logger.warning("database connection lost during %s %s: %s", request.method, request.path,
                                   error.orig)
        db.session.rollback()
        return _error_page(503, _("The database could not be reached"),
                           _("Nothing was saved. Try again in a moment."))

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return _error_page(500, _("Something went wrong"),
                           _("Nothing was saved. Try again in a moment; "
                             "if it keeps happening, tell the programme's staff."))
