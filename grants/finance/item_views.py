"""A development package's items bought in kind, on the agreement's page: the program officer orders them, the
officer or a finance officer records each delivery with the supplier's invoice, the group prints the handover
protocol, has its leader sign it and uploads the scan."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import Permission, require
from grants.auth.models import Programme
from grants.engine.core import fire
from grants.extensions import db
from grants.finance import agreements, items
from grants.finance.agreement_views import back_to, page, part_of, shown_application
from grants.finance.forms import DeliveryForm, ItemForm, ProtocolForm
from grants.finance.permissions import can_prepare_agreement, is_applicant_side
from grants.services import pdf, uploads
from grants.support.models import PackageItem
from grants.web import on_refusal

bp = Blueprint("package_items", __name__, url_prefix="/agreements")


@bp.route("/<int:application_id>/items", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def order(application_id: int):
    application = shown_application(application_id, can_prepare_agreement)
    form = ItemForm()
    if not form.validate_on_submit():
        return page(application, status=422, item_form=form, item_errors={k: v[0] for k, v in form.errors.items()})
    on_refusal(lambda refusal: page(application, status=refusal.status or 422, item_form=form,
                                    item_errors=refusal.errors))
    item = items.order(application, current_user, form.name.data, form.supplier.data, form.order_number.data,
                       form.amount.data)
    db.session.commit()
    flash(_("%(name)s is ordered.", name=item.name), "success")
    return back_to(application)


@bp.route("/<int:application_id>/items/<int:item_id>/deliver", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def deliver(application_id: int, item_id: int):
    """The workflow lets program and finance officers record it; anyone else is refused by the engine."""
    application = shown_application(application_id)
    item = part_of(PackageItem, application, item_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(application, status=refusal.status or 422, item_errors=refusal.errors,
                                    error_item=item.id, item_values=request.form))
    fire(item, "deliver", current_user, invoice_number=form.invoice_number.data,
         supplier_account=form.supplier_account.data)
    db.session.commit()
    flash(_("The delivery of %(name)s is recorded; the invoice's payment waits for finance.", name=item.name),
          "success")
    return back_to(application)


@bp.route("/<int:application_id>/items/<int:item_id>/protocol.pdf")
@require(Permission.ACCOUNT_SELF_MANAGE)
def protocol_form(application_id: int, item_id: int):
    """The handover protocol to print and sign."""
    application = shown_application(application_id)
    item = part_of(PackageItem, application, item_id)
    leader = next((m for m in application.organisation.group_members if m.is_leader), None)
    html = render_template("finance/handover_pdf.html", application=application, item=item, leader=leader,
                           agreement=agreements.for_application(application), locale=str(get_locale()),
                           operator=current_app.config.get("PAYER_NAME") or Programme.current().name)
    document = pdf.html_to_pdf(html, [Path(current_app.static_folder, "css", "pdf.css")])
    return current_app.response_class(document, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="protokol-{item.id}.pdf"'})


@bp.route("/<int:application_id>/items/<int:item_id>/handover", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def hand_over(application_id: int, item_id: int):
    application = shown_application(application_id, is_applicant_side)
    item = part_of(PackageItem, application, item_id)
    form = ProtocolForm()
    if not form.validate_on_submit() or "protocol" not in request.files:
        flash(_("Choose the scan of the signed protocol."), "danger")
        return back_to(application)
    on_refusal(lambda refusal: page(application, status=refusal.status or 422))
    items.hand_over(item, current_user, request.files["protocol"].stream, request.files["protocol"].filename)
    db.session.commit()
    flash(_("%(name)s is taken over: the protocol is stored.", name=item.name), "success")
    return back_to(application)


@bp.route("/<int:application_id>/items/<int:item_id>/protocol")
@require(Permission.ACCOUNT_SELF_MANAGE)
def protocol(application_id: int, item_id: int):
    application = shown_application(application_id)
    stored = items.protocols(application).get(part_of(PackageItem, application, item_id).id)
    if stored is None:
        abort(404)
    return uploads.send_stored(stored)
