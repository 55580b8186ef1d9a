"""A person's API tokens, on their account: made with a name, scopes and an expiry (the secret shown once),
listed with when each was last used, and revoked."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange

from grants.access import Permission, require
from grants.api import tokens
from grants.extensions import db
from grants.forms import BaseForm
from grants.web import on_refusal


class TokenForm(BaseForm):
    name = StringField(_l("Name (what the token is for)"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(message=_l("Give the token a name.")), Length(max=80)])
    write = BooleanField(_l("Also make changes (write): fire transitions, open drafts, upload attachments"))
    days = IntegerField(_l("Valid for (days)"), default=90,
                        validators=[DataRequired(message=_l("Say for how many days.")),
                                    NumberRange(1, tokens.MAX_DAYS, message=_l("From 1 to 366 days."))])
    submit = SubmitField(_l("Make a token"))


bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    return render_template("api/tokens.html", form=form, secret=secret, tokens=tokens.tokens_of(current_user),
                           revoke_form=BaseForm()), status


@bp.route("/", methods=["GET", "POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def index():
    form = TokenForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, status=422)
    on_refusal(lambda refusal: _page(form, status=refusal.status))
    _token, secret = tokens.create(current_user, form.name.data, form.write.data, form.days.data)
    db.session.commit()
    flash(_("Copy the token now: it is shown only this once."), "warning")
    return _page(TokenForm(formdata=None), secret=secret, status=201)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def revoke(token_id: int):
    if not BaseForm().validate_on_submit():
        abort(400)
    token = tokens.revoke(current_user, token_id)
    if token is None:
        abort(404)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"), 303)
