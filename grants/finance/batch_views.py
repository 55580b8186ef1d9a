"""Bank files for finance officers: export the approved payments, download a batch, confirm a payment paid."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from grants.access import Permission, get_or_404, require
from grants.extensions import db
from grants.finance import bankfiles, statements
from grants.finance import batches as ops
from grants.finance.models import Payment, PaymentBatch
from grants.finance.permissions import can_read_payments
from grants.forms import BaseForm
from grants.services import uploads
from grants.web import on_refusal

bp = Blueprint("batches", __name__, url_prefix="/payments")


class ExportForm(BaseForm):
    format = SelectField(choices=[(key, names[0]) for key, names in bankfiles.FORMATS.items()],
                         validators=[AnyOf(list(bankfiles.FORMATS))])


class StatementForm(BaseForm):
    """The file itself is read from request.files."""


class ResolveForm(BaseForm):
    payment = IntegerField(validators=[Optional()])
    note = StringField(validators=[Optional(), Length(max=500)])


class PaidForm(BaseForm):
    paid_on = DateField(validators=[InputRequired()])
    reference = StringField(validators=[InputRequired(), Length(max=100)])


@bp.route("/batches/")
@require(Permission.PAYMENT_ANY_MANAGE)
def index():
    unmatched = statements.unmatched()
    return render_template("finance/batches.html", batches=ops.batches(), form=ExportForm(),
                           formats=bankfiles.FORMATS, statement_form=StatementForm(), resolve_form=ResolveForm(),
                           imports=statements.imports(), unmatched=unmatched, resolved=statements.resolved(),
                           candidates=statements.candidates(unmatched), readable=statements.readable)


@bp.route("/statement-lines/<int:line_id>", methods=["POST"])
@require(Permission.PAYMENT_ANY_MANAGE)
def resolve_line(line_id: int):
    """A line no payment matched: the payment it paid, or why it is not ours."""
    form = ResolveForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: redirect(url_for("batches.index"), 303))
    line = statements.resolve(line_id, current_user, form.payment.data, form.note.data)
    db.session.commit()
    flash(_("The line is matched: payment %(ref)s is recorded as paid.", ref=f"PMST-{line.payment_id}")
          if line.payment_id else _("The line is set aside with your note."), "success")
    return redirect(url_for("batches.index"), 303)


@bp.route("/statements", methods=["POST"])
@require(Permission.PAYMENT_ANY_MANAGE)
def import_statement():
    form = StatementForm()
    upload = request.files.get("statement")
    if not form.validate_on_submit() or upload is None:
        flash(_("Choose the statement file (MT940 or camt.053)."), "danger")
        return redirect(url_for("batches.index"), 303)
    on_refusal(lambda refusal: redirect(url_for("batches.index"), 303))
    record = statements.import_statement(upload.stream.read(statements.MAX_SIZE + 1), upload.filename,
                                         current_user)
    db.session.commit()
    flash(_("Statement read: %(lines)d lines, %(matched)d payments confirmed paid; the rest are listed below.",
            lines=record.lines, matched=record.matched), "success")
    return redirect(url_for("batches.index"), 303)


@bp.route("/batches/", methods=["POST"])
@require(Permission.PAYMENT_ANY_MANAGE)
def export():
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: redirect(url_for("batches.index"), 303))
    batch = ops.export(form.format.data, current_user)
    db.session.commit()
    flash(_("Bank file %(id)d: %(n)d payments, %(total)s; download it and send it to the bank.", id=batch.id,
            n=batch.count, total=format_currency(batch.total, "PLN")), "success")
    return redirect(url_for("batches.index"), 303)


@bp.route("/batches/<int:batch_id>/file")
@require(Permission.PAYMENT_ANY_MANAGE)
def download(batch_id: int):
    batch = db.session.get(PaymentBatch, batch_id) or abort(404)
    _, content_type, extension = bankfiles.FORMATS[batch.format]
    return uploads.send_stored(SimpleNamespace(storage_key=batch.storage_key, size=batch.size,
                                               original_name=f"przelewy-{batch.id}.{extension}",
                                               content_type=content_type))


@bp.route("/<int:payment_id>/paid", methods=["POST"])
@require(Permission.PAYMENT_ANY_MANAGE)
def paid(payment_id: int):
    payment = get_or_404(Payment, payment_id, can_read_payments, for_update=True)
    form = PaidForm()
    back = redirect(url_for("payments.show", payment_id=payment.id), 303)
    if not form.validate_on_submit() or form.paid_on.data > date.today():
        flash(_("Give the day the bank paid it (not in the future) and the bank's reference."), "danger")
        return back
    on_refusal(lambda refusal: back)
    ops.mark_paid(payment, current_user, form.paid_on.data, form.reference.data)
    db.session.commit()
    flash(_("The payment is recorded as paid."), "success")
    return back
