"""Annexes on the agreement's page: the program officer changes the schedule, amount or end of a signed
agreement with a reason; everyone who reads the agreement reads its annexes and their documents."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import Permission, require
from grants.extensions import db
from grants.finance import agreements, annexes
from grants.finance.agreement_views import page, shown_application
from grants.finance.models import AgreementAnnex
from grants.finance.permissions import can_prepare_agreement
from grants.forms import BaseForm
from grants.services import uploads
from grants.services.storage import get_storage
from grants.types import finite_decimal
from grants.web import on_refusal

bp = Blueprint("annexes", __name__, url_prefix="/agreements")


def _amount(text: str | None):
    return finite_decimal((text or "").replace("\u00a0", "").replace(" ", "").replace(",", "."))


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


@bp.route("/<int:application_id>/annexes", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def make(application_id: int):
    application = shown_application(application_id, can_prepare_agreement)
    if not BaseForm().validate_on_submit():
        abort(400)
    form = request.form
    changes = {p.id: annexes.Change(_amount(form.get(f"amount_{p.id}")), _date(form.get(f"due_{p.id}")))
               for p in annexes.changeable(application)}
    on_refusal(lambda refusal: page(application, status=refusal.status or 422, annex_errors=refusal.errors,
                                    annex_values=form))
    annex = annexes.make(application, current_user, changes, _date(form.get("ends_on")), form.get("reason", ""))
    db.session.commit()
    flash(_("Annex %(n)d is made and listed under Annexes; the applicant is told.", n=annex.number), "success")
    return redirect(url_for("agreements.show", application_id=application.id), 303)


@bp.route("/<int:application_id>/annexes/<int:number>.pdf")
@require(Permission.ACCOUNT_SELF_MANAGE)
def document(application_id: int, number: int):
    agreement = agreements.for_application(shown_application(application_id))
    annex = agreement and db.session.scalar(db.select(AgreementAnnex).where(
        AgreementAnnex.agreement_id == agreement.id, AgreementAnnex.number == number))
    if not annex or annex.document_key is None:
        abort(404)
    return uploads.send_stored(SimpleNamespace(
        storage_key=annex.document_key, original_name=f"{agreement.number.replace('/', '-')}-aneks-{number}.pdf",
        content_type="application/pdf", size=get_storage().size(annex.document_key)))
