"""The program officer's actions on an application in the formal check."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import Permission, get_or_404, require
from grants.applications import operations as ops
from grants.applications.forms import CorrectionForm, TransitionForm
from grants.applications.models import Application
from grants.applications.permissions import can_view_application
from grants.applications.views import bp, correction_choices, render_case
from grants.extensions import db
from grants.ui import to_the_minute
from grants.web import on_refusal


def _to_case(application_id: int):
    return redirect(url_for("applications.detail", application_id=application_id), 303)


@bp.route("/<int:application_id>/checklist", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def tick_checklist(application_id: int):
    application = get_or_404(Application, application_id, can_view_application, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: render_case(application))
    ops.tick_formal_checklist(application, current_user, request.form.getlist("items"),
                              expected_version=form.version.data)
    db.session.commit()
    flash(_("Checklist saved."), "success")
    return _to_case(application.id)


@bp.route("/<int:application_id>/correction", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def request_correction(application_id: int):
    application = get_or_404(Application, application_id, can_view_application, for_update=True)
    form = CorrectionForm()
    form.items.choices = correction_choices(application)
    if not form.validate_on_submit():
        return render_case(application, correction=form), 422
    on_refusal(lambda refusal: render_case(application, correction=form))
    ops.request_correction(application, current_user, form.items.data, form.reason.data,
                           expected_version=form.version.data)
    db.session.commit()
    flash(_("Correction requested; the applicant has until %(date)s.",
            date=to_the_minute(application.correction_due_at)), "success")
    return _to_case(application.id)
