"""The registry's pages: the public search and each published organisation's page (no sign-in), and the owner's
form deciding what is published."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, get_or_404, public, require
from grants.auth.models import Membership, MembershipRole, Organisation
from grants.dashboards.tables import draw
from grants.exports import csv_response, xlsx_response
from grants.extensions import db
from grants.forms import BaseForm, placed
from grants.labels import ORGANISATION_TYPE_LABELS
from grants.registry import entries as ops
from grants.registry.analytics import tables as analytics_tables
from grants.registry.forms import VOIVODESHIP_LABELS, EntryForm
from grants.web import on_refusal, page_number

bp = Blueprint("registry", __name__, url_prefix="/registry")
KINDS = {str(k.value): label for k, label in ORGANISATION_TYPE_LABELS.items()}


def _labels() -> dict:
    return {"kinds": KINDS, "industries": ops.INDUSTRIES, "statuses": ops.SE_STATUS_LABELS,
            "voivodeships": VOIVODESHIP_LABELS}


def _owned() -> list[Organisation]:
    if not current_user.is_authenticated:
        return []
    return list(db.session.scalars(select(Organisation).join(Membership).where(
        Membership.user_id == current_user.id, Membership.role == MembershipRole.OWNER).order_by(Organisation.name)))


@bp.route("/")
@public
def index():
    filters = ops.Filters.from_args(request.args)
    return render_template("registry/index.html", filters=filters, owned=_owned(),
                           **ops.search(filters, request.args.get("page", type=page_number) or 1), **_labels())


@bp.route("/grantees")
@require(Permission.CALL_ANY_MANAGE)
def grantees():
    """Staff publish grantees' basic data, as the programme's rules make public."""
    return render_template("registry/grantees.html", rows=ops.grantees(), form=BaseForm(), **_labels())


@bp.route("/grantees/<int:organisation_id>", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def publish_grantee(organisation_id: int):
    if not BaseForm().validate_on_submit():
        abort(400)
    organisation = get_or_404(Organisation, organisation_id, lambda user, organisation: True, for_update=True)
    on_refusal(lambda refusal: redirect(url_for("registry.grantees"), 303))
    ops.publish_basic(organisation, current_user, request.form.get("town"))
    db.session.commit()
    flash(_("%(name)s is in the registry with its basic data.", name=organisation.name), "success")
    return redirect(url_for("registry.grantees"), 303)


@bp.route("/analytics")
@public
def analytics():
    found = analytics_tables()
    return render_template("registry/analytics.html", tables=found,
                           charts={key: draw(table) for key, table in found.items()})


@bp.route("/analytics/<key>.<any(csv, xlsx):extension>")
@public
def analytics_download(key: str, extension: str):
    table = analytics_tables().get(key) or abort(404)
    if extension == "csv":
        return csv_response(table.rows, f"sector-{key}.csv", table.header)
    return xlsx_response(table.rows, f"sector-{key}.xlsx", table.header, table.title)


@bp.route("/<int:entry_id>")
@public
def show(entry_id: int):
    entry = ops.shown_to(current_user, entry_id)
    if entry is None:
        abort(404)
    return render_template("registry/entry.html", entry=entry, organisation=entry.organisation,
                           grants=ops.grants_of(entry.organisation), contact=ops.shown_contact(entry),
                           owner=ops.is_owner(current_user, entry.organisation), **_labels())


def _form_page(organisation: Organisation, form: EntryForm, status: int = 200):
    return render_template("registry/edit.html", organisation=organisation, form=form,
                           entry=ops.entry_of(organisation)), status


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def edit(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id, ops.is_owner, for_update=request.method == "POST")
    entry = ops.entry_of(organisation)
    form = EntryForm(obj=entry) if request.method == "GET" else EntryForm()
    if request.method == "GET":
        return _form_page(organisation, form)
    if not form.validate_on_submit():
        return _form_page(organisation, form, 422)
    on_refusal(lambda refusal: _form_page(organisation, placed(form, refusal.errors), refusal.status or 422))
    saved = ops.save(organisation, current_user, form.published.data, form.entry_data())
    db.session.commit()
    flash(_("The organisation is in the registry.") if saved.published
          else _("The registry entry is saved and not published."), "success")
    return redirect(url_for("registry.edit", organisation_id=organisation.id), 303)
