"""The administrator's page of dated rate tables (/admin/rates)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from grants.access import Permission, require
from grants.calls.forms import AmountField
from grants.extensions import db
from grants.finance import rates
from grants.forms import BaseForm
from grants.web import on_refusal

bp = Blueprint("rates", __name__, url_prefix="/admin/rates")


class RateForm(BaseForm):
    table = HiddenField(validators=[AnyOf(list(rates.TABLES))])
    starts_on = DateField(_l("In force from"), validators=[InputRequired(message=_l("Give the date."))])
    value = AmountField(_l("Value"), places=None, validators=[InputRequired(message=_l("Give the value."))])
    source = StringField(_l("Where it is published (optional)"), validators=[Optional(), Length(max=500)])


def _page(form: RateForm | None = None, status: int = 200):
    tables = [(table, rates.rows(table.name)) for table in rates.TABLES.values()]
    return render_template("finance/rates.html", tables=tables, form=form or RateForm(),
                           errors_for=form.table.data if form is not None else None), status


@bp.route("/")
@require(Permission.PROGRAMME_SETTINGS_MANAGE)
def index():
    return _page()


@bp.route("/", methods=["POST"])
@require(Permission.PROGRAMME_SETTINGS_MANAGE)
def add():
    form = RateForm()
    if not form.validate_on_submit():
        flash(_("Nothing was added: correct the marked field."), "danger")
        return _page(form, 422)
    on_refusal(lambda refusal: _page(form, refusal.status or 422))
    rates.add(form.table.data, form.starts_on.data, form.value.data, current_user, form.source.data)
    db.session.commit()
    flash(_("The value is in force from %(day)s; agreements made before keep the values they froze.",
            day=form.starts_on.data.isoformat()), "success")
    return redirect(url_for("rates.index"), 303)
