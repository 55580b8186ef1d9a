"""Applicants create organisations, edit them, and invite co-members."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import Permission, get_or_404, public, require
from grants.auth.forms import ConfirmForm
from grants.auth.models import MembershipRole, Organisation, OrganisationType
from grants.extensions import db
from grants.forms import placed
from grants.organisations import kinds
from grants.organisations import operations as ops
from grants.organisations.forms import ConversionForm, InvitationForm, NewOrganisationForm, OrganisationDetailsForm
from grants.organisations.permissions import can_manage_organisation, can_view_organisation
from grants.services.mail import queue_mail
from grants.web import on_refusal

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _show_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "danger")


def _edit_page(form, organisation: Organisation | None):
    """The form again after a refused save, each message by its field."""
    def render(refusal):
        _show_errors(form, refusal.errors)
        return render_template("organisations/edit.html", form=form, organisation=organisation)
    return render


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.ORGANISATION_OWN_MANAGE)
def new():
    form = NewOrganisationForm()
    if not form.validate_on_submit():
        return render_template("organisations/edit.html", form=form, organisation=None), \
            422 if form.is_submitted() else 200
    members = form.member_rows()
    if any(entry.full_name.errors for entry in form.members):
        return render_template("organisations/edit.html", form=form, organisation=None), 422
    on_refusal(_edit_page(form, None))
    organisation = ops.create_organisation(current_user, OrganisationType(form.type.data), form.details(), members)
    db.session.commit()
    flash(_("The organisation has been created."), "success")
    return redirect(url_for("organisations.detail", organisation_id=organisation.id))


@bp.route("/<int:organisation_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def detail(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id, can_view_organisation)
    can_manage = can_manage_organisation(current_user, organisation)
    return render_template("organisations/detail.html", organisation=organisation, can_manage=can_manage,
                           can_convert=can_manage and ops.may_convert(organisation),
                           members_at_registration=not ops.may_convert(organisation),
                           kind_periods=kinds.periods(organisation), invite_form=InvitationForm())


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@require(Permission.ORGANISATION_OWN_MANAGE)
def edit(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id, can_view_organisation)
    if not can_manage_organisation(current_user, organisation):
        abort(403)
    form = OrganisationDetailsForm(obj=organisation)
    if not form.is_submitted():
        for entry, member in zip(form.members, organisation.group_members):
            entry.full_name.data, entry.birth_date.data, entry.is_leader.data, entry.pesel.data = \
                member.full_name, member.birth_date, member.is_leader, member.pesel
    if not form.validate_on_submit():
        return render_template("organisations/edit.html", form=form, organisation=organisation)
    members = form.member_rows()
    on_refusal(_edit_page(form, organisation))
    ops.update_organisation(organisation, current_user, form.details(),
                            members if organisation.type == OrganisationType.INFORMAL_GROUP else None)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("organisations.detail", organisation_id=organisation.id))


def _conversion_form(organisation: Organisation) -> ConversionForm:
    """The group's data to start from; a patron's bank account is the patron's, not the cooperative's."""
    form = ConversionForm(obj=organisation)
    if organisation.patron_name:
        form.bank_account.data = None
    return form


def _convert_page(form: ConversionForm, organisation: Organisation, status: int = 200):
    return render_template("organisations/convert.html", form=form, organisation=organisation,
                           had_patron=bool(organisation.patron_name)), status


@bp.route("/<int:organisation_id>/convert", methods=["GET", "POST"])
@require(Permission.ORGANISATION_OWN_MANAGE)
def convert(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id, can_view_organisation,
                              for_update=request.method == "POST")
    if not ops.may_convert(organisation):
        abort(404)
    if not can_manage_organisation(current_user, organisation):
        abort(403)
    form = ConversionForm() if request.method == "POST" else _conversion_form(organisation)
    if not form.validate_on_submit():
        return _convert_page(form, organisation, 422 if form.is_submitted() else 200)
    on_refusal(lambda refusal: _convert_page(placed(form, refusal.errors), organisation, refusal.status))
    change = ops.convert_to_social_cooperative(organisation, current_user, form.details(), form.changed_on.data)
    db.session.commit()
    flash(_("%(name)s is a social cooperative from %(day)s.", name=organisation.name,
            day=format_date(change.changed_on)), "success")
    return redirect(url_for("organisations.detail", organisation_id=organisation.id), 303)


@bp.route("/<int:organisation_id>/invitations", methods=["POST"])
@require(Permission.ORGANISATION_OWN_MANAGE)
def invite(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id, can_view_organisation)
    if not can_manage_organisation(current_user, organisation):
        abort(403)
    form = InvitationForm()
    if form.validate_on_submit():
        invitation, token = ops.invite(organisation, current_user, form.email.data, MembershipRole(form.role.data))
        link = current_app.config["BASE_URL"].rstrip("/") + url_for("organisations.accept", token=token)
        queue_mail(invitation.email, _("Invitation to %(name)s in Pomost", name=organisation.name), "invitation",
                   locale=current_user.locale, organisation=organisation, inviter=current_user, link=link,
                   days=ops.INVITATION_DAYS)
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("organisations.detail", organisation_id=organisation.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    invitation = ops.find_invitation(token)
    if invitation is None:
        flash(_("This invitation is invalid, used or expired. Ask for a new one."), "danger")
        return redirect(url_for("core.home"))
    if not current_user.is_authenticated:
        flash(_("Sign in (or create an account) with %(email)s to accept the invitation.", email=invitation.email),
              "info")
        return redirect(url_for("auth.login", next=url_for("organisations.accept", token=token)))
    if current_user.email != invitation.email:
        flash(_("This invitation was sent to %(email)s; sign in with that address to accept it.",
                email=invitation.email), "warning")
        return redirect(url_for("core.home"))
    form = ConfirmForm()
    if form.validate_on_submit():
        # Only the invited address can accept, so a used invitation was used by this person (another tab).
        organisation_id = invitation.organisation_id
        on_refusal(lambda refusal: redirect(url_for("organisations.detail", organisation_id=organisation_id)))
        ops.accept_invitation(invitation, current_user)
        db.session.commit()
        flash(_("You have joined %(name)s.", name=invitation.organisation.name), "success")
        return redirect(url_for("organisations.detail", organisation_id=invitation.organisation_id))
    return render_template("organisations/accept.html", invitation=invitation, form=form)
