"""An application's page: its state, timeline and the actions the viewer may take now."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import Permission, can_view_application, get_or_404, has_permission, require
from grants.applications.forms import TransitionForm
from grants.applications.models import Application
from grants.engine.core import TransitionRefused, available_actions, fire, history_of
from grants.extensions import db
from workflows import WORKFLOWS

bp = Blueprint("applications", __name__, url_prefix="/applications")
WORKFLOW = WORKFLOWS["application"]


def public_timeline(history) -> list[dict]:
    """What an applicant sees: public labels, consecutive repeats merged (check → review is one step)."""
    steps: list[dict] = []
    for row in history:
        label = WORKFLOW.state(row.to_state).public_label()
        if steps and steps[-1]["label"] == label:
            continue
        steps.append({"at": row.at, "label": label, "reason": row.reason})
    return steps


def _render(application: Application, form: TransitionForm | None = None, status: int = 200):
    staff_view = has_permission(current_user, Permission.APPLICATION_ANY_READ)
    history = history_of(application)
    return render_template(
        "applications/detail.html", application=application, workflow=WORKFLOW, locale=str(get_locale()),
        staff_view=staff_view, history=history, timeline=public_timeline(history),
        actions=available_actions(application, current_user), form=form or TransitionForm(version=application.version),
    ), status


@bp.route("/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def detail(application_id: int):
    application = get_or_404(Application, application_id, can_view_application)
    return _render(application)


@bp.route("/<int:application_id>/actions/<trigger>", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def act(application_id: int, trigger: str):
    """Fire a transition from the page's buttons; the engine decides who may and whether."""
    application = get_or_404(Application, application_id, can_view_application, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _render(application, form, 400)
    try:
        fire(application, trigger, current_user, form.reason.data, expected_version=form.version.data)
    except TransitionRefused as refused:
        db.session.rollback()
        flash(refused.text(str(get_locale())), "danger")
        return _render(db.session.get(Application, application_id), form, refused.status)
    db.session.commit()
    flash(_("Done: %(state)s.", state=WORKFLOW.state(application.status).label(str(get_locale()))), "success")
    return redirect(url_for("applications.detail", application_id=application.id), 303)
